"""Replay re-derives every decision from the log and finds edits to it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import toy_config

from overture.conductor import Runner
from overture.conductor.replay import replay
from overture.exceptions import UsageError
from overture.runs import Decided, Measured, RunStore


def _edit(store: RunStore, run_id: str, seq: int, change: dict[str, object]) -> None:
    """Rewrite one stored event's payload, as a tamperer would."""
    with store.engine.begin() as conn:
        raw = conn.execute(
            sa.text("SELECT payload FROM overture_events WHERE run_id = :r AND seq = :s"),
            {"r": run_id, "s": seq},
        ).scalar_one()
        payload = json.loads(raw)
        for path, value in change.items():
            target = payload
            *parents, leaf = path.split(".")
            for part in parents:
                target = target[part]
            target[leaf] = value
        conn.execute(
            sa.text("UPDATE overture_events SET payload = :p WHERE run_id = :r AND seq = :s"),
            {"p": json.dumps(payload), "r": run_id, "s": seq},
        )


def test_an_untouched_run_replays_without_divergence(plain_runner: Runner, tmp_path: Path) -> None:
    run_id, _ = plain_runner.run(toy_config(tmp_path))
    report = replay(plain_runner.store, run_id)
    events = plain_runner.store.events(run_id)
    assert report.reproducible, report.divergences
    assert report.decisions == sum(e.payload.kind in ("plan_made", "decided") for e in events)
    assert report.judgements == sum(isinstance(e.payload, Measured) for e in events)


def test_a_replanned_run_replays_its_stall_detection(plain_runner: Runner, tmp_path: Path) -> None:
    run_id, _ = plain_runner.run(toy_config(tmp_path, agents=("scout", "looper", "mailer")))
    report = replay(plain_runner.store, run_id)
    assert report.reproducible, report.divergences
    assert report.stall_checks > 0


def test_an_edited_verdict_is_a_divergence(plain_runner: Runner, tmp_path: Path) -> None:
    run_id, _ = plain_runner.run(toy_config(tmp_path))
    first = next(e for e in plain_runner.store.events(run_id) if isinstance(e.payload, Measured))
    _edit(plain_runner.store, run_id, first.seq, {"met": True})
    report = replay(plain_runner.store, run_id)
    assert [(d.seq, d.what) for d in report.divergences] == [(first.seq, "verdict")]


def test_an_edited_decision_is_a_divergence(plain_runner: Runner, tmp_path: Path) -> None:
    run_id, _ = plain_runner.run(toy_config(tmp_path))
    decided = [e for e in plain_runner.store.events(run_id) if isinstance(e.payload, Decided)]
    _edit(plain_runner.store, run_id, decided[1].seq, {"progress.next_agent": "scout"})
    report = replay(plain_runner.store, run_id)
    assert [(d.seq, d.what) for d in report.divergences] == [(decided[1].seq, "next step")]
    assert report.divergences[0].recorded.startswith("scout:")


def test_runs_decided_by_unrecorded_models_are_refused(
    plain_runner: Runner, tmp_path: Path
) -> None:
    run_id, _ = plain_runner.run(toy_config(tmp_path))
    _edit(plain_runner.store, run_id, 1, {"config.model": "openai:gpt-4o"})
    with pytest.raises(UsageError, match="not recorded"):
        replay(plain_runner.store, run_id)
