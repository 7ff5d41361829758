"""Replay: re-derive every decision of a run from its event log and report any divergence.

Model decisions are asked again with exactly the input recorded in the log: the offline model is
simply asked again; a provider is not asked at all, its answers come from the exchanges recorded
with each decision (a request that is not the recorded one, or a recorded answer that leads to
another decision, is a divergence). Code decisions (the fallback to the offline policy, the
verdict on each measurement, stall and loop detection, the outcome) are recomputed from the log.
A run whose decisions all come out the same is reproducible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from overture.agents import Registry
from overture.conductor.assemble import registry_for
from overture.conductor.config import RunConfig
from overture.conductor.judge import judge
from overture.conductor.stall import Turn, detect_stall
from overture.exceptions import ReplayDivergence, UsageError
from overture.governance import masks_with
from overture.models import (
    OFFLINE_MODEL_NAME,
    Decider,
    DecisionError,
    DecisionInput,
    Exchange,
    NextStep,
    Plan,
    ReplayModel,
    resolve_model,
)
from overture.models.asking import PromptMask
from overture.models.offline import next_step as offline_next_step
from overture.models.offline import plan as offline_plan
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
    registry = registry_for(config.plugins)
    report = ReplayReport(run_id=run_id, model=config.model)
    if config.model == OFFLINE_MODEL_NAME:
        decider = Decider(resolve_model(config.model, registry.models), config.model)
        _replay_decisions(lambda _: decider, events, report)
    else:
        masks = _run_masks(run_id, config, registry)

        def replaying(exchanges: tuple[Exchange, ...]) -> Decider:
            return Decider(ReplayModel(exchanges, config.model), config.model, masks=masks)

        _replay_decisions(replaying, events, report)
    _replay_judgements(config.objective, config, events, report)
    return report


def _run_masks(run_id: str, config: RunConfig, registry: Registry) -> Callable[[], PromptMask]:
    """The masks the run's decider used, so the requests come out as they were recorded.

    They depend on the customer store's personal values, read from the run's environment."""
    settings = {**config.settings, "run_id": run_id}
    environment = registry.environment(config.environment)(
        Path(config.workspace), config.seed, settings
    )
    try:
        values = environment.known_values() if environment.known_values is not None else None
    finally:
        environment.close()
    return masks_with(None if values is None else lambda: values)


def _replay_decisions(
    decider_for: Callable[[tuple[Exchange, ...]], Decider],
    events: list[Event],
    report: ReplayReport,
) -> None:
    for event in events:
        payload = event.payload
        if isinstance(payload, PlanMade):
            view = DecisionInput.model_validate(payload.decider_input)
            recorded = " > ".join(s.agent for s in payload.ledger.plan)
            report.decisions += 1
            try:
                plan = _rederive_plan(decider_for(payload.exchanges), view, payload.exchanges)
            except ReplayDivergence as error:
                report.divergences.append(Divergence(event.seq, "plan", recorded, str(error)))
                continue
            available = {card.name for card in view.agents} - set(view.excluded)
            rederived = " > ".join(s.agent for s in plan.steps if s.agent in available)
            if rederived != recorded:
                report.divergences.append(Divergence(event.seq, "plan", recorded, rederived))
        elif isinstance(payload, Decided):
            view = DecisionInput.model_validate(payload.decider_input)
            recorded = f"{payload.progress.next_agent}: {payload.progress.instruction}"
            report.decisions += 1
            try:
                step = _rederive_next(decider_for(payload.exchanges), view, payload.exchanges)
            except ReplayDivergence as error:
                report.divergences.append(Divergence(event.seq, "next step", recorded, str(error)))
                continue
            rederived = f"{step.next_agent}: {step.instruction}"
            if recorded != rederived:
                report.divergences.append(Divergence(event.seq, "next step", recorded, rederived))


def _rederive_plan(decider: Decider, view: DecisionInput, exchanges: Sequence[Exchange]) -> Plan:
    """The plan the conductor took for ``view``, the offline fallback included."""
    try:
        plan, _ = decider.plan(view)
    except DecisionError:
        plan = offline_plan(view)
    _all_used(decider, exchanges)
    return plan


def _rederive_next(
    decider: Decider, view: DecisionInput, exchanges: Sequence[Exchange]
) -> NextStep:
    """The next step the conductor took for ``view``, the offline fallbacks included."""
    try:
        step, _ = decider.next_step(view)
    except DecisionError:
        step = offline_next_step(view)
    _all_used(decider, exchanges)
    planned = {s.agent for s in view.ledger.plan}
    if step.next_agent and (step.next_agent not in planned or step.next_agent in view.excluded):
        # As the conductor does: an agent that is not in the plan is the offline policy's call.
        step = offline_next_step(view)
    return step


def _all_used(decider: Decider, exchanges: Sequence[Exchange]) -> None:
    replayed = decider.model
    if isinstance(replayed, ReplayModel) and replayed.remaining:
        raise ReplayDivergence(
            f"the decision took {len(exchanges) - replayed.remaining} of the "
            f"{len(exchanges)} recorded exchanges"
        )


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
