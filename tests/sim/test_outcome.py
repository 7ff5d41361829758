"""The outcome benchmark: policies side by side, reports in JSON and offline HTML."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from overture.exceptions import RegistryError
from overture.sim import (
    OUTCOME_POLICIES,
    CycleContext,
    EventTable,
    Plan,
    PolicySetup,
    register_policy,
    run_outcome,
    write_outcome,
)


class _Silent:
    """Never sends: every cycle is skipped."""

    def __init__(self, setup: PolicySetup) -> None:
        self.seen = 0
        self.oracle = setup.oracle

    def plan(self, context: CycleContext) -> Plan:
        empty = np.zeros(0, np.int64)
        return Plan(empty, empty, ("x",), empty)

    def observe(self, events: EventTable) -> None:
        self.seen += len(events)


@pytest.fixture
def silent() -> Iterator[str]:
    register_policy("silent", _Silent, description="sends nothing")
    yield "silent"
    del OUTCOME_POLICIES["silent"]


def test_oracle_beats_static_and_reports_are_written(tmp_path: Path) -> None:
    report = run_outcome(
        ["default"], ["static", "oracle"], [0], contacts=3_000, cycles=2, warmup_weeks=2
    )
    static, oracle = report.summary
    assert (static.policy, oracle.policy) == ("static", "oracle")
    assert oracle.final_rate > static.final_rate
    assert oracle.lift > 0.2 and oracle.cycles_to_target is not None
    assert static.cycles_to_target is None and static.reached == 0
    assert 90 <= oracle.percent_of_oracle <= 110
    run = report.runs[0]
    assert len(run.rates) == 2 and run.sends > 0 and run.regret > 0
    json_path, html_path = write_outcome(report, tmp_path / "out")
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["policies"] == ["static", "oracle"] and len(data["runs"]) == 2
    html = html_path.read_text(encoding="utf-8")
    # plotly.js itself is embedded, so the page opens offline.
    assert '<script src="http' not in html and len(html) > 1_000_000
    assert "Human-open rate by cycle" in html and "<table>" in html


def test_registered_policies_plug_in(silent: str) -> None:
    report = run_outcome(["unreachable"], [silent], [0], contacts=500, cycles=2, warmup_weeks=1)
    run = report.runs[0]
    assert run.rates == [None, None] and run.sends == 0 and run.final_rate == 0.0
    with pytest.raises(RegistryError, match="already registered"):
        register_policy(silent, _Silent)


def test_unknown_policies_and_empty_runs_are_refused() -> None:
    with pytest.raises(RegistryError, match="no outcome policy named nope"):
        run_outcome(["default"], ["nope"], [0])
    with pytest.raises(ValueError, match="at least one"):
        run_outcome(["default"], ["static"], [])
