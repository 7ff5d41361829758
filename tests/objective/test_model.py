"""The Objective model: validation, the level that meets it, and its one-sentence description."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from overture.objective import (
    Budgets,
    Direction,
    Metric,
    Objective,
    Scope,
    Target,
    TargetKind,
)


def _objective(
    metric: Metric = Metric.HUMAN_OPEN_RATE,
    direction: Direction = Direction.INCREASE,
    kind: TargetKind = TargetKind.RELATIVE,
    value: float = 0.2,
    **extra: object,
) -> Objective:
    return Objective.model_validate(
        {
            "text": "a goal",
            "metric": metric,
            "direction": direction,
            "target": {"kind": kind, "value": value},
            **extra,
        }
    )


def test_defaults_are_the_newsletter_on_email_with_budgets_on() -> None:
    objective = _objective()
    assert objective.scope == Scope(channel="email", audience="newsletter", segment=None)
    assert objective.budgets == Budgets()
    assert objective.budgets.max_steps == 100
    assert objective.baseline_window_days == 56
    assert objective.language == "en"
    assert objective.deadline is None


def test_relative_target_value_is_scaled_from_the_baseline() -> None:
    assert _objective(value=0.2).target_value(0.25) == pytest.approx(0.30)
    decrease = _objective(Metric.UNSUBSCRIBE_RATE, Direction.DECREASE, value=-0.5)
    assert decrease.target_value(0.004) == pytest.approx(0.002)


def test_absolute_target_value_ignores_the_baseline() -> None:
    objective = _objective(Metric.CLICK_RATE, kind=TargetKind.ABSOLUTE, value=0.04)
    assert objective.target_value(0.01) == 0.04
    assert objective.target_value(0.09) == 0.04


def test_is_met_for_an_increase_needs_the_goal_or_more() -> None:
    objective = _objective(value=0.2)
    assert objective.is_met(baseline=0.20, value=0.24)
    assert objective.is_met(baseline=0.20, value=0.30)
    assert not objective.is_met(baseline=0.20, value=0.239)


def test_is_met_for_a_decrease_needs_the_goal_or_less() -> None:
    objective = _objective(Metric.CHURN_RATE, Direction.DECREASE, value=-0.1)
    assert objective.is_met(baseline=0.05, value=0.045)
    assert objective.is_met(baseline=0.05, value=0.01)
    assert not objective.is_met(baseline=0.05, value=0.046)


@given(
    baseline=st.floats(0.001, 0.9),
    change=st.floats(0.01, 3.0),
    measured=st.floats(0.0, 1.0),
)
def test_is_met_agrees_with_target_value(baseline: float, change: float, measured: float) -> None:
    up = _objective(value=change)
    down = _objective(Metric.UNSUBSCRIBE_RATE, Direction.DECREASE, value=-min(change, 1.0))
    assert up.is_met(baseline, measured) == (measured >= up.target_value(baseline))
    assert down.is_met(baseline, measured) == (measured <= down.target_value(baseline))


def test_describe_a_relative_objective() -> None:
    assert _objective(value=0.2).describe() == (
        "Increase the open rate (human opens) of 'newsletter' on email by 20% relative to its "
        "baseline (baseline: last 56 days)."
    )


def test_describe_an_absolute_rate_with_segment_and_deadline() -> None:
    objective = _objective(
        Metric.CLICK_RATE,
        kind=TargetKind.ABSOLUTE,
        value=0.045,
        scope={"audience": "weekly digest", "segment": "vip"},
        deadline=date(2025, 3, 31),
    )
    assert objective.describe() == (
        "Increase the click rate of 'weekly digest' on email, segment 'vip' to 4.50%, "
        "by 2025-03-31 (baseline: last 56 days)."
    )


def test_describe_a_decrease_and_an_amount() -> None:
    halve = _objective(Metric.UNSUBSCRIBE_RATE, Direction.DECREASE, value=-0.5)
    assert halve.describe().startswith("Decrease the unsubscribe rate of 'newsletter'")
    assert "by 50% relative" in halve.describe()
    money = _objective(Metric.REVENUE_PER_RECIPIENT, kind=TargetKind.ABSOLUTE, value=1.25)
    assert "to 1.25 (baseline" in money.describe()


def test_a_relative_target_of_zero_is_refused() -> None:
    with pytest.raises(ValidationError, match="asks for no change"):
        _objective(value=0.0)


@pytest.mark.parametrize(
    ("direction", "value"), [(Direction.INCREASE, -0.2), (Direction.DECREASE, 0.2)]
)
def test_a_relative_target_against_the_direction_is_refused(
    direction: Direction, value: float
) -> None:
    with pytest.raises(ValidationError, match="contradicts the direction"):
        _objective(direction=direction, value=value)


@pytest.mark.parametrize("value", [-0.01, 1.5])
def test_an_absolute_rate_outside_zero_and_one_is_refused(value: float) -> None:
    with pytest.raises(ValidationError, match="between 0 and 1"):
        _objective(kind=TargetKind.ABSOLUTE, value=value)


def test_an_absolute_amount_may_exceed_one() -> None:
    objective = _objective(Metric.REVENUE_PER_RECIPIENT, kind=TargetKind.ABSOLUTE, value=12.5)
    assert objective.target.value == 12.5
    assert not objective.metric.is_rate
    assert all(m.is_rate for m in Metric if m is not Metric.REVENUE_PER_RECIPIENT)


def test_every_metric_has_a_label() -> None:
    assert Metric.HUMAN_OPEN_RATE.label == "open rate (human opens)"
    assert len({m.label for m in Metric}) == len(Metric)


def test_objectives_are_frozen_and_reject_unknown_fields() -> None:
    objective = _objective()
    with pytest.raises(ValidationError):
        objective.text = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="Extra inputs"):
        _objective(colour="blue")
    with pytest.raises(ValidationError):
        Target.model_validate({"kind": "sideways", "value": 0.1})


def test_budgets_are_validated() -> None:
    with pytest.raises(ValidationError):
        Budgets(max_steps=0)
    with pytest.raises(ValidationError):
        Budgets(max_wall_seconds=0)
    assert Budgets(max_tokens=0).max_tokens == 0


def test_round_trips_through_json() -> None:
    objective = _objective(deadline=date(2025, 6, 30), scope={"segment": "vip"})
    assert Objective.model_validate_json(objective.model_dump_json()) == objective
