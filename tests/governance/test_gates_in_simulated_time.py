"""Approval gates in a run on simulated time: a person answers in wall time, the run's own
clock stands still while it waits, silence by the wall-time deadline is a rejection, and a
rehearsal's policy may answer gates by code, recorded and audited as such."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from gated_plugin import AUDIENCE, START, config, world_sends
from governance_support import NOW, policy
from pydantic import JsonValue

from overture.agents import ApprovalAnswer, Review, ReviewVerdict
from overture.clock import VirtualClock, WallClock
from overture.conductor import PlainSteps
from overture.conductor.assemble import build_conductor
from overture.exceptions import ConfigError
from overture.governance import (
    REHEARSAL,
    ApprovalBook,
    AuditLog,
    PolicyReviewer,
    default_policy,
    load_policy,
    parse_policy,
)
from overture.ids import RunId
from overture.newsletter.environment import SIM_POLICY
from overture.objective import Objective
from overture.objective.model import Direction, Metric, Target, TargetKind
from overture.runs import ActionDone, ActionReviewed, ApprovalDecided, RunStore
from overture.workspace import Workspace

GOAL = Objective.model_validate(
    {
        "text": "Increase the open rate of our newsletter by 20%",
        "metric": Metric.HUMAN_OPEN_RATE,
        "direction": Direction.INCREASE,
        "target": Target(kind=TargetKind.RELATIVE, value=0.2),
    }
)
GATED = "[approvals]\naudience_over = 50\nwait_hours = 1\n"


class _Waits(PlainSteps):
    """Plain steps that record how long each gate was waited on."""

    def __init__(self, store: RunStore, messages: dict[str, str] | None = None) -> None:
        super().__init__(store, messages)
        self.timeouts: list[float] = []

    def wait_for_message(self, topic: str, timeout_seconds: float) -> str | None:
        self.timeouts.append(timeout_seconds)
        return super().wait_for_message(topic, timeout_seconds)


class _FixedGate:
    """A reviewer gating every action with the deadlines it is given."""

    def __init__(self, review: Review) -> None:
        self.review_ = review

    def review(
        self,
        *,
        run_id: str,
        step: int,
        agent: str,
        tool: str,
        input: JsonValue,
        objective: Objective,
    ) -> Review:
        return self.review_


def _run(
    workspace: Path,
    policy_text: str = GATED,
    *,
    gate: Review | None = None,
    messages: dict[str, str] | None = None,
) -> tuple[RunStore, str, _Waits]:
    workspace.mkdir(exist_ok=True)
    (workspace / "policy.toml").write_text(policy_text)
    store = RunStore(f"sqlite:///{Workspace(workspace).runs_db}")
    steps = _Waits(store, messages)
    conductor = build_conductor(RunId("run-sim"), config(workspace), store, steps)
    if gate is not None:
        conductor.reviewers = (_FixedGate(gate),)
    conductor.run()
    return store, "run-sim", steps


def _decided(store: RunStore, run_id: str) -> list[ApprovalDecided]:
    return [e.payload for e in store.events(run_id) if isinstance(e.payload, ApprovalDecided)]


def test_a_gate_waits_until_its_wall_time_deadline_not_the_simulated_one(tmp_path: Path) -> None:
    # Simulated time is months away from wall time: a wait reckoned on the run's clock would
    # last a thousand hours; the person has one minute of wall time.
    wall_deadline = WallClock().now() + timedelta(minutes=1)
    gate = Review(
        verdict=ReviewVerdict.APPROVAL,
        reason="audience over 50",
        rule="approvals.audience_over",
        approval_id="gate-1",
        deadline=START + timedelta(hours=1000),
        answer_by=wall_deadline,
    )
    store, run_id, steps = _run(tmp_path / "ws", gate=gate)
    assert len(steps.timeouts) == 1 and 0 < steps.timeouts[0] <= 60
    assert [(d.approved, d.expired) for d in _decided(store, run_id)] == [(False, True)]
    assert world_sends(tmp_path / "ws") == 0


def test_a_gate_past_its_wall_time_deadline_is_a_rejection_without_waiting(
    tmp_path: Path,
) -> None:
    gate = Review(
        verdict=ReviewVerdict.APPROVAL,
        approval_id="gate-1",
        deadline=START + timedelta(hours=24),
        answer_by=WallClock().now() - timedelta(seconds=1),
    )
    # The person's time is over (a run resumed long after its gate opened): no wait at all.
    store, run_id, steps = _run(tmp_path / "ws", gate=gate)
    assert steps.timeouts[0] < 0
    assert [(d.approved, d.expired) for d in _decided(store, run_id)] == [(False, True)]
    assert world_sends(tmp_path / "ws") == 0


def test_the_simulated_clock_stands_still_while_a_person_decides(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    book_gate = "run-sim-1-send-"  # the policy reviewer's id: RUN-STEP-TOOL-HASH
    answer = ApprovalAnswer(approved=True, note="ok", decided_by="ana").model_dump_json()

    class _Answering(_Waits):
        def wait_for_message(self, topic: str, timeout_seconds: float) -> str | None:
            assert topic.startswith(book_gate)
            self.timeouts.append(timeout_seconds)
            return answer

    workspace.mkdir()
    (workspace / "policy.toml").write_text(GATED)
    store = RunStore(f"sqlite:///{Workspace(workspace).runs_db}")
    steps = _Answering(store)
    build_conductor(RunId("run-sim"), config(workspace), store, steps).run()
    events = store.events("run-sim")
    reviewed = next(e for e in events if isinstance(e.payload, ActionReviewed))
    decided = next(e for e in events if isinstance(e.payload, ApprovalDecided))
    assert reviewed.at == decided.at == START  # no simulated time passed while waiting
    assert 0 < steps.timeouts[0] <= 3600  # one hour of the person's (wall) time at most
    assert [e.payload.sends for e in events if isinstance(e.payload, ActionDone)] == [AUDIENCE]
    gate = ApprovalBook(store.engine).all("run-sim")[0]
    assert gate.deadline == START + timedelta(hours=1)  # on the run's clock, for its log
    assert gate.answer_by > START + timedelta(days=30)  # in wall time, for the person


@pytest.mark.parametrize(("mode", "sends"), [("approve", 1), ("reject", 0)])
def test_a_rehearsal_answers_its_gates_by_code_and_says_so(
    tmp_path: Path, mode: str, sends: int
) -> None:
    text = f'{GATED}rehearsal = "{mode}"\n'
    store, run_id, steps = _run(tmp_path / "ws", text)
    assert steps.timeouts == []  # nobody was waited for
    decided = _decided(store, run_id)
    assert [(d.approved, d.decided_by, d.expired) for d in decided] == [
        (mode == "approve", REHEARSAL, False)
    ]
    assert f'approvals.rehearsal = "{mode}"' in decided[0].note
    assert world_sends(tmp_path / "ws") == sends
    gate = ApprovalBook(store.engine).all(run_id)[0]
    status = {"approve": "approved", "reject": "rejected"}[mode]
    assert (gate.status, gate.decided_by) == (status, REHEARSAL)
    actions = [(e.actor, e.action) for e in AuditLog(store.engine).entries()]
    assert ("policy:rehearsal", mode) in actions
    assert not any(actor.startswith("person:") for actor, _ in actions)
    assert AuditLog(store.engine).verify().ok


def _reviewer(engine: sa.Engine, mode: str, clock: VirtualClock | WallClock) -> PolicyReviewer:
    return PolicyReviewer(
        policy(approvals={"audience_over": 50, "rehearsal": mode}),
        engine,
        clock,
        wall_clock=VirtualClock(NOW),
    )


def _review(reviewer: PolicyReviewer) -> Review:
    return reviewer.review(
        run_id="run-1", step=2, agent="sender", tool="send", input={"audience": 90}, objective=GOAL
    )


def test_a_live_run_always_waits_for_a_person_whatever_the_rehearsal_setting(
    engine: sa.Engine,
) -> None:
    live = _review(_reviewer(engine, "approve", WallClock()))
    assert live.verdict is ReviewVerdict.APPROVAL and live.answer is None
    assert live.answer_by == NOW + timedelta(hours=24)
    assert [g.status for g in ApprovalBook(engine).all()] == ["pending"]


def test_a_rehearsal_answer_is_given_once_and_replayed_the_same(engine: sa.Engine) -> None:
    first = _review(_reviewer(engine, "approve", VirtualClock(NOW)))
    # A later review of the same action (a re-run step) finds the gate answered already,
    # even if the policy has changed meanwhile.
    again = _review(_reviewer(engine, "reject", VirtualClock(NOW + timedelta(hours=1))))
    assert first == again
    assert first.answer is not None
    assert (first.answer.approved, first.answer.decided_by) == (True, REHEARSAL)
    decisions = [e for e in AuditLog(engine).entries() if e.actor == "policy:rehearsal"]
    assert len(decisions) == 1


def test_simulated_runs_rehearse_the_default_gates_unless_told_otherwise() -> None:
    sim = load_policy(SIM_POLICY)
    gates = sim.approvals.model_dump(exclude={"rehearsal"})
    assert gates == default_policy().approvals.model_dump(exclude={"rehearsal"})
    assert (sim.approvals.rehearsal, default_policy().approvals.rehearsal) == ("approve", "wait")


def test_the_rehearsal_setting_is_checked() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_policy('[approvals]\nrehearsal = "maybe"\n', "policy.toml")
    assert raised.value.key == "approvals.rehearsal"
    assert parse_policy("", "policy.toml").approvals.rehearsal == "wait"


def test_a_review_recorded_before_these_fields_existed_still_loads() -> None:
    # A durable run keeps its reviews pickled; one paused at a gate across an upgrade is
    # resumed with a review that lacks the wall-time deadline and the rehearsal's answer.
    review = Review(verdict=ReviewVerdict.APPROVAL, approval_id="g", deadline=START)
    state = review.__getstate__()
    for newer in ("answer_by", "answer"):
        del state["__dict__"][newer]
    old = Review.__new__(Review)
    old.__setstate__(state)
    assert (old.answer_by, old.answer) == (None, None)
    assert old == review
