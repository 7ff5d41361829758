"""Reviewers sit between an agent's proposed action and the outbox; a denial always wins."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from conftest import objective, toy_config
from toy_plugin import World

from overture.agents import ApprovalAnswer
from overture.conductor import PlainSteps, Runner
from overture.conductor.assemble import build_conductor
from overture.ids import RunId
from overture.records import OutcomeKind
from overture.runs import ActionRecorded, ActionReviewed, ApprovalDecided, RunStore
from overture.workspace import Workspace


def test_a_denied_send_never_reaches_the_outbox(plain_runner: Runner, tmp_path: Path) -> None:
    config = toy_config(tmp_path, goal=objective(max_cycles=3), settings={"toy.review": "deny"})
    run_id, outcome = plain_runner.run(config)
    events = plain_runner.store.events(run_id)
    reviews = [e.payload for e in events if isinstance(e.payload, ActionReviewed)]
    assert len(reviews) == 3
    assert all(r.verdict == "deny" and r.rules == ("toy.deny",) for r in reviews)
    assert not any(isinstance(e.payload, ActionRecorded) for e in events)
    assert plain_runner.store.outbox(run_id) == []
    assert World(tmp_path, {}).accepted_sends() == 0
    assert outcome.kind is OutcomeKind.UNREACHABLE
    assert "horizon of 3 cycles" in outcome.summary


def test_an_unanswered_gate_is_a_rejection(plain_runner: Runner, tmp_path: Path) -> None:
    config = toy_config(tmp_path, goal=objective(max_cycles=2), settings={"toy.review": "approval"})
    run_id, _ = plain_runner.run(config)
    decided = [
        e.payload
        for e in plain_runner.store.events(run_id)
        if isinstance(e.payload, ApprovalDecided)
    ]
    assert len(decided) == 2
    assert all(d.expired and not d.approved for d in decided)
    assert World(tmp_path, {}).accepted_sends() == 0


def test_an_approved_gate_lets_the_send_through(tmp_path: Path) -> None:
    store = RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    approve = ApprovalAnswer(approved=True, note="fine", decided_by="ana").model_dump_json()
    steps = PlainSteps(store, messages={"run-gate-2": approve})
    config = toy_config(tmp_path, goal=objective(max_cycles=2), settings={"toy.review": "approval"})
    build_conductor(RunId("run-gate"), config, store, steps).run()
    decided = [
        e.payload for e in store.events("run-gate") if isinstance(e.payload, ApprovalDecided)
    ]
    assert [(d.approved, d.decided_by) for d in decided] == [(True, "ana"), (False, "")]
    assert World(tmp_path, {}).accepted_sends() == 1


def test_a_durable_run_waits_for_a_person(tmp_path: Path) -> None:
    from dbos import DBOS

    config = toy_config(tmp_path, goal=objective(max_cycles=1), settings={"toy.review": "approval"})
    with Runner(Workspace(tmp_path)) as runner:
        run_id = runner.start(config)

        def approve_when_asked() -> None:
            for _ in range(200):
                gates = [
                    e.payload
                    for e in runner.store.events(run_id)
                    if isinstance(e.payload, ActionReviewed) and e.payload.approval_id
                ]
                if gates:
                    answer = ApprovalAnswer(approved=True, decided_by="ana").model_dump_json()
                    DBOS.send(run_id, answer, topic=gates[0].approval_id)
                    return
                time.sleep(0.05)

        person = threading.Thread(target=approve_when_asked)
        person.start()
        outcome = runner.wait(run_id)
        person.join()
        decided = [
            e.payload for e in runner.store.events(run_id) if isinstance(e.payload, ApprovalDecided)
        ]
    assert [(d.approved, d.expired) for d in decided] == [(True, False)]
    assert World(tmp_path, {}).accepted_sends() == 1
    # One cycle at the horizon: the interval stays below the target, which is evidence enough.
    assert outcome.kind is OutcomeKind.UNREACHABLE
