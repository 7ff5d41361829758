"""Intervals for one proportion: the :class:`Interval` record and the Wilson score interval.

The Wilson interval (Wilson, 1927, JASA 22:209-212) inverts the score test. Unlike the Wald
interval it stays inside [0, 1], is not degenerate at 0 or n successes, and keeps close to
its nominal coverage at the small counts of early sends (Brown, Cai & DasGupta, 2001,
Statistical Science 16:101-133, who recommend it). It is a fixed-horizon interval: read it
once, at the planned sample size; for repeated looks use
:mod:`overture.stats.confidence_sequences`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from overture.stats._checks import check_counts, check_level

__all__ = ["Interval", "wilson_interval"]


@dataclass(frozen=True, slots=True)
class Interval:
    """A point estimate with the bounds of an interval around it, at a stated confidence."""

    estimate: float
    lower: float
    upper: float
    confidence: float

    @property
    def width(self) -> float:
        return self.upper - self.lower

    def __contains__(self, value: float) -> bool:
        return self.lower <= value <= self.upper


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> Interval:
    """The Wilson score interval for a rate of ``successes`` out of ``trials``.

    With no trials nothing is known: the interval is [0, 1] around 0.5, which is also what
    the formula tends to as the number of trials goes to zero.

    >>> round(wilson_interval(81, 263).lower, 4), round(wilson_interval(81, 263).upper, 4)
    (0.2553, 0.3662)
    """
    check_counts(successes, trials)
    check_level(confidence, "confidence")
    if trials == 0:
        return Interval(0.5, 0.0, 1.0, confidence)
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    z2 = z * z
    rate = successes / trials
    centre = (successes + z2 / 2) / (trials + z2)
    half = z / (trials + z2) * math.sqrt(successes * (trials - successes) / trials + z2 / 4)
    # At 0 or n successes one bound is exactly the observed rate; pin it so rounding cannot
    # leave the estimate a hair outside its own interval.
    lower = 0.0 if successes == 0 else min(rate, max(0.0, centre - half))
    upper = 1.0 if successes == trials else max(rate, min(1.0, centre + half))
    return Interval(rate, lower, upper, confidence)
