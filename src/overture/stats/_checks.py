"""Input checks shared by the statistics functions; each failure is a UsageError with its fix."""

from __future__ import annotations

import math

from overture.exceptions import UsageError

__all__ = ["check_counts", "check_level", "check_probability"]


def check_counts(successes: int, trials: int, what: str = "arm") -> None:
    """Refuse negative counts and more successes than trials."""
    if trials < 0 or successes < 0:
        raise UsageError(
            f"{what}: counts must be non-negative, got {successes} successes of {trials} trials",
            "pass counts of events (0 or more), not rates or differences",
        )
    if successes > trials:
        raise UsageError(
            f"{what}: {successes} successes is more than {trials} trials",
            "count each recipient once: successes are unique recipients who converted",
        )


def check_level(value: float, name: str) -> None:
    """Refuse a level (alpha, confidence, power, q) outside the open interval (0, 1)."""
    if not (0.0 < value < 1.0) or math.isnan(value):
        raise UsageError(
            f"{name} must lie strictly between 0 and 1, got {value}",
            f"give {name} as a fraction, e.g. 0.05 rather than 5",
        )


def check_probability(value: float, name: str) -> None:
    """Refuse a rate outside the open interval (0, 1)."""
    if not (0.0 < value < 1.0) or math.isnan(value):
        raise UsageError(
            f"{name} must be a rate strictly between 0 and 1, got {value}",
            f"give {name} as a fraction of recipients, e.g. 0.21 for 21%",
        )
