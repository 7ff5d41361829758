"""The run store: append-only log, idempotent re-appends, outbox, clear errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from overture.exceptions import RunNotFound
from overture.objective import Direction, Metric, Objective, Target, TargetKind
from overture.records import OutcomeKind
from overture.runs import CycleEnded, RunStore, Waited

NOW = datetime(2026, 1, 5, tzinfo=UTC)
GOAL = Objective(
    text="t",
    metric=Metric.CLICK_RATE,
    direction=Direction.INCREASE,
    target=Target(kind=TargetKind.ABSOLUTE, value=0.04),
)


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    return RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}")


def test_appending_the_same_sequence_again_changes_nothing(store: RunStore) -> None:
    with store.transaction() as session:
        store.create_run(session, "run-1", GOAL, "{}", NOW)
        store.create_run(session, "run-1", GOAL, "{}", NOW)  # a re-executed start
        store.append(session, "run-1", [(1, NOW, CycleEnded(cycle=0))])
    with store.transaction() as session:
        store.append(session, "run-1", [(1, NOW, Waited(until=NOW, requested_by="x"))])
        store.append(session, "run-1", [])
    events = store.events("run-1")
    assert [e.payload.kind for e in events] == ["cycle_ended"]
    assert store.events("run-1", after=1) == []


def test_runs_are_listed_and_finished(store: RunStore) -> None:
    with store.transaction() as session:
        store.create_run(session, "run-1", GOAL, '{"a": 1}', NOW)
        store.finish_run(session, "run-1", OutcomeKind.REACHED, "done", NOW)
    summary = store.run("run-1")
    assert summary.outcome is OutcomeKind.REACHED
    assert summary.summary == "done"
    assert summary.objective == GOAL
    assert [r.run_id for r in store.runs()] == ["run-1"]
    assert store.config("run-1") == '{"a": 1}'


def test_unknown_runs_are_not_found(store: RunStore) -> None:
    with pytest.raises(RunNotFound, match="no run 'nope'"):
        store.run("nope")
    with pytest.raises(RunNotFound):
        store.config("nope")


def test_the_outbox_refuses_a_key_twice_and_marks_done_once(store: RunStore) -> None:
    with store.transaction() as session:
        assert store.record_action(
            session, key="k1", run_id="r", step=1, agent="a", tool="send", input={"n": 1}, at=NOW
        )
        assert not store.record_action(
            session, key="k1", run_id="r", step=1, agent="a", tool="send", input={"n": 2}, at=NOW
        )
    entry = store.action("k1")
    assert entry is not None and not entry.done and entry.input == {"n": 1}
    with store.transaction() as session:
        store.mark_done(session, "k1", {"accepted": 3}, NOW)
        store.mark_done(session, "k1", {"accepted": 99}, NOW)  # a second mark changes nothing
    done = store.action("k1")
    assert done is not None and done.done and done.result == {"accepted": 3}
    assert store.action("missing") is None
    assert [e.key for e in store.outbox("r")] == ["k1"]
