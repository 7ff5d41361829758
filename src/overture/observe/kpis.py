"""KPIs of a run, per agent and over many runs, read from the event log and the trace store.

- Completion: the share of tasks (agent dispatches) that finished with a valid typed result,
  and the share of runs that reached their objective.
- Hallucination rate: the share of claims (numbers, quoted names) in agents' and the conductor's
  texts that the evidence of their step does not support (:mod:`overture.observe.claims`).
- Cost: every model call priced from its tokens (:mod:`overture.observe.pricing`), with the
  price's source; a call that cannot be priced is counted as unpriced, never as free. Sends,
  and their cost when a price per send is given.
- Latency per step, agent, tool and model call, from the spans' wall-clock times; stalls, loops
  and replans from the log.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, JsonValue

from overture.observe import attributes as attr
from overture.observe.claims import DEFAULT_RELATIVE_TOLERANCE, Claim, check_text
from overture.observe.pricing import price_call
from overture.observe.traces import SpanRecord, SpanStore
from overture.records import OutcomeKind, Usage, jsonable
from overture.runs import (
    ActionDone,
    ActionReviewed,
    AgentFinished,
    ApprovalDecided,
    BriefIssued,
    CycleEnded,
    Decided,
    Event,
    Measured,
    PlanMade,
    Replanned,
    RunEnded,
    RunStarted,
    RunStore,
    Waited,
)

__all__ = [
    "CONDUCTOR",
    "AgentKpis",
    "CostLine",
    "KpiSummary",
    "Latency",
    "RunKpis",
    "TextFinding",
    "run_kpis",
    "run_kpis_from",
    "summarize",
]

CONDUCTOR = "conductor"
"""The author of decisions, plans, replans and the closing summary."""

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Latency(BaseModel):
    """Wall-clock latency of one kind of span, over the calls that really ran (not replayed)."""

    model_config = _FROZEN
    name: str
    count: int
    total_ms: float
    mean_ms: float
    p50_ms: float
    p95_ms: float
    max_ms: float


class CostLine(BaseModel):
    """The model calls of one caller on one model, priced."""

    model_config = _FROZEN
    caller: str
    model: str
    requests: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    """None when unpriced: never shown as zero."""
    price_source: str


class TextFinding(BaseModel):
    """One text of the run with its claims checked against its step's evidence."""

    model_config = _FROZEN
    seq: int
    author: str
    what: str
    text: str
    claims: tuple[Claim, ...]

    @property
    def unsupported(self) -> tuple[Claim, ...]:
        return tuple(c for c in self.claims if not c.supported)


class AgentKpis(BaseModel):
    model_config = _FROZEN
    agent: str
    tasks: int = 0
    completed: int = 0
    claims: int = 0
    unsupported_claims: int = 0
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    unpriced_requests: int = 0
    latency: Latency | None = None

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.tasks if self.tasks else None

    @property
    def hallucination_rate(self) -> float | None:
        return self.unsupported_claims / self.claims if self.claims else None


class RunKpis(BaseModel):
    """Every KPI of one run."""

    model_config = _FROZEN
    run_id: str
    objective: str
    outcome: OutcomeKind | None
    """None while the run is under way or was interrupted."""
    steps: int
    tasks: int
    completed_tasks: int
    claims: int
    unsupported_claims: int
    findings: tuple[TextFinding, ...]
    """Every checked text that makes at least one claim."""
    model_requests: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    """Money spent on priced calls; see ``unpriced_requests`` for what it leaves out."""
    unpriced_requests: int
    cost_lines: tuple[CostLine, ...]
    sends: int
    send_cost_usd: float | None
    """Sends times the price per send, when one was given; None otherwise (unpriced)."""
    replans: int
    loops: int
    stalls: int
    looping_flags: int
    """Turns in which the decider itself said the run was looping."""
    not_progressing: int
    waits: int
    cycles: int
    reviews: dict[str, int]
    """Reviews of proposed side effects by verdict (allow, deny, approval)."""
    rules: dict[str, int]
    """Governance rules that denied or gated an action, by how often."""
    approvals: dict[str, int]
    """Approval gates by how they ended (approved, rejected, expired)."""
    latency: tuple[Latency, ...]
    """Per step, tool and model call kind."""
    agents: tuple[AgentKpis, ...]
    wall_seconds: float | None
    """The run span's wall-clock duration, when the run was traced to its end."""

    @property
    def reached(self) -> bool:
        return self.outcome is OutcomeKind.REACHED

    @property
    def completion_rate(self) -> float | None:
        return self.completed_tasks / self.tasks if self.tasks else None

    @property
    def hallucination_rate(self) -> float | None:
        return self.unsupported_claims / self.claims if self.claims else None

    @property
    def cost_complete(self) -> bool:
        """Whether every model call was priced (else ``cost_usd`` is a lower bound)."""
        return self.unpriced_requests == 0


