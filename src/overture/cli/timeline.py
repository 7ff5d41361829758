"""One line of text per event: the timeline shown live during a run and by ``overture show``."""

from __future__ import annotations

from overture.runs import (
    ActionDone,
    ActionRecorded,
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
    Waited,
)

__all__ = ["describe_event"]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2%}"


def describe_event(event: Event) -> str:
    """A short, human description of one event."""
    p = event.payload
    match p:
        case RunStarted():
            return f"started: {p.objective.describe()}"
        case PlanMade():
            plan = " → ".join(step.agent for step in p.ledger.plan) or "(empty)"
            questions = (
                f"; open questions: {len(p.ledger.open_questions)}"
                if p.ledger.open_questions
                else ""
            )
            return f"plan ({p.reason}): {plan}{questions}"
        case Decided():
            return f"decided: {p.progress.next_agent} — {p.progress.reason}"
        case BriefIssued():
            return (
                f"brief to {p.agent}: {len(p.fact_keys)} facts, {p.size_bytes} bytes "
                f"({p.withheld_keys} withheld)"
            )
        case AgentFinished():
            if p.error:
                return f"{p.agent} failed: {p.error}"
            facts = ", ".join(f.key for f in p.facts) or "no new facts"
            return f"{p.agent} finished: {facts}"
        case ActionReviewed():
            why = "; ".join(p.reasons) or "no objection"
            gate = f" (approval {p.approval_id})" if p.approval_id else ""
            return f"review of {p.tool} by governance: {p.verdict}{gate} — {why}"
        case ApprovalDecided():
            if p.expired:
                return f"approval {p.approval_id}: no answer before the deadline, rejected"
            answer = "approved" if p.approved else "rejected"
            who = p.decided_by or "someone"
            return f"approval {p.approval_id}: {answer} by {who} {p.note}".strip()
        case ActionRecorded():
            return f"outbox: {p.tool} recorded ({p.key})"
        case ActionDone():
            return f"outbox: {p.tool} done, {p.sends} sent"
        case Measured():
            m = p.measurement
            verdict = "met" if p.met else ("out of reach" if p.shown_unreachable else "not yet")
            return (
                f"measured {m.metric}: {_pct(m.value)} [{_pct(m.lower)}, {_pct(m.upper)}] "
                f"target {_pct(p.target)} — {verdict}"
            )
        case Waited():
            return f"waited until {p.until:%Y-%m-%d %H:%M} for {p.requested_by}"
        case CycleEnded():
            return f"cycle {p.cycle} ended"
        case Replanned():
            return f"replan #{p.replans}: {p.reason}"
        case RunEnded():
            return f"ended {p.outcome.kind}: {p.outcome.summary}"
