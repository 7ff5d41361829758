"""Human summaries of how a run ended: what was measured, against what, and what it cost."""

from __future__ import annotations

from overture.conductor.budgets import Spent
from overture.exceptions import BudgetExhausted
from overture.objective import Objective
from overture.records import Measurement, Outcome, OutcomeKind

__all__ = ["describe_measurement", "make_outcome"]


def _fmt(objective: Objective, value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2%}" if objective.metric.is_rate else f"{value:.4g}"


def describe_measurement(objective: Objective, m: Measurement | None, target: float | None) -> str:
    """One sentence with the estimate, its interval, the baseline and the target."""
    if m is None or m.value is None:
        return "Nothing has been measured yet."
    interval = (
        f" (interval {_fmt(objective, m.lower)} to {_fmt(objective, m.upper)})"
        if m.lower is not None and m.upper is not None
        else ""
    )
    goal = f", target {_fmt(objective, target)}" if target is not None else ""
    return (
        f"{objective.metric.label}: {_fmt(objective, m.value)}{interval}, "
        f"baseline {_fmt(objective, m.baseline)}{goal}, n={m.sample_size}."
    )


def _costs(spent: Spent) -> str:
    cost = spent.usage.cost_usd or 0.0
    unpriced = (
        f", {spent.unpriced_requests} model requests unpriced" if spent.unpriced_requests else ""
    )
    return (
        f"{spent.steps} steps, {spent.cycles} cycles, {spent.sends} sends, "
        f"{spent.usage.total_tokens} model tokens, ${cost:.4f}{unpriced}."
    )


def make_outcome(
    kind: OutcomeKind,
    objective: Objective,
    measurement: Measurement | None,
    target: float | None,
    spent: Spent,
    *,
    exhausted: BudgetExhausted | None = None,
    detail: str = "",
) -> Outcome:
    """The outcome with a summary that states only what the measurement supports."""
    measured = describe_measurement(objective, measurement, target)
    lead = {
        OutcomeKind.REACHED: "Objective reached: the whole interval clears the target.",
        OutcomeKind.UNREACHABLE: (
            "Objective shown unreachable: the interval stays short of the target."
        ),
        OutcomeKind.BUDGET_EXHAUSTED: (
            f"Stopped by a budget: {exhausted}. No verdict on the objective."
            if exhausted
            else "Stopped by a budget. No verdict on the objective."
        ),
        OutcomeKind.STOPPED: "Stopped with no verdict on the objective.",
        OutcomeKind.FAILED: "The run failed.",
    }[kind]
    parts = [lead, detail, measured, _costs(spent)]
    return Outcome(
        kind=kind,
        summary=" ".join(part for part in parts if part),
        measurement=measurement,
        budget=exhausted.budget if exhausted else None,
    )