class KpiSummary(BaseModel):
    """KPIs over many runs: the trend and the totals."""

    model_config = _FROZEN
    runs: tuple[RunKpis, ...]
    ended: int
    reached: int
    tasks: int
    completed_tasks: int
    claims: int
    unsupported_claims: int
    cost_usd: float
    unpriced_requests: int
    sends: int

    @property
    def objective_rate(self) -> float | None:
        """Share of ended runs that reached their objective."""
        return self.reached / self.ended if self.ended else None

    @property
    def completion_rate(self) -> float | None:
        return self.completed_tasks / self.tasks if self.tasks else None

    @property
    def hallucination_rate(self) -> float | None:
        return self.unsupported_claims / self.claims if self.claims else None

    @property
    def cost_per_objective_reached(self) -> float | None:
        """Money per objective reached (priced calls only); None when none was reached."""
        return self.cost_usd / self.reached if self.reached else None


# -- the computation -----------------------------------------------------------------------------


def _latencies(spans: Iterable[SpanRecord], key: str) -> dict[str, Latency]:
    groups: dict[str, list[float]] = defaultdict(list)
    for span in spans:
        if span.replayed:
            continue
        name = span.attributes.get(key) if key else span.name
        if isinstance(name, str):
            groups[name].append(span.duration_ms)
    result: dict[str, Latency] = {}
    for name, values in sorted(groups.items()):
        array = np.asarray(values, dtype=float)
        result[name] = Latency(
            name=name,
            count=len(values),
            total_ms=float(array.sum()),
            mean_ms=float(array.mean()),
            p50_ms=float(np.percentile(array, 50)),
            p95_ms=float(np.percentile(array, 95)),
            max_ms=float(array.max()),
        )
    return result


def _completed(event: AgentFinished) -> bool:
    """A task finished with a valid typed result: no error, and an output or facts to show."""
    return event.error is None and (event.output is not None or bool(event.facts))


class _Cost:
    def __init__(self) -> None:
        self.lines: dict[tuple[str, str], list[int]] = {}
        self.costs: dict[tuple[str, str], float | None] = {}
        self.sources: dict[tuple[str, str], str] = {}

    def add(self, caller: str, model: str, usage: Usage, cost: float | None, source: str) -> None:
        key = (caller, model)
        line = self.lines.setdefault(key, [0, 0, 0])
        line[0] += usage.requests
        line[1] += usage.input_tokens
        line[2] += usage.output_tokens
        before = self.costs.get(key, 0.0)
        self.costs[key] = None if before is None or cost is None else before + cost
        self.sources[key] = source

    def result(self) -> tuple[CostLine, ...]:
        return tuple(
            CostLine(
                caller=caller,
                model=model,
                requests=line[0],
                input_tokens=line[1],
                output_tokens=line[2],
                cost_usd=self.costs[(caller, model)],
                price_source=self.sources[(caller, model)],
            )
            for (caller, model), line in sorted(self.lines.items())
        )


def _run_evidence(events: Sequence[Event]) -> list[JsonValue]:
    """What the conductor's own run-level texts (replans, the closing summary) rest on."""
    evidence: list[JsonValue] = []
    cycles = sends = unpriced = 0
    for event in events:
        p = event.payload
        match p:
            case RunStarted():
                evidence += [jsonable(p.objective), p.objective.describe(), p.config]
            case Measured():
                evidence.append(jsonable(p))
            case CycleEnded():
                cycles += 1
            case ActionDone():
                sends += p.sends
            case Decided() | PlanMade() | AgentFinished():
                unpriced += p.usage.requests if p.usage.cost_usd is None else 0
            case RunEnded():
                totals: dict[str, JsonValue] = {
                    "total_tokens": p.usage.total_tokens,
                    "steps": p.steps,
                }
                evidence += [jsonable(p.usage), totals, jsonable(p.outcome.measurement)]
            case _:
                pass
    evidence.append({"cycles": cycles, "sends": sends, "unpriced_requests": unpriced})
    return evidence


