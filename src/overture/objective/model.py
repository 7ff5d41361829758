"""The typed objective: what a person asked for, in a form code can measure against.

An :class:`Objective` is immutable once a run starts. Whether it is met is decided by
:meth:`Objective.is_met` on measured values, never by a model.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Budgets", "Direction", "Metric", "Objective", "Scope", "Target", "TargetKind"]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Metric(StrEnum):
    """What is measured. Rates are fractions of recipients (0.21 = 21%)."""

    HUMAN_OPEN_RATE = "human_open_rate"
    """Unique human opens / delivered; machine opens from mail privacy proxies excluded."""
    CLICK_RATE = "click_rate"
    """Unique clickers / delivered."""
    CONVERSION_RATE = "conversion_rate"
    """Recipients who purchased within the attribution window / delivered."""
    UNSUBSCRIBE_RATE = "unsubscribe_rate"
    """Unsubscribes / delivered."""
    CHURN_RATE = "churn_rate"
    """Share of active customers who stop buying in the window."""
    REVENUE_PER_RECIPIENT = "revenue_per_recipient"
    """Attributed revenue / delivered, in the store's currency."""

    @property
    def is_rate(self) -> bool:
        return self is not Metric.REVENUE_PER_RECIPIENT

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Metric.HUMAN_OPEN_RATE: "open rate (human opens)",
    Metric.CLICK_RATE: "click rate",
    Metric.CONVERSION_RATE: "conversion rate",
    Metric.UNSUBSCRIBE_RATE: "unsubscribe rate",
    Metric.CHURN_RATE: "churn rate",
    Metric.REVENUE_PER_RECIPIENT: "revenue per recipient",
}


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"


class TargetKind(StrEnum):
    RELATIVE = "relative"
    """``value`` is a change relative to the baseline: 0.20 is +20%, -0.5 is "in half"."""
    ABSOLUTE = "absolute"
    """``value`` is the level to reach, in the metric's unit (0.04 is 4% for a rate)."""


class Target(BaseModel):
    model_config = _FROZEN
    kind: TargetKind
    value: float


class Scope(BaseModel):
    """Where the objective applies."""

    model_config = _FROZEN
    channel: str = "email"
    """The channel whose sends count."""
    audience: str = "newsletter"
    """The list or newsletter the objective is about."""
    segment: str | None = None
    """A named segment within the audience, or None for all of it."""


class Budgets(BaseModel):
    """Limits on one run. On by default: a run that hits one ends ``budget_exhausted``."""

    model_config = _FROZEN
    max_steps: int = Field(default=100, ge=1)
    """Agent dispatches."""
    max_tokens: int = Field(default=500_000, ge=0)
    """Model input + output tokens over the whole run."""
    max_cost_usd: float = Field(default=5.0, ge=0)
    """Priced model usage; unpriced usage counts against ``max_tokens`` only and is reported."""
    max_sends: int = Field(default=1_000_000, ge=0)
    """Messages handed to channels."""
    max_wall_seconds: float = Field(default=3600.0, gt=0)
    """Real elapsed time, not simulated time."""
    max_replans: int = Field(default=3, ge=0)
    """Replans allowed before the run ends as stalled (``unreachable`` if evidence says so)."""
    max_cycles: int = Field(default=12, ge=1)
    """Measurement cycles (e.g. weekly newsletter sends) before the run's horizon."""


class Objective(BaseModel):
    """A measurable marketing objective."""

    model_config = _FROZEN
    text: str
    """The sentence the person wrote."""
    metric: Metric
    direction: Direction
    target: Target
    baseline_window_days: int = Field(default=56, ge=1)
    """How far back the baseline is measured."""
    scope: Scope = Scope()
    deadline: date | None = None
    budgets: Budgets = Budgets()
    language: str = "en"
    """The language the objective was stated in (``en`` or ``fr``); reports answer in it."""

    @model_validator(mode="after")
    def _target_agrees_with_direction(self) -> Objective:
        if self.target.kind is TargetKind.RELATIVE:
            if self.target.value == 0:
                raise ValueError("a relative target of 0% asks for no change")
            if (self.target.value > 0) != (self.direction is Direction.INCREASE):
                raise ValueError(
                    f"a relative target of {self.target.value:+.0%} contradicts the direction "
                    f"'{self.direction}'"
                )
        elif self.metric.is_rate and not 0 <= self.target.value <= 1:
            raise ValueError("an absolute rate target must lie between 0 and 1 (0.04 is 4%)")
        return self

    def target_value(self, baseline: float) -> float:
        """The level that meets the objective, given the measured baseline."""
        if self.target.kind is TargetKind.ABSOLUTE:
            return self.target.value
        return baseline * (1 + self.target.value)

    def is_met(self, baseline: float, value: float) -> bool:
        """Whether a measured ``value`` meets the objective against ``baseline``."""
        goal = self.target_value(baseline)
        return value >= goal if self.direction is Direction.INCREASE else value <= goal

    def describe(self) -> str:
        """One sentence a person can check before anything acts."""
        verb = "Increase" if self.direction is Direction.INCREASE else "Decrease"
        if self.target.kind is TargetKind.RELATIVE:
            goal = f"by {abs(self.target.value):.0%} relative to its baseline"
        elif self.metric.is_rate:
            goal = f"to {self.target.value:.2%}"
        else:
            goal = f"to {self.target.value:g}"
        where = f"'{self.scope.audience}' on {self.scope.channel}"
        if self.scope.segment:
            where += f", segment '{self.scope.segment}'"
        deadline = f", by {self.deadline.isoformat()}" if self.deadline else ""
        return (
            f"{verb} the {self.metric.label} of {where} {goal}{deadline} "
            f"(baseline: last {self.baseline_window_days} days)."
        )
