"""The small foundations: errors, ids, clocks, records, workspace."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from overture.clock import Clock, VirtualClock, WallClock, utc
from overture.exceptions import (
    BudgetExhausted,
    ConfigError,
    ObjectiveParseError,
    Replan,
    RunError,
    RunNotFound,
    UsageError,
)
from overture.ids import RunId, StepId, idempotency_key
from overture.records import Fact, TaskLedger, Usage
from overture.workspace import Workspace, resolve_workspace


def test_usage_error_says_how_to_fix() -> None:
    error = UsageError("bad goal", "say it like this")
    assert str(error) == "bad goal\n  How to fix: say it like this"
    assert str(UsageError("only a message")) == "only a message"


@pytest.mark.parametrize(
    "error",
    [
        UsageError("m", "f"),
        ConfigError("unknown knob", "remove it", file="a.toml", line=3, key="x.y"),
        ObjectiveParseError("no target", "say by how much", {"metric": "open rate"}),
        RunError("stuck", "run-1", 4),
        RunNotFound("missing", "run-2"),
        BudgetExhausted("steps", 40, 40),
        Replan("loop"),
    ],
)
def test_errors_survive_pickling_with_their_fields(error: Exception) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)


def test_config_error_names_file_line_and_key() -> None:
    error = ConfigError("unknown knob", "remove it", file="s.toml", line=3, key="audience.size")
    assert str(error).startswith("s.toml:3 [audience.size]: unknown knob")
    assert (error.file, error.line, error.key) == ("s.toml", 3, "audience.size")


def test_run_error_names_run_and_step() -> None:
    assert str(RunError("stuck", "run-1", 4)) == "stuck (run run-1, step 4)"
    assert str(RunError("stuck", "run-1")) == "stuck (run run-1)"
    assert str(BudgetExhausted("steps", 40, 40)) == "budget 'steps' exhausted: used 40 of 40"


@given(st.text(), st.integers(min_value=0, max_value=10_000), st.text())
def test_idempotency_keys_are_stable_and_distinct(run: str, step: int, payload: str) -> None:
    key = idempotency_key(RunId(run), StepId(step), payload)
    assert key == idempotency_key(RunId(run), StepId(step), payload)
    assert key != idempotency_key(RunId(run), StepId(step + 1), payload)
    assert key != idempotency_key(RunId(run), StepId(step), payload + "x")


def test_virtual_clock_jumps_and_never_goes_back() -> None:
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    clock = VirtualClock(start)
    assert isinstance(clock, Clock)
    clock.wait_until(start + timedelta(hours=72))
    assert clock.now() == start + timedelta(hours=72)
    clock.wait_until(start)  # the past is already here
    assert clock.now() == start + timedelta(hours=72)
    clock.advance(timedelta(minutes=5))
    assert clock.now() == start + timedelta(hours=72, minutes=5)
    with pytest.raises(ValueError, match="backward"):
        clock.advance(timedelta(seconds=-1))


def test_wall_clock_is_aware_and_waits_for_the_past_instantly() -> None:
    clock = WallClock()
    now = clock.now()
    assert now.tzinfo is not None
    clock.wait_until(now - timedelta(seconds=1))
    clock.wait_until(clock.now() + timedelta(milliseconds=5))
    assert clock.now() > now
    assert utc(datetime(2026, 1, 1)).tzinfo is UTC


def test_usage_adds_and_unpriced_stays_unpriced() -> None:
    a = Usage(requests=1, input_tokens=10, output_tokens=5, cost_usd=0.01)
    b = Usage(requests=2, input_tokens=1, output_tokens=1, cost_usd=None)
    assert (a + a).cost_usd == pytest.approx(0.02)
    assert (a + b).cost_usd is None
    assert (a + b).total_tokens == 17


def test_task_ledger_keeps_the_newest_fact_per_key() -> None:
    ledger = TaskLedger().with_facts((Fact(key="k", value=1, source="a"),))
    ledger = ledger.with_facts(
        (Fact(key="k", value=2, source="b"), Fact(key="j", value=3, source="b"))
    )
    assert [(f.key, f.value) for f in ledger.facts] == [("k", 2), ("j", 3)]
    fact = ledger.fact("k")
    assert fact is not None and fact.source == "b"
    assert ledger.fact("missing") is None


def test_workspace_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_workspace(tmp_path).root == tmp_path
    monkeypatch.setenv("OVERTURE_WORKSPACE", str(tmp_path / "env"))
    assert resolve_workspace(None).root == tmp_path / "env"
    ws = Workspace(tmp_path)
    assert ws.runs_db.name == "runs.sqlite"
    assert ws.dbos_db.name == "dbos.sqlite"
    assert ws.customers_db.name == "customers.duckdb"