class _Reader:
    """Reads a run's events in order and tallies what the KPIs count."""

    def __init__(self, rel_tol: float) -> None:
        self.rel_tol = rel_tol
        self.objective = ""
        self.intro: list[JsonValue] = []
        self.outcome: OutcomeKind | None = None
        self.steps = 0
        self.facts: dict[str, JsonValue] = {}
        self.brief: BriefIssued | None = None
        self.findings: list[TextFinding] = []
        self.agents: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.agent_cost: defaultdict[str, float] = defaultdict(float)
        self.cost = _Cost()
        self.counts: Counter[str] = Counter()
        self.reviews: Counter[str] = Counter()
        self.rules: Counter[str] = Counter()
        self.approvals: Counter[str] = Counter()
        self.run_texts: list[tuple[int, str, str]] = []

    def check(self, seq: int, author: str, what: str, text: str, evidence: list[JsonValue]) -> int:
        """Check ``text``, keep it as a finding if it claims anything; the claims it makes."""
        checked = check_text(text, evidence, rel_tol=self.rel_tol)
        if checked.claims:
            self.findings.append(
                TextFinding(seq=seq, author=author, what=what, text=text, claims=checked.claims)
            )
        return len(checked.claims)

    def read(self, event: Event) -> None:
        p = event.payload
        match p:
            case RunStarted():
                self.objective = p.objective.describe()
                self.intro = [self.objective, p.objective.text]
            case PlanMade():
                self._price_decider(p.model, p.usage)
                plan = [step.instruction for step in p.ledger.plan]
                lines = [p.reason, *p.ledger.open_questions, *plan]
                self.check(event.seq, CONDUCTOR, "plan", "\n".join(lines), [p.decider_input])
            case Decided():
                self._price_decider(p.model, p.usage)
                self.counts["looping"] += p.progress.looping
                self.counts["not_progressing"] += not p.progress.progressing
                text = f"{p.progress.reason}\n{p.progress.instruction}"
                self.check(event.seq, CONDUCTOR, "decision", text, [p.decider_input])
            case BriefIssued():
                self.brief = p
            case AgentFinished():
                self._agent(event.seq, p)
            case ActionDone():
                self.counts["sends"] += p.sends
            case ActionReviewed():
                self.reviews[p.verdict] += 1
                if p.verdict != "allow":
                    self.rules.update(p.rules)
            case ApprovalDecided():
                answer = "expired" if p.expired else "approved" if p.approved else "rejected"
                self.approvals[answer] += 1
            case Replanned():
                self.counts["replans"] += 1
                self.counts["loops"] += p.reason.startswith("loop")
                self.counts["stalls"] += p.reason.startswith("stall")
                self.run_texts.append((event.seq, "replan", p.reason))
            case CycleEnded():
                self.counts["cycles"] += 1
            case Waited():
                self.counts["waits"] += 1
            case RunEnded():
                self.outcome = p.outcome.kind
                self.steps = p.steps
                self.run_texts.append((event.seq, "closing summary", p.outcome.summary))
            case _:
                pass

    def _price_decider(self, model: str, usage: Usage) -> None:
        price = price_call(model, usage.input_tokens, usage.output_tokens)
        self.cost.add(CONDUCTOR, model, usage, price.cost_usd, price.source)

    def _agent(self, seq: int, p: AgentFinished) -> None:
        counts = self.agents[p.agent]
        counts["tasks"] += 1
        counts["completed"] += _completed(p)
        # The step's evidence: what the agent was briefed with, its tool outputs and query
        # results, and its own typed result (code-validated; free text must agree with it).
        given: list[JsonValue] = [*self.intro]
        if self.brief is not None and self.brief.agent == p.agent:
            given += [self.brief.instruction, *(self.facts.get(k) for k in self.brief.fact_keys)]
        given += [jsonable(e) for e in p.evidence]
        given += [p.output, *(f.value for f in p.facts)]
        before = len(self.findings)
        counts["claims"] += self.check(seq, p.agent, "agent text", p.text, given)
        counts["unsupported"] += sum(len(f.unsupported) for f in self.findings[before:])
        if p.usage.requests:
            counts["requests"] += p.usage.requests
            counts["input"] += p.usage.input_tokens
            counts["output"] += p.usage.output_tokens
            if p.usage.cost_usd is None:
                counts["unpriced"] += p.usage.requests
                source = "unpriced: the agent reported no cost"
            else:
                self.agent_cost[p.agent] += p.usage.cost_usd
                source = "reported by the agent"
            self.cost.add(p.agent, "agent", p.usage, p.usage.cost_usd, source)
        self.facts.update({f.key: f.value for f in p.facts})
        self.brief = None

    def check_run_texts(self, events: Sequence[Event]) -> None:
        run_level = _run_evidence(events)
        for seq, what, text in self.run_texts:
            self.check(seq, CONDUCTOR, what, text, run_level)
        self.findings.sort(key=lambda f: f.seq)

    def agent_kpis(self, spans: Sequence[SpanRecord]) -> tuple[AgentKpis, ...]:
        latency = _latencies((s for s in spans if s.kind == "agent"), attr.AGENT_NAME)
        return tuple(
            AgentKpis(
                agent=name,
                tasks=c["tasks"],
                completed=c["completed"],
                claims=c["claims"],
                unsupported_claims=c["unsupported"],
                requests=c["requests"],
                input_tokens=c["input"],
                output_tokens=c["output"],
                cost_usd=self.agent_cost[name],
                unpriced_requests=c["unpriced"],
                latency=latency.get(name),
            )
            for name, c in sorted(self.agents.items())
        )


