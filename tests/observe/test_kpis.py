"""KPIs of runs: completion, hallucination rate, priced cost, latency, stalls and governance."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import pytest
from pydantic import JsonValue

from overture.conductor import Runner
from overture.objective import Objective
from overture.observe.kpis import CONDUCTOR, run_kpis, run_kpis_from, summarize
from overture.records import (
    Evidence,
    Fact,
    Measurement,
    Outcome,
    OutcomeKind,
    PlanStep,
    ProgressLedger,
    TaskLedger,
    Usage,
)
from overture.runs import (
    AgentFinished,
    BriefIssued,
    Decided,
    Event,
    EventPayload,
    PlanMade,
    RunEnded,
    RunStarted,
)

ToyRun = Callable[..., str]
AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

# Toy runs of many shapes: the offline model's own texts in each must all be supported.
SHAPES: list[tuple[tuple[str, ...], dict[str, str], dict[str, float]]] = [
    (("scout", "mailer"), {}, {}),
    (("scout", "spinner", "mailer"), {}, {}),
    (("scout", "mailer"), {"toy.review": "deny"}, {}),
    (("scout", "mailer"), {"toy.review": "approval"}, {}),
    (("scout", "mailer"), {}, {"max_steps": 3}),
    (("scout", "mailer"), {"toy.ceiling": "0.1"}, {"max_cycles": 3}),
    (("scout", "mailer"), {"toy.lift": "0.02"}, {"max_sends": 300}),
]


def test_the_offline_model_scores_zero_on_its_own_texts(runner: Runner, toy_run: ToyRun) -> None:
    claims = 0
    for agents, settings, budgets in SHAPES:
        kpis = run_kpis(runner.store, toy_run(agents=agents, settings=settings, **budgets))
        flagged = [(f.text, c.text) for f in kpis.findings for c in f.unsupported]
        assert flagged == [], (agents, settings, budgets)
        assert kpis.unsupported_claims == 0 and kpis.hallucination_rate == 0.0
        claims += kpis.claims
    assert claims > 60  # the summaries, decisions and replans do make checkable claims


def test_a_reached_run(runner: Runner, toy_run: ToyRun) -> None:
    kpis = run_kpis(runner.store, toy_run(), send_price_usd=0.001)
    assert kpis.outcome is OutcomeKind.REACHED and kpis.reached
    assert (kpis.tasks, kpis.completed_tasks, kpis.completion_rate) == (5, 5, 1.0)
    assert kpis.sends == 400 and kpis.send_cost_usd == pytest.approx(0.4)
    assert kpis.model_requests == 6 and kpis.cost_usd == 0.0 and kpis.cost_complete
    (line,) = kpis.cost_lines
    assert line.caller == CONDUCTOR and line.model == "offline" and line.cost_usd == 0.0
    assert "offline" in line.price_source
    assert (kpis.cycles, kpis.waits, kpis.replans) == (4, 4, 0)
    assert kpis.reviews == {"allow": 4} and kpis.rules == {}
    names = {item.name for item in kpis.latency}
    assert {"decide", "plan", "write measure", "execute_tool send", "chat offline"} <= names
    assert all(item.count > 0 and item.p95_ms >= item.p50_ms >= 0 for item in kpis.latency)
    assert [a.agent for a in kpis.agents] == ["mailer", "scout"]
    mailer, scout = kpis.agents
    assert (scout.claims, scout.unsupported_claims) == (2, 0)
    assert mailer.tasks == 4 and mailer.latency is not None and mailer.latency.count == 4
    assert mailer.hallucination_rate is None  # it wrote no text
    assert kpis.wall_seconds is not None and kpis.wall_seconds > 0


def test_loops_replans_and_unfinished_tasks(runner: Runner, toy_run: ToyRun) -> None:
    kpis = run_kpis(runner.store, toy_run(agents=("scout", "spinner", "mailer")))
    assert (kpis.replans, kpis.loops, kpis.stalls) == (1, 1, 0)
    spinner = next(a for a in kpis.agents if a.agent == "spinner")
    assert spinner.tasks == 3 and spinner.completed == 0 and spinner.completion_rate == 0.0
    assert kpis.completion_rate is not None and kpis.completion_rate < 1
    assert kpis.looping_flags >= 1


def test_governance_is_counted(runner: Runner, toy_run: ToyRun) -> None:
    denied = run_kpis(runner.store, toy_run(settings={"toy.review": "deny"}, max_steps=4))
    assert denied.reviews.get("deny", 0) >= 1 and denied.rules == {
        "toy.deny": denied.reviews["deny"]
    }
    assert denied.sends == 0
    gated = run_kpis(runner.store, toy_run(settings={"toy.review": "approval"}, max_steps=4))
    assert gated.approvals.get("expired", 0) >= 1 and "toy.approval" in gated.rules


def _events(*payloads: EventPayload) -> list[Event]:
    return [Event(run_id="run-h", seq=i, at=AT, payload=p) for i, p in enumerate(payloads, start=1)]


def _objective() -> Objective:
    return Objective.model_validate(
        {
            "text": "Increase the open rate of our newsletter by 20%",
            "metric": "human_open_rate",
            "direction": "increase",
            "target": {"kind": "relative", "value": 0.2},
        }
    )


def _decided(model: str, usage: Usage, reason: str = "go") -> Decided:
    return Decided(
        progress=ProgressLedger(next_agent="writer", instruction="write", reason=reason),
        model=model,
        decider_input={"cycle": 2},
        usage=usage,
    )


def _finished(agent: str, text: str, evidence: Sequence[JsonValue], **kw: object) -> AgentFinished:
    return AgentFinished.model_validate(
        {
            "agent": agent,
            "output": kw.get("output", {"ok": True}),
            "facts": kw.get("facts", ()),
            "evidence": [Evidence(tool="query", output=e) for e in evidence],
            "text": text,
            "usage": kw.get("usage", Usage()),
            "error": kw.get("error"),
        }
    )


def test_model_calls_are_priced_and_unpriced_ones_are_never_free() -> None:
    usage = Usage(requests=1, input_tokens=1000, output_tokens=200, cost_usd=None)
    events = _events(
        RunStarted(objective=_objective(), config={}),
        PlanMade(
            ledger=TaskLedger(plan=(PlanStep(agent="writer", instruction="write"),)),
            reason="initial plan",
            model="openai:gpt-4o",
            decider_input={},
            usage=usage,
        ),
        _decided("openai:gpt-4o", usage),
        _decided("acme:mystery", usage.model_copy(update={"requests": 2})),
        BriefIssued(
            agent="writer", instruction="write", fact_keys=(), size_bytes=10, withheld_keys=0
        ),
        _finished(
            "writer",
            "",
            [],
            usage=Usage(requests=3, input_tokens=10, output_tokens=5, cost_usd=None),
        ),
        BriefIssued(agent="pricer", instruction="p", fact_keys=(), size_bytes=10, withheld_keys=0),
        _finished(
            "pricer",
            "",
            [],
            usage=Usage(requests=1, input_tokens=1, output_tokens=1, cost_usd=0.25),
        ),
    )
    kpis = run_kpis_from("run-h", events)
    assert kpis.cost_usd == pytest.approx(2 * 0.0045 + 0.25)
    assert kpis.unpriced_requests == 2 + 3 and not kpis.cost_complete
    lines = {(line.caller, line.model): line for line in kpis.cost_lines}
    assert lines[(CONDUCTOR, "openai:gpt-4o")].cost_usd == pytest.approx(0.009)
    assert "genai-prices" in lines[(CONDUCTOR, "openai:gpt-4o")].price_source
    assert lines[(CONDUCTOR, "acme:mystery")].cost_usd is None
    assert lines[("writer", "agent")].cost_usd is None
    writer = next(a for a in kpis.agents if a.agent == "writer")
    assert writer.unpriced_requests == 3 and writer.requests == 3
    assert kpis.outcome is None and kpis.wall_seconds is None


def test_agent_claims_are_checked_against_their_brief_and_evidence() -> None:
    events = _events(
        RunStarted(objective=_objective(), config={}),
        BriefIssued(
            agent="scout", instruction="measure", fact_keys=(), size_bytes=1, withheld_keys=0
        ),
        _finished(
            "scout",
            "Baseline open rate is 21.4% on 5,000 sends.",
            [{"rate": 0.2141, "sends": 5000}],
            facts=(Fact(key="baseline", value=0.2141, source="query"),),
        ),
        BriefIssued(
            agent="writer",
            instruction="write for 'VIP'",
            fact_keys=("baseline",),
            size_bytes=1,
            withheld_keys=0,
        ),
        _finished(
            "writer",
            "From a 21.4% baseline we aim for 20% more with 'VIP'; expect 31.0% and 9,000 opens.",
            [],
        ),
        _finished("writer", "", [], output=None, error="ValueError: bad"),
    )
    kpis = run_kpis_from("run-h", events)
    scout, writer = kpis.agents
    assert (scout.claims, scout.unsupported_claims) == (2, 0)
    assert (writer.claims, writer.unsupported_claims) == (5, 2)
    assert writer.hallucination_rate == pytest.approx(0.4)
    assert (writer.tasks, writer.completed) == (2, 1)
    unsupported = [c.text for f in kpis.findings for c in f.unsupported]
    assert unsupported == ["31.0%", "9,000"]
    assert kpis.hallucination_rate == pytest.approx(2 / 7)


def test_the_conductors_texts_are_checked_too() -> None:
    measurement = Measurement(metric="human_open_rate", value=0.25, baseline=0.2, at=AT)
    events = _events(
        RunStarted(objective=_objective(), config={}),
        _decided("offline", Usage(), reason="cycle 2 of 7 is due"),
        RunEnded(
            outcome=Outcome(
                kind=OutcomeKind.REACHED,
                summary="Reached 25.0% (n=0), 17 steps.",
                measurement=measurement,
            ),
            usage=Usage(),
            steps=2,
        ),
    )
    kpis = run_kpis_from("run-h", events)
    flagged = [(f.what, c.text) for f in kpis.findings for c in f.unsupported]
    assert flagged == [("decision", "7"), ("closing summary", "17")]
    assert kpis.unsupported_claims == 2 and kpis.claims == 5


def test_kpis_over_many_runs(runner: Runner, toy_run: ToyRun) -> None:
    stopped = run_kpis(runner.store, toy_run(agents=("scout",)))
    reached = run_kpis(runner.store, toy_run())
    summary = summarize([reached, stopped])
    assert (summary.ended, summary.reached, summary.objective_rate) == (2, 1, 0.5)
    assert summary.cost_per_objective_reached == 0.0
    assert summary.tasks == reached.tasks + stopped.tasks
    assert summary.hallucination_rate == 0.0 and summary.completion_rate == 1.0
    empty = summarize([])
    assert empty.objective_rate is None and empty.cost_per_objective_reached is None
    assert empty.completion_rate is None and empty.hallucination_rate is None


def test_an_agent_inventing_figures_is_caught_in_a_run(runner: Runner, toy_run: ToyRun) -> None:
    kpis = run_kpis(runner.store, toy_run(agents=("scout", "fabler", "mailer")))
    fabler = next(a for a in kpis.agents if a.agent == "fabler")
    assert (fabler.claims, fabler.unsupported_claims) == (4, 3)
    found = [(f.author, c.text) for f in kpis.findings for c in f.unsupported]
    assert found == [("fabler", "Weekend readers"), ("fabler", "31.7%"), ("fabler", "4,200")]
    assert kpis.unsupported_claims == 3
    assert kpis.hallucination_rate == pytest.approx(3 / kpis.claims)
