"""Replay re-derives every decision from the log and finds edits to it."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import toy_config
from pydantic import JsonValue

from overture.conductor import Runner
from overture.conductor.replay import replay
from overture.records import OutcomeKind
from overture.runs import Decided, Event, Measured, PlanMade, RunStore
from overture.workspace import Workspace

# The stand-in provider servers live with the model tests; loaded by file, since that folder
# on sys.path would let its conftest shadow this one's.
if "standins" not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        "standins", Path(__file__).parents[1] / "models" / "standins.py"
    )
    assert _spec is not None and _spec.loader is not None
    sys.modules["standins"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["standins"])
from standins import OpenAIStandIn, offline_answer


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


def test_decisions_said_to_come_from_a_provider_but_unrecorded_diverge(
    plain_runner: Runner, tmp_path: Path
) -> None:
    run_id, _ = plain_runner.run(toy_config(tmp_path))
    _edit(plain_runner.store, run_id, 1, {"config.model": "openai:gpt-4o"})
    report = replay(plain_runner.store, run_id)
    assert report.decisions > 0
    assert len(report.divergences) == report.decisions
    assert all("0 exchange(s) were recorded" in d.rederived for d in report.divergences)


# -- runs decided by a provider: replayed from their recorded exchanges ------------------------

MODEL = "openai:gpt-5.1"


@pytest.fixture
def provider_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Runner, str]]:
    """A toy run decided through the OpenAI stand-in, which is gone before the test goes on."""
    (tmp_path / "policy.toml").write_text(f'[models]\nallowed = ["{MODEL}"]\n')
    config = toy_config(tmp_path).model_copy(update={"model": MODEL})
    with Runner(Workspace(tmp_path), durable=False) as runner:
        with OpenAIStandIn() as server:
            monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
            monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
            run_id, outcome = runner.run(config)
        assert outcome.kind is OutcomeKind.REACHED
        monkeypatch.delenv("OPENAI_API_KEY")
        yield runner, run_id


def _decisions(store: RunStore, run_id: str) -> list[Event]:
    return [e for e in store.events(run_id) if isinstance(e.payload, PlanMade | Decided)]


def test_a_provider_run_replays_from_its_log_without_the_provider(
    provider_run: tuple[Runner, str],
) -> None:
    runner, run_id = provider_run
    decisions = _decisions(runner.store, run_id)
    assert all(
        len(e.payload.exchanges) == 1
        for e in decisions
        if isinstance(e.payload, PlanMade | Decided)
    )
    report = replay(runner.store, run_id)
    assert report.reproducible, report.divergences
    assert report.model == MODEL and report.decisions == len(decisions)


def _rewrite(store: RunStore, run_id: str, seq: int, change: Callable[[Any], None]) -> None:
    with store.engine.begin() as conn:
        raw = conn.execute(
            sa.text("SELECT payload FROM overture_events WHERE run_id = :r AND seq = :s"),
            {"r": run_id, "s": seq},
        ).scalar_one()
        payload = json.loads(raw)
        change(payload)
        conn.execute(
            sa.text("UPDATE overture_events SET payload = :p WHERE run_id = :r AND seq = :s"),
            {"p": json.dumps(payload), "r": run_id, "s": seq},
        )


def test_a_tampered_recorded_answer_is_a_divergence(provider_run: tuple[Runner, str]) -> None:
    runner, run_id = provider_run
    target = next(e for e in _decisions(runner.store, run_id) if isinstance(e.payload, Decided))

    def tamper(payload: Any) -> None:
        call = payload["exchanges"][0]["response"]["parts"][0]
        args = json.loads(call["args"]) if isinstance(call["args"], str) else call["args"]
        args["instruction"] = "Send to everyone, twice."
        call["args"] = json.dumps(args)

    _rewrite(runner.store, run_id, target.seq, tamper)
    report = replay(runner.store, run_id)
    assert [(d.seq, d.what) for d in report.divergences] == [(target.seq, "next step")]
    assert report.divergences[0].rederived.endswith("Send to everyone, twice.")


def test_a_request_that_is_not_the_recorded_one_is_a_divergence(
    provider_run: tuple[Runner, str],
) -> None:
    runner, run_id = provider_run
    target = next(e for e in _decisions(runner.store, run_id) if isinstance(e.payload, PlanMade))

    def tamper(payload: Any) -> None:
        payload["decider_input"]["objective"] = "Decrease the unsubscribe rate"

    _rewrite(runner.store, run_id, target.seq, tamper)
    report = replay(runner.store, run_id)
    assert [(d.seq, d.what) for d in report.divergences] == [(target.seq, "plan")]
    assert "differs from the recorded one" in report.divergences[0].rederived


def test_an_unused_recorded_exchange_is_a_divergence(provider_run: tuple[Runner, str]) -> None:
    runner, run_id = provider_run
    target = next(e for e in _decisions(runner.store, run_id) if isinstance(e.payload, Decided))

    def tamper(payload: Any) -> None:
        payload["exchanges"] = payload["exchanges"] * 2

    _rewrite(runner.store, run_id, target.seq, tamper)
    report = replay(runner.store, run_id)
    assert [(d.seq, d.what) for d in report.divergences] == [(target.seq, "next step")]
    assert "took 1 of the 2 recorded exchanges" in report.divergences[0].rederived


def test_steps_the_offline_policy_took_over_replay_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A next step naming an agent outside the plan, then one never answered validly: both
    went to the offline policy in the run, and do again on replay."""
    asked: list[str] = []

    def unreliable(prompt: str) -> JsonValue:
        asked.append(prompt)
        if len(asked) == 2:
            return {"next_agent": "ghost", "instruction": "Haunt.", "reason": "why not"}
        if len(asked) in (3, 4):
            return {"next_agent": 5}
        return offline_answer(prompt)

    (tmp_path / "policy.toml").write_text(f'[models]\nallowed = ["{MODEL}"]\n')
    config = toy_config(tmp_path).model_copy(update={"model": MODEL})
    with Runner(Workspace(tmp_path), durable=False) as runner:
        with OpenAIStandIn(unreliable) as server:
            monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
            monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
            run_id, outcome = runner.run(config)
        assert outcome.kind is OutcomeKind.REACHED
        turns = [e.payload for e in runner.store.events(run_id) if isinstance(e.payload, Decided)]
        assert "which is not in the plan" in turns[0].progress.reason
        assert "gave no valid NextStep" in turns[1].progress.reason
        assert [len(t.exchanges) for t in turns[:2]] == [1, 2]
        report = replay(runner.store, run_id)
        assert report.reproducible, report.divergences
