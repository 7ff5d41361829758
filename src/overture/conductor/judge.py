"""The verdict on a measurement: met, or shown unreachable. Code judges, never a model."""

from __future__ import annotations

from dataclasses import dataclass

from overture.objective import Direction, Objective
from overture.records import Measurement

__all__ = ["Verdict", "judge"]


@dataclass(frozen=True)
class Verdict:
    target: float | None
    met: bool
    """The interval's worse end clears the target (its lower bound for an increase)."""
    shown_unreachable: bool
    """The interval's better end stays short of the target (its upper bound for an increase)."""


def judge(objective: Objective, measurement: Measurement) -> Verdict:
    """Met only when the whole interval clears the target; without an interval, the value must."""
    if measurement.value is None:
        return Verdict(target=None, met=False, shown_unreachable=False)
    target = objective.target_value(measurement.baseline)
    lower = measurement.lower if measurement.lower is not None else measurement.value
    upper = measurement.upper if measurement.upper is not None else measurement.value
    if objective.direction is Direction.INCREASE:
        return Verdict(target=target, met=lower >= target, shown_unreachable=upper < target)
    return Verdict(target=target, met=upper <= target, shown_unreachable=lower > target)
