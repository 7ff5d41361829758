"""The conductor's loop with toy agents: each outcome asserted on the event log."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from conftest import objective, toy_config
from toy_plugin import World

from overture.conductor import Runner
from overture.records import OutcomeKind
from overture.runs import (
    ActionDone,
    ActionRecorded,
    AgentFinished,
    BriefIssued,
    Decided,
    Measured,
    PlanMade,
    Replanned,
    RunEnded,
    RunStarted,
)


def kinds(runner: Runner, run_id: str) -> list[str]:
    return [event.payload.kind for event in runner.store.events(run_id)]


def test_a_run_reaches_its_objective_judged_by_measurement(
    plain_runner: Runner, tmp_path: Path
) -> None:
    run_id, outcome = plain_runner.run(toy_config(tmp_path))
    assert outcome.kind is OutcomeKind.REACHED
    events = plain_runner.store.events(run_id)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert isinstance(events[0].payload, RunStarted)
    assert isinstance(events[1].payload, PlanMade)
    assert [s.agent for s in events[1].payload.ledger.plan] == ["scout", "mailer"]
    measured = [e.payload for e in events if isinstance(e.payload, Measured)]
    # Met only once the interval's lower bound clears baseline * 1.2 = 0.24.
    assert [m.met for m in measured] == [False, False, False, False, True]
    final = measured[-1].measurement
    assert final.lower is not None and final.lower >= 0.24
    assert measured[-2].measurement.lower is not None and measured[-2].measurement.lower < 0.24
    ended = events[-1].payload
    assert isinstance(ended, RunEnded) and ended.outcome.kind is OutcomeKind.REACHED
    assert "reached" in ended.outcome.summary
    assert plain_runner.store.run(run_id).outcome is OutcomeKind.REACHED


def test_every_send_goes_through_the_outbox_once(plain_runner: Runner, tmp_path: Path) -> None:
    run_id, _ = plain_runner.run(toy_config(tmp_path))
    events = plain_runner.store.events(run_id)
    recorded = [e for e in events if isinstance(e.payload, ActionRecorded)]
    done = [e for e in events if isinstance(e.payload, ActionDone)]
    assert len(recorded) == len(done) == 4
    for r, d in zip(recorded, done, strict=True):
        assert r.seq < d.seq
        assert isinstance(r.payload, ActionRecorded) and isinstance(d.payload, ActionDone)
        assert r.payload.key == d.payload.key and d.payload.sends == 100
    outbox = plain_runner.store.outbox(run_id)
    assert len(outbox) == 4 and all(entry.done for entry in outbox)
    world = World(tmp_path, {})
    assert world.accepted_sends() == 4
    assert sorted(Counter(world.attempts()).values()) == [1, 1, 1, 1]


def test_briefs_carry_only_declared_facts(plain_runner: Runner, tmp_path: Path) -> None:
    run_id, _ = plain_runner.run(toy_config(tmp_path))
    briefs = [
        e.payload for e in plain_runner.store.events(run_id) if isinstance(e.payload, BriefIssued)
    ]
    scout, mailer = briefs[0], briefs[1]
    assert scout.agent == "scout" and scout.fact_keys == ()
    assert mailer.agent == "mailer" and mailer.fact_keys == ("baseline",)
    assert all(b.size_bytes > 0 for b in briefs)


def test_an_impossible_target_ends_unreachable_with_evidence(
    plain_runner: Runner, tmp_path: Path
) -> None:
    config = toy_config(
        tmp_path,
        goal=objective(relative=0.5, max_cycles=6),
        settings={"toy.ceiling": "0.1"},
    )
    run_id, outcome = plain_runner.run(config)
    assert outcome.kind is OutcomeKind.UNREACHABLE
    assert outcome.measurement is not None and outcome.measurement.upper is not None
    assert outcome.measurement.upper < 0.30  # the target: 0.20 * 1.5
    measured = [
        e.payload for e in plain_runner.store.events(run_id) if isinstance(e.payload, Measured)
    ]
    assert measured[-1].shown_unreachable and not any(m.met for m in measured)


def test_a_looping_agent_is_caught_and_replanned(plain_runner: Runner, tmp_path: Path) -> None:
    config = toy_config(tmp_path, agents=("scout", "looper", "mailer"))
    run_id, outcome = plain_runner.run(config)
    events = plain_runner.store.events(run_id)
    replans = [e.payload for e in events if isinstance(e.payload, Replanned)]
    assert len(replans) == 1
    assert replans[0].reason.startswith("loop: looper")
    assert replans[0].excluded == ("looper",)
    plans = [e.payload for e in events if isinstance(e.payload, PlanMade)]
    assert [s.agent for s in plans[-1].ledger.plan] == ["scout", "mailer"]
    looper_turns = [
        e.payload
        for e in events
        if isinstance(e.payload, AgentFinished) and e.payload.agent == "looper"
    ]
    assert len(looper_turns) == 3
    assert outcome.kind is OutcomeKind.REACHED


def test_a_run_over_budget_ends_budget_exhausted_without_a_verdict(
    plain_runner: Runner, tmp_path: Path
) -> None:
    config = toy_config(tmp_path, goal=objective(max_steps=3))
    run_id, outcome = plain_runner.run(config)
    assert outcome.kind is OutcomeKind.BUDGET_EXHAUSTED
    assert outcome.budget == "steps"
    assert "No verdict" in outcome.summary and "reached:" not in outcome.summary.lower()
    events = plain_runner.store.events(run_id)
    assert sum(isinstance(e.payload, AgentFinished) for e in events) == 3
    ended = events[-1].payload
    assert isinstance(ended, RunEnded) and ended.steps == 3


def test_repeated_replans_exhaust_the_replan_budget(plain_runner: Runner, tmp_path: Path) -> None:
    config = toy_config(
        tmp_path, agents=("scout", "looper", "mailer"), goal=objective(max_replans=0)
    )
    _, outcome = plain_runner.run(config)
    assert outcome.kind is OutcomeKind.BUDGET_EXHAUSTED and outcome.budget == "replans"


def test_token_budget_counts_model_usage(plain_runner: Runner, tmp_path: Path) -> None:
    config = toy_config(tmp_path, goal=objective(max_tokens=100))
    run_id, outcome = plain_runner.run(config)
    assert outcome.kind is OutcomeKind.BUDGET_EXHAUSTED and outcome.budget == "tokens"
    decided = [
        e.payload for e in plain_runner.store.events(run_id) if isinstance(e.payload, Decided)
    ]
    assert decided == []  # the first decision's tokens already exceed 100


def test_a_model_that_cannot_answer_is_replaced_by_the_offline_policy_for_that_step(
    tmp_path: Path,
) -> None:
    from pydantic_ai.messages import ModelMessage, ModelResponse, TextPart
    from pydantic_ai.models.function import AgentInfo, FunctionModel

    from overture.conductor import PlainSteps
    from overture.conductor.assemble import build_conductor
    from overture.ids import RunId
    from overture.models import Decider
    from overture.runs import RunStore

    def prose(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        return ModelResponse(parts=[TextPart("the mailer, probably")])

    store = RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    conductor = build_conductor(RunId("run-prose"), toy_config(tmp_path), store, PlainSteps(store))
    conductor.decider = Decider(FunctionModel(prose, model_name="prose"), "test:prose")
    outcome = conductor.run()
    assert outcome.kind is OutcomeKind.REACHED
    decided = [e.payload for e in store.events("run-prose") if isinstance(e.payload, Decided)]
    assert all("offline policy" in d.progress.reason for d in decided)
    assert outcome.summary.count("unpriced") == 1


def test_the_policy_decides_which_models_may_decide(plain_runner: Runner, tmp_path: Path) -> None:
    import pytest

    from overture.exceptions import UsageError

    config = toy_config(tmp_path).model_copy(update={"model": "acme:large"})
    with pytest.raises(UsageError, match="does not allow the model 'acme:large'"):
        plain_runner.run(config)