def run_kpis_from(
    run_id: str,
    events: Sequence[Event],
    spans: Sequence[SpanRecord] = (),
    *,
    send_price_usd: float | None = None,
    rel_tol: float = DEFAULT_RELATIVE_TOLERANCE,
) -> RunKpis:
    """Every KPI of one run from its events (and spans, for latency)."""
    reader = _Reader(rel_tol)
    for event in events:
        reader.read(event)
    reader.check_run_texts(events)
    agents = reader.agent_kpis(spans)
    conductor = [f for f in reader.findings if f.author == CONDUCTOR]
    lines = reader.cost.result()
    counts = reader.counts
    run_span = next((s for s in spans if s.kind == "run" and attr.OUTCOME in s.attributes), None)
    return RunKpis(
        run_id=run_id,
        objective=reader.objective,
        outcome=reader.outcome,
        steps=reader.steps,
        tasks=sum(a.tasks for a in agents),
        completed_tasks=sum(a.completed for a in agents),
        claims=sum(len(f.claims) for f in conductor) + sum(a.claims for a in agents),
        unsupported_claims=sum(len(f.unsupported) for f in conductor)
        + sum(a.unsupported_claims for a in agents),
        findings=tuple(reader.findings),
        model_requests=sum(line.requests for line in lines),
        input_tokens=sum(line.input_tokens for line in lines),
        output_tokens=sum(line.output_tokens for line in lines),
        cost_usd=sum(line.cost_usd for line in lines if line.cost_usd is not None),
        unpriced_requests=sum(line.requests for line in lines if line.cost_usd is None),
        cost_lines=lines,
        sends=counts["sends"],
        send_cost_usd=None if send_price_usd is None else counts["sends"] * send_price_usd,
        replans=counts["replans"],
        loops=counts["loops"],
        stalls=counts["stalls"],
        looping_flags=counts["looping"],
        not_progressing=counts["not_progressing"],
        waits=counts["waits"],
        cycles=counts["cycles"],
        reviews=dict(reader.reviews),
        rules=dict(reader.rules),
        approvals=dict(reader.approvals),
        latency=_all_latencies(spans),
        agents=agents,
        wall_seconds=None if run_span is None else run_span.duration_ms / 1000,
    )


def _all_latencies(spans: Sequence[SpanRecord]) -> tuple[Latency, ...]:
    found: list[Latency] = []
    for kind in ("step", "tool", "model"):
        found.extend(_latencies((s for s in spans if s.kind == kind), "").values())
    return tuple(found)


def run_kpis(
    store: RunStore,
    run_id: str,
    *,
    send_price_usd: float | None = None,
    rel_tol: float = DEFAULT_RELATIVE_TOLERANCE,
) -> RunKpis:
    """Every KPI of the run ``run_id`` in ``store`` (a RunNotFound if there is none)."""
    store.run(run_id)
    return run_kpis_from(
        run_id,
        store.events(run_id),
        SpanStore(store.engine).spans(run_id),
        send_price_usd=send_price_usd,
        rel_tol=rel_tol,
    )


def summarize(runs: Sequence[RunKpis]) -> KpiSummary:
    """Totals and rates over ``runs``."""
    return KpiSummary(
        runs=tuple(runs),
        ended=sum(r.outcome is not None for r in runs),
        reached=sum(r.reached for r in runs),
        tasks=sum(r.tasks for r in runs),
        completed_tasks=sum(r.completed_tasks for r in runs),
        claims=sum(r.claims for r in runs),
        unsupported_claims=sum(r.unsupported_claims for r in runs),
        cost_usd=sum(r.cost_usd for r in runs),
        unpriced_requests=sum(r.unpriced_requests for r in runs),
        sends=sum(r.sends for r in runs),
    )
