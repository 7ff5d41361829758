"""Replay: re-derive every decision of a run from its event log and report any divergence.

Model decisions are asked again with exactly the input recorded in the log; code decisions
(the verdict on each measurement, stall and loop detection, the outcome) are recomputed from the
recorded measurements. A run whose decisions all come out the same is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from overture.conductor.assemble import registry_for
from overture.conductor.config import RunConfig
from overture.conductor.judge import judge
from overture.conductor.stall import Turn, detect_stall
from overture.exceptions import UsageError
from overture.models import OFFLINE_MODEL_NAME, Decider, DecisionInput, resolve_model
from overture.objective import Objective
from overture.records import OutcomeKind
from overture.runs import (
    ActionRecorded,
    AgentFinished,
    Decided,
    Event,
    Measured,
    PlanMade,
    Replanned,
    RunEnded,
    RunStarted,
    RunStore,
)

__all__ = ["Divergence", "ReplayReport", "replay"]


@dataclass(frozen=True)
class Divergence:
    seq: int
    what: str
    recorded: str
    rederived: str


@dataclass
class ReplayReport:
    run_id: str
    model: str
    decisions: int = 0
    judgements: int = 0
    stall_checks: int = 0
    divergences: list[Divergence] = field(default_factory=list[Divergence])

    @property
    def reproducible(self) -> bool:
        return not self.divergences


def replay(store: RunStore, run_id: str) -> ReplayReport:
    """Re-derive the decisions of ``run_id`` and compare them with the log."""
    events = store.events(run_id)
    started = next((e.payload for e in events if isinstance(e.payload, RunStarted)), None)
    if started is None:
        raise UsageError(f"run '{run_id}' has no start event", "check the run id: overture runs")
    config = RunConfig.model_validate(started.config)
    if config.model != OFFLINE_MODEL_NAME:
        raise UsageError(
            f"run '{run_id}' was decided by '{config.model}', whose answers are not recorded",
            "replay runs decided by the offline model",
        )
    registry = registry_for(config.plugins)
    decider = Decider(resolve_model(config.model, registry.models), config.model)
    report = ReplayReport(run_id=run_id, model=config.model)
    _replay_decisions(decider, events, report)
    _replay_judgements(config.objective, config, events, report)
    return report


def _replay_decisions(decider: Decider, events: list[Event], report: ReplayReport) -> None:
    for event in events:
        payload = event.payload
        if isinstance(payload, PlanMade):
            view = DecisionInput.model_validate(payload.decider_input)
            plan, _ = decider.plan(view)
            available = {card.name for card in view.agents} - set(view.excluded)
            rederived = [s.agent for s in plan.steps if s.agent in available]
            recorded = [s.agent for s in payload.ledger.plan]
            report.decisions += 1
            if rederived != recorded:
                report.divergences.append(
                    Divergence(event.seq, "plan", " > ".join(recorded), " > ".join(rederived))
                )
        elif isinstance(payload, Decided):
            view = DecisionInput.model_validate(payload.decider_input)
            step, _ = decider.next_step(view)
            report.decisions += 1
            recorded = f"{payload.progress.next_agent}: {payload.progress.instruction}"
            rederived = f"{step.next_agent}: {step.instruction}"
            if recorded != rederived:
                report.divergences.append(Divergence(event.seq, "next step", recorded, rederived))


def _replay_judgements(
    objective: Objective, config: RunConfig, events: list[Event], report: ReplayReport
) -> None:
    """Recompute each verdict, each stall check and the outcome from recorded measurements."""
    turns: list[Turn] = []
    decided: Decided | None = None
    provided = False
    last_met = False
    expected_replan: str | None = None
    for event in events:
        payload = event.payload
        if expected_replan is not None and isinstance(payload, Decided | RunEnded):
            report.divergences.append(Divergence(event.seq, "replan", "none", expected_replan))
            expected_replan = None
        if isinstance(payload, Decided):
            decided, provided = payload, False
        elif isinstance(payload, AgentFinished):
            provided = provided or bool(payload.facts)
        elif isinstance(payload, ActionRecorded):
            provided = True
        elif isinstance(payload, Measured):
            verdict = judge(objective, payload.measurement)
            report.judgements += 1
            recorded = f"met={payload.met}, unreachable={payload.shown_unreachable}"
            rederived = f"met={verdict.met}, unreachable={verdict.shown_unreachable}"
            if recorded != rederived:
                report.divergences.append(Divergence(event.seq, "verdict", recorded, rederived))
            last_met = verdict.met
            if decided is not None and not verdict.met:
                turns.append(
                    Turn(
                        agent=decided.progress.next_agent,
                        instruction=decided.progress.instruction,
                        estimate=payload.measurement.value,
                        provided=provided,
                    )
                )
                expected_replan = detect_stall(
                    turns, max_repeats=config.max_repeats, flat_steps=config.flat_steps
                )
                report.stall_checks += 1
        elif isinstance(payload, Replanned):
            if expected_replan != payload.reason:
                report.divergences.append(
                    Divergence(event.seq, "replan", payload.reason, expected_replan or "none")
                )
            expected_replan = None
            turns = []
        elif isinstance(payload, RunEnded):
            reached = payload.outcome.kind is OutcomeKind.REACHED
            if reached != last_met:
                report.divergences.append(
                    Divergence(event.seq, "outcome", payload.outcome.kind, f"met={last_met}")
                )
