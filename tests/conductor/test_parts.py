"""The conductor's parts on their own: budgets, stall detection, judgement, outcomes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import objective

from overture.conductor import Spent, Turn, check_budgets, detect_stall, judge
from overture.conductor.outcome import describe_measurement, make_outcome
from overture.exceptions import BudgetExhausted
from overture.objective import Budgets, Direction, Metric, Objective, Target, TargetKind
from overture.records import Measurement, OutcomeKind, Usage

NOW = datetime(2026, 1, 5, tzinfo=UTC)


def m(value: float | None, lower: float | None = None, upper: float | None = None) -> Measurement:
    return Measurement(
        metric="human_open_rate", value=value, baseline=0.2, lower=lower, upper=upper, at=NOW
    )


@pytest.mark.parametrize(
    ("spent", "budget"),
    [
        (Spent(steps=100), "steps"),
        (Spent(usage=Usage(input_tokens=500_000)), "tokens"),
        (Spent(usage=Usage(cost_usd=5.0)), "cost_usd"),
        (Spent(sends=1_000_000), "sends"),
        (Spent(wall_seconds=3600), "wall_seconds"),
        (Spent(replans=4), "replans"),
        (Spent(cycles=12), "cycles"),
    ],
)
def test_each_budget_is_checked_in_one_place(spent: Spent, budget: str) -> None:
    with pytest.raises(BudgetExhausted) as caught:
        check_budgets(Budgets(), spent)
    assert caught.value.budget == budget


def test_within_budgets_passes_and_unpriced_usage_is_counted() -> None:
    check_budgets(Budgets(), Spent(steps=99, replans=3, cycles=11))
    spent = Spent().add_usage(Usage(requests=2, input_tokens=10, cost_usd=None))
    assert spent.unpriced_requests == 2
    assert spent.usage.cost_usd == 0.0
    assert spent.usage.total_tokens == 10


def test_loop_is_the_same_instruction_n_times_in_a_row() -> None:
    same = [Turn("a", "do it", 0.2, provided=False)] * 3
    assert detect_stall(same[:2], max_repeats=3, flat_steps=10) is None
    reason = detect_stall(same, max_repeats=3, flat_steps=10)
    assert reason is not None and reason.startswith("loop: a")
    varied = [Turn("a", "do it", 0.2, False), Turn("b", "do it", 0.2, False), same[0]]
    assert detect_stall(varied, max_repeats=3, flat_steps=10) is None


def test_stall_is_a_flat_estimate_with_nothing_provided() -> None:
    flat = [Turn(f"agent{i}", f"x{i}", 0.2, provided=False) for i in range(4)]
    assert detect_stall(flat, max_repeats=3, flat_steps=4) is not None
    moving = [Turn(f"agent{i}", f"x{i}", 0.2 + i / 100, provided=False) for i in range(4)]
    assert detect_stall(moving, max_repeats=3, flat_steps=4) is None
    providing = [*flat[:3], Turn("agent9", "y", 0.2, provided=True)]
    assert detect_stall(providing, max_repeats=3, flat_steps=4) is None


def test_judge_needs_the_whole_interval_past_the_target() -> None:
    goal = objective(relative=0.2)  # 0.2 -> 0.24
    assert not judge(goal, m(0.25, 0.23, 0.27)).met
    assert judge(goal, m(0.26, 0.245, 0.275)).met
    assert judge(goal, m(0.21, 0.20, 0.235)).shown_unreachable
    assert not judge(goal, m(None)).met
    assert judge(goal, m(0.25)).met  # no interval: the value itself decides


def test_judge_for_a_decrease_uses_the_upper_bound() -> None:
    goal = Objective(
        text="cut unsubscribes in half",
        metric=Metric.UNSUBSCRIBE_RATE,
        direction=Direction.DECREASE,
        target=Target(kind=TargetKind.RELATIVE, value=-0.5),
    )  # baseline 0.2 -> 0.1
    assert judge(goal, m(0.08, 0.06, 0.099)).met
    assert not judge(goal, m(0.08, 0.06, 0.11)).met
    assert judge(goal, m(0.15, 0.12, 0.18)).shown_unreachable


def test_outcome_summaries_state_only_what_was_measured() -> None:
    goal = objective()
    exhausted = BudgetExhausted("steps", 40, 40)
    outcome = make_outcome(
        OutcomeKind.BUDGET_EXHAUSTED,
        goal,
        m(0.22, 0.2, 0.24),
        0.24,
        Spent(steps=40),
        exhausted=exhausted,
    )
    assert outcome.budget == "steps"
    assert "No verdict" in outcome.summary and "22.00%" in outcome.summary
    assert describe_measurement(goal, None, None) == "Nothing has been measured yet."
    failed = make_outcome(OutcomeKind.FAILED, goal, None, None, Spent(unpriced_requests=2))
    assert "2 model requests unpriced" in failed.summary
