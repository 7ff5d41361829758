"""The conductor's loop: decide, brief, dispatch, execute, measure, judge, adapt.

Every decision goes through the decider (a model); every action is a typed tool executed through
the outbox; whether the objective is met is judged by code on a measurement. Every turn writes
typed events to the run's log. The loop runs the same with :class:`PlainSteps` or durable steps.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial

from pydantic import JsonValue
from sqlalchemy.orm import Session

from overture.agents import (
    Action,
    ActionReviewer,
    Agent,
    AgentResult,
    Brief,
    Environment,
    Measure,
    ToolContext,
    ToolHandle,
    build_brief,
)
from overture.agents.review import ApprovalAnswer, Review, ReviewVerdict
from overture.clock import WallClock
from overture.conductor.budgets import Spent, check_budgets
from overture.conductor.config import RunConfig
from overture.conductor.context import ContextMode, memory_facts, turn_record
from overture.conductor.judge import Verdict, judge
from overture.conductor.outcome import make_outcome
from overture.conductor.stall import Turn, detect_stall
from overture.conductor.steps import Steps
from overture.exceptions import BudgetExhausted
from overture.ids import RunId, StepId, idempotency_key
from overture.models import (
    AgentCard,
    Decider,
    DecisionError,
    DecisionInput,
    Exchange,
    NextStep,
    Plan,
    Question,
    limit_tokens,
    take_exchanges,
)
from overture.models.offline import next_step as offline_next_step
from overture.models.offline import plan as offline_plan
from overture.records import (
    Measurement,
    Outcome,
    OutcomeKind,
    ProgressLedger,
    TaskLedger,
    Usage,
)
from overture.runs import (
    ActionDone,
    ActionRecorded,
    ActionReviewed,
    AgentFinished,
    ApprovalDecided,
    BriefIssued,
    CycleEnded,
    Decided,
    EventPayload,
    Measured,
    PlanMade,
    Replanned,
    RunEnded,
    RunStarted,
    RunStore,
    Waited,
)

__all__ = ["Conductor"]

_RECENT = 5
"""How many past progress ledgers the decider sees."""


@dataclass
class _State:
    ledger: TaskLedger = field(default_factory=TaskLedger)
    spent: Spent = field(default_factory=Spent)
    seq: int = 0
    cycle: int = 0
    done_this_cycle: list[str] = field(default_factory=list[str])
    excluded: list[str] = field(default_factory=list[str])
    recent: list[ProgressLedger] = field(default_factory=list[ProgressLedger])
    history: list[JsonValue] = field(default_factory=list[JsonValue])
    """Every turn so far, kept only when agents are given the full memory."""
    turns: list[Turn] = field(default_factory=list[Turn])
    measurement: Measurement | None = None
    verdict: Verdict | None = None
    pending: list[tuple[int, datetime, EventPayload]] = field(
        default_factory=list[tuple[int, datetime, EventPayload]]
    )


class Conductor:
    """Pursues one objective with a set of agents until an outcome."""

    def __init__(
        self,
        *,
        run_id: RunId,
        config: RunConfig,
        store: RunStore,
        steps: Steps,
        decider: Decider,
        environment: Environment,
        agents: Mapping[str, Agent],
        measure: Measure,
        reviewers: tuple[ActionReviewer, ...] = (),
    ) -> None:
        self.run_id = run_id
        self.config = config
        self.objective = config.objective
        self.store = store
        self.steps = steps
        self.decider = decider
        self.env = environment
        self.agents = dict(agents)
        self.measure = measure
        self.reviewers = reviewers
        self._cards = tuple(
            AgentCard(
                name=name,
                purpose=agent.spec.purpose,
                needs=tuple(sorted(agent.spec.needs)),
                provides=tuple(sorted(agent.spec.provides)),
                per_cycle=agent.spec.per_cycle,
            )
            for name, agent in self.agents.items()
        )
        self._s = _State()

    # -- the loop ----------------------------------------------------------------------------

    def run(self) -> Outcome:
        """Pursue the objective to an outcome, then release the environment."""
        try:
            return self._run()
        finally:
            self.env.close()

    def _run(self) -> Outcome:
        s = self._s
        started = self.steps.step("start", time.time)
        self._emit(RunStarted(objective=self.objective, config=self.config.model_dump(mode="json")))
        self._commit("start", create_run=True)
        self._plan("initial plan")
        while True:
            view = self._view(Question.NEXT)
            decision, usage, wall, exchanges = self.steps.step(
                "decide", partial(self._ask_next, view)
            )
            s.spent = replace(s.spent.add_usage(usage), wall_seconds=wall - started)
            try:
                check_budgets(self.objective.budgets, s.spent)
            except BudgetExhausted as exhausted:
                return self._end_on_budget(exhausted)
            if not decision.next_agent:
                return self._end_plan_complete()
            decision = self._valid(decision, view)
            progress = ProgressLedger(
                met=bool(s.verdict and s.verdict.met),
                progressing=decision.progressing,
                looping=decision.looping,
                next_agent=decision.next_agent,
                instruction=decision.instruction,
                reason=decision.reason,
            )
            s.recent = [*s.recent, progress][-_RECENT:]
            self._emit(
                Decided(
                    progress=progress,
                    model=self.decider.name,
                    decider_input=view.model_dump(mode="json"),
                    usage=usage,
                    exchanges=exchanges,
                )
            )
            result = self._dispatch(decision)
            self._turn_end(decision, result)
            if s.verdict is not None and s.verdict.met:
                return self._end(OutcomeKind.REACHED)
            reason = detect_stall(
                s.turns, max_repeats=self.config.max_repeats, flat_steps=self.config.flat_steps
            )
            if reason is not None:
                self._replan(reason, looping_agent=s.turns[-1].agent)

    # -- one turn ----------------------------------------------------------------------------

    def _dispatch(self, decision: NextStep) -> AgentResult:
        s = self._s
        agent = self.agents[decision.next_agent]
        s.spent = replace(s.spent, steps=s.spent.steps + 1)
        step = s.spent.steps
        full = self.config.context is ContextMode.FULL
        brief, withheld = build_brief(
            agent.spec,
            run_id=self.run_id,
            step=step,
            objective=self.objective.describe(),
            instruction=decision.instruction,
            ledger=s.ledger,
            cycle=s.cycle,
            cycles_left=max(self.objective.budgets.max_cycles - 1 - s.cycle, 0),
            now=self.env.clock.now(),
            memory=memory_facts(s.recent, s.history, s.measurement) if full else None,
        )
        self._emit(
            BriefIssued(
                agent=agent.spec.name,
                instruction=decision.instruction,
                fact_keys=tuple(f.key for f in brief.facts),
                size_bytes=brief.size,
                withheld_keys=withheld,
            )
        )
        result, error = self.steps.step(
            f"agent:{agent.spec.name}", lambda: _run_agent(agent, brief)
        )
        s.spent = s.spent.add_usage(result.usage)
        facts = tuple(
            f.model_copy(update={"source": f"step {step} ({agent.spec.name}): {f.source}"})
            for f in result.facts
        )
        s.ledger = s.ledger.with_facts(facts)
        if full:
            s.history.append(turn_record(step, agent.spec.name, decision.instruction, result))
        self._emit(
            AgentFinished(
                agent=agent.spec.name,
                output=result.output,
                facts=facts,
                evidence=result.evidence,
                text=result.text,
                usage=result.usage,
                error=error,
            )
        )
        if result.actions:
            self._execute_actions(agent, step, result)
        return result

    def _review(self, agent: Agent, step: int, action: Action) -> bool:
        """Ask every reviewer; any denial wins; a gate waits durably for a person's answer."""
        reviews = self.steps.step(
            f"review:{action.tool}",
            lambda: [
                reviewer.review(
                    run_id=self.run_id,
                    step=step,
                    agent=agent.spec.name,
                    tool=action.tool,
                    input=action.input,
                    objective=self.objective,
                )
                for reviewer in self.reviewers
            ],
        )
        verdicts = {review.verdict for review in reviews}
        verdict = (
            ReviewVerdict.DENY
            if ReviewVerdict.DENY in verdicts
            else ReviewVerdict.APPROVAL
            if ReviewVerdict.APPROVAL in verdicts
            else ReviewVerdict.ALLOW
        )
        gate = next((r for r in reviews if r.verdict is ReviewVerdict.APPROVAL), None)
        approval_id = gate.approval_id if gate and verdict is ReviewVerdict.APPROVAL else None
        self._emit(
            ActionReviewed(
                agent=agent.spec.name,
                tool=action.tool,
                verdict=verdict.value,
                reasons=tuple(r.reason for r in reviews if r.reason),
                rules=tuple(r.rule for r in reviews if r.rule),
                approval_id=approval_id,
                deadline=gate.deadline if approval_id and gate else None,
            )
        )
        if verdict is ReviewVerdict.ALLOW:
            return True
        if verdict is ReviewVerdict.DENY or gate is None or approval_id is None:
            return False
        self._commit("review")  # the gate is in the log before the run waits on it
        answer = gate.answer
        if answer is None:
            message = self.steps.wait_for_message(approval_id, self._wait_seconds(gate))
            answer = ApprovalAnswer.model_validate_json(message) if message else None
        self._emit(
            ApprovalDecided(
                approval_id=approval_id,
                approved=bool(answer and answer.approved),
                note=answer.note if answer else "no answer before the deadline",
                decided_by=answer.decided_by if answer else "",
                expired=answer is None,
            )
        )
        return bool(answer and answer.approved)

    def _wait_seconds(self, gate: Review) -> float:
        """How long a gate waits for a person: until its wall-time deadline, whatever the run's
        clock; a simulated run's clock stands still meanwhile. A reviewer that gives only a
        deadline on the run's clock gets that distance from the run's now, in wall seconds."""
        if gate.answer_by is not None:
            # Read at the wait: DBOS records the wake-up time on the first wait, and a wait
            # begun only after a crash gets what is left of the person's time, not all of it.
            return (gate.answer_by - WallClock().now()).total_seconds()
        return (gate.deadline - self.env.clock.now()).total_seconds() if gate.deadline else 0.0

    def _execute_actions(self, agent: Agent, step: int, result: AgentResult) -> None:
        s = self._s
        allowed = [a for a in result.actions if self._review(agent, step, a)]
        keyed = [
            (idempotency_key(self.run_id, StepId(step), f"{a.tool}:{i}:{a.input}"), a)
            for i, a in enumerate(allowed)
        ]
        if not keyed:
            return
        for key, action in keyed:
            self._emit(
                ActionRecorded(key=key, agent=agent.spec.name, tool=action.tool, input=action.input)
            )

        def record(session: Session) -> None:
            for key, action in keyed:
                self.store.record_action(
                    session,
                    key=key,
                    run_id=self.run_id,
                    step=step,
                    agent=agent.spec.name,
                    tool=action.tool,
                    input=action.input,
                    at=self.env.clock.now(),
                )

        # The outbox rows and their events commit together, before anything is sent.
        self._commit("outbox", also=record, exactly_once=True)
        for key, action in keyed:
            tool = agent.spec.tool(action.tool)
            context = ToolContext(
                run_id=self.run_id, step=StepId(step), now=self.env.clock.now(), key=key
            )

            def deliver(
                key: str = key,
                payload: JsonValue = action.input,
                tool: ToolHandle = tool,
                context: ToolContext = context,
            ) -> JsonValue:
                # A re-run after a crash finds the row done and sends nothing; a crash between
                # the call and the mark leaves the channel's own key dedupe to refuse a repeat.
                entry = self.store.action(key)
                if entry is not None and entry.done:
                    return entry.result
                return tool.call_json(payload, context)

            output = self.steps.step(f"deliver:{action.tool}", deliver)
            sends = _sends_in(output)
            s.spent = replace(s.spent, sends=s.spent.sends + sends)
            self._emit(ActionDone(key=key, tool=action.tool, result=output, sends=sends))

            def mark(session: Session, key: str = key, output: JsonValue = output) -> None:
                self.store.mark_done(session, key, output, self.env.clock.now())

            self._commit("outbox-done", also=mark)

    def _turn_end(self, decision: NextStep, result: AgentResult) -> None:
        s = self._s
        s.done_this_cycle.append(decision.next_agent)
        if result.wait_until is not None:
            self.steps.wait_until(self.env.clock, result.wait_until)
            self._emit(Waited(until=result.wait_until, requested_by=decision.next_agent))
        per_cycle = {
            step.agent
            for step in s.ledger.plan
            if self.agents[step.agent].spec.per_cycle and step.agent not in s.excluded
        }
        if per_cycle and per_cycle <= set(s.done_this_cycle):
            self._emit(CycleEnded(cycle=s.cycle))
            s.cycle += 1
            s.done_this_cycle = []
            s.spent = replace(s.spent, cycles=s.spent.cycles + 1)

        pending, s.pending = s.pending, []
        s.seq += 1
        seq, at = s.seq, self.env.clock.now()

        def measure(session: Session) -> tuple[Measurement, Verdict]:
            # The turn's events, the measurement and its verdict commit as one step.
            self.store.append(session, self.run_id, pending)
            measurement = self.measure(self.objective, self.env, s.ledger)
            verdict = judge(self.objective, measurement)
            measured = Measured(
                measurement=measurement,
                target=verdict.target,
                met=verdict.met,
                shown_unreachable=verdict.shown_unreachable,
            )
            self.store.append(session, self.run_id, [(seq, at, measured)])
            return measurement, verdict

        s.measurement, s.verdict = self.steps.record("measure", measure)
        s.turns.append(
            Turn(
                agent=decision.next_agent,
                instruction=decision.instruction,
                estimate=s.measurement.value,
                provided=bool(result.facts or result.actions),
            )
        )

    # -- planning ----------------------------------------------------------------------------

    def _plan(self, reason: str) -> None:
        s = self._s
        view = self._view(Question.PLAN, replan_reason=reason)
        plan, usage, exchanges = self.steps.step("plan", partial(self._ask_plan, view))
        plan, dropped = self._known_steps(plan)
        s.spent = s.spent.add_usage(usage)
        s.ledger = s.ledger.model_copy(
            update={"plan": plan.steps, "open_questions": plan.open_questions + dropped}
        )
        self._emit(
            PlanMade(
                ledger=s.ledger,
                reason=reason,
                model=self.decider.name,
                decider_input=view.model_dump(mode="json"),
                usage=usage,
                exchanges=exchanges,
            )
        )
        self._commit("plan")

    def _replan(self, reason: str, looping_agent: str) -> None:
        s = self._s
        s.spent = replace(s.spent, replans=s.spent.replans + 1)
        if reason.startswith("loop") and looping_agent not in s.excluded:
            s.excluded.append(looping_agent)
        s.turns = []
        s.recent = []
        self._emit(Replanned(reason=reason, replans=s.spent.replans, excluded=tuple(s.excluded)))
        self._plan(f"replan: {reason}")

    def _known_steps(self, plan: Plan) -> tuple[Plan, tuple[str, ...]]:
        """Drop plan steps naming agents that do not exist or were excluded (a model's slip)."""
        kept = tuple(
            step
            for step in plan.steps
            if step.agent in self.agents and step.agent not in self._s.excluded
        )
        dropped = tuple(
            f"the plan named '{step.agent}', which is not available"
            for step in plan.steps
            if step not in kept
        )
        return plan.model_copy(update={"steps": kept}), dropped

    def _valid(self, decision: NextStep, view: DecisionInput) -> NextStep:
        """A decision naming an unavailable agent falls back to the offline policy, logged."""
        planned = {step.agent for step in self._s.ledger.plan}
        if decision.next_agent in planned and decision.next_agent not in self._s.excluded:
            return decision
        fallback = offline_next_step(view)
        return fallback.model_copy(
            update={
                "reason": f"the decider named '{decision.next_agent}', which is not in the plan; "
                f"offline policy: {fallback.reason}"
            }
        )

    def _ask_next(self, view: DecisionInput) -> tuple[NextStep, Usage, float, tuple[Exchange, ...]]:
        self._limit_tokens()
        try:
            decision, usage = self.decider.next_step(view)
        except DecisionError as error:
            # A model that cannot answer validly does not stop the run: the offline policy
            # decides this step, and the reason says so in the log.
            fallback = offline_next_step(view)
            decision = fallback.model_copy(
                update={"reason": f"{error}; offline policy: {fallback.reason}"}
            )
            usage = error.usage
        # A provider's exchanges are part of the step's result, so a recovered run logs them too.
        return decision, usage, time.time(), take_exchanges(self.decider.model)

    def _ask_plan(self, view: DecisionInput) -> tuple[Plan, Usage, tuple[Exchange, ...]]:
        self._limit_tokens()
        try:
            plan, usage = self.decider.plan(view)
        except DecisionError as error:
            fallback = offline_plan(view)
            questions = (*fallback.open_questions, f"{error}; the offline policy planned instead")
            plan, usage = fallback.model_copy(update={"open_questions": questions}), error.usage
        return plan, usage, take_exchanges(self.decider.model)

    def _limit_tokens(self) -> None:
        """No model request may ask for more output tokens than the token budget has left."""
        left = self.objective.budgets.max_tokens - self._s.spent.usage.total_tokens
        limit_tokens(self.decider.model, left)

    def _view(self, question: Question, replan_reason: str = "") -> DecisionInput:
        s = self._s
        return DecisionInput(
            question=question,
            objective=self.objective.describe(),
            agents=self._cards,
            ledger=s.ledger,
            cycle=s.cycle,
            done_this_cycle=tuple(s.done_this_cycle),
            excluded=tuple(s.excluded),
            recent=tuple(s.recent),
            measurement=s.measurement,
            replan_reason=replan_reason,
        )

    # -- endings -----------------------------------------------------------------------------

    def _end_on_budget(self, exhausted: BudgetExhausted) -> Outcome:
        verdict = self._s.verdict
        if exhausted.budget == "cycles" and verdict is not None and verdict.shown_unreachable:
            return self._end(
                OutcomeKind.UNREACHABLE,
                detail=f"At the horizon of {exhausted.limit:g} cycles the target was out of reach.",
            )
        return self._end(OutcomeKind.BUDGET_EXHAUSTED, exhausted=exhausted)

    def _end_plan_complete(self) -> Outcome:
        verdict = self._s.verdict
        if verdict is not None and verdict.shown_unreachable:
            return self._end(
                OutcomeKind.UNREACHABLE, detail="Every planned agent has done its part."
            )
        return self._end(
            OutcomeKind.STOPPED,
            detail="Every planned agent has done its part and the target is still undecided.",
        )

    def _end(
        self, kind: OutcomeKind, *, exhausted: BudgetExhausted | None = None, detail: str = ""
    ) -> Outcome:
        s = self._s
        outcome = make_outcome(
            kind,
            self.objective,
            s.measurement,
            s.verdict.target if s.verdict else None,
            s.spent,
            exhausted=exhausted,
            detail=detail,
        )
        self._emit(RunEnded(outcome=outcome, usage=s.spent.usage, steps=s.spent.steps))

        def finish(session: Session) -> None:
            self.store.finish_run(
                session, self.run_id, outcome.kind, outcome.summary, self.env.clock.now()
            )

        self._commit("end", also=finish)
        return outcome

    # -- the event log -----------------------------------------------------------------------

    def _emit(self, payload: EventPayload) -> None:
        s = self._s
        s.seq += 1
        s.pending.append((s.seq, self.env.clock.now(), payload))

    def _commit(
        self,
        name: str,
        *,
        create_run: bool = False,
        also: Callable[[Session], None] | None = None,
        exactly_once: bool = False,
    ) -> None:
        """Write the pending events, and ``also`` whatever must commit with them, in one step.

        Event appends are idempotent by sequence number; ``exactly_once`` is for ``also``
        writes that are not (a new outbox row)."""
        pending, self._s.pending = self._s.pending, []

        def write(session: Session) -> None:
            if create_run:
                self.store.create_run(
                    session,
                    self.run_id,
                    self.objective,
                    self.config.model_dump_json(),
                    self.env.clock.now(),
                )
            self.store.append(session, self.run_id, pending)
            if also is not None:
                also(session)

        if exactly_once:
            self.steps.transaction(name, write)
        else:
            self.steps.record(name, write)


def _run_agent(agent: Agent, brief: Brief) -> tuple[AgentResult, str | None]:
    """Run an agent; its failure is recorded as the turn's result, not raised through the loop."""
    try:
        return agent.run(brief), None
    except Exception as error:  # an agent's bug must not take the run down with it
        return AgentResult(), f"{type(error).__name__}: {error}"


def _sends_in(output: JsonValue) -> int:
    """Messages a side-effecting tool handed to a channel: its output's ``accepted`` count.

    Counted once per outbox key: a delivery re-run after a crash gets the channel's receipt for
    the first attempt (``accepted`` as then), so the budget neither misses nor doubles them.
    """
    if isinstance(output, dict):
        accepted = output.get("accepted")
        if isinstance(accepted, int):
            return accepted
    return 0
