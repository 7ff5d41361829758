"""Power and sample size for comparing two rates (treatment against control or holdout).

The two-proportion z-test with the pooled variance under the null and the unpooled one under
the alternative (Fleiss, Levin & Paik, *Statistical Methods for Rates and Proportions*, 3rd
ed., 2003, §4.2, without continuity correction). With equal arms it is the formula of R's
``power.prop.test``: for rates 0.50 and 0.75 at alpha 0.05 and power 0.90 it asks for 76.7
recipients per arm. With ``ratio`` = k recipients in treatment per control recipient::

    n_control = (z_alpha * sqrt(pbar qbar (1 + 1/k)) + z_beta * sqrt(p1 q1 + p2 q2 / k))^2
                / (p2 - p1)^2,      pbar = (p1 + k p2) / (1 + k)

Defaults follow common practice for marketing tests: alpha = 0.05 two-sided, power = 0.80.
Effects are relative, as objectives are stated: ``relative_mde = 0.2`` is a 20% lift.
"""

from __future__ import annotations

import math

from scipy import optimize, stats

from overture.exceptions import UsageError
from overture.stats._checks import check_level, check_probability

__all__ = ["minimum_detectable_effect", "power_two_proportions", "sample_size_two_proportions"]


def sample_size_two_proportions(
    p_baseline: float,
    relative_mde: float,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    *,
    two_sided: bool = True,
) -> int:
    """Recipients needed in the control arm; the treatment arm needs ``ceil(ratio * n)``.

    With the default ``ratio = 1`` this is the size of each arm.
    """
    p2 = _treated_rate(p_baseline, relative_mde)
    check_level(power, "power")
    _check_design(alpha, ratio)
    z_alpha = _z_alpha(alpha, two_sided)
    z_beta = float(stats.norm.ppf(power))
    null_sd, alternative_sd = _spreads(p_baseline, p2, ratio)
    n = ((z_alpha * null_sd + z_beta * alternative_sd) / (p2 - p_baseline)) ** 2
    # Guard the ceiling against rounding that lands a hair above an exact integer.
    return max(1, math.ceil(n - 1e-9))


def power_two_proportions(
    p_baseline: float,
    relative_mde: float,
    n_control: int,
    alpha: float = 0.05,
    ratio: float = 1.0,
    *,
    two_sided: bool = True,
) -> float:
    """The chance of a significant result when the true lift is ``relative_mde``.

    As in R's ``power.prop.test`` (non-strict), the far tail of a two-sided test is ignored.
    """
    p2 = _treated_rate(p_baseline, relative_mde)
    _check_design(alpha, ratio)
    if n_control < 1:
        raise UsageError(
            f"n_control must be at least 1, got {n_control}", "give recipients per control arm"
        )
    null_sd, alternative_sd = _spreads(p_baseline, p2, ratio)
    z_alpha = _z_alpha(alpha, two_sided)
    z = (abs(p2 - p_baseline) * math.sqrt(n_control) - z_alpha * null_sd) / alternative_sd
    return float(stats.norm.cdf(z))


def minimum_detectable_effect(
    p_baseline: float,
    n_per_arm: int,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    *,
    two_sided: bool = True,
) -> float:
    """The smallest relative lift detected with ``power`` given ``n_per_arm`` control recipients.

    Returns ``math.inf`` when even a treated rate of 100% would not be detected that often.
    """
    check_probability(p_baseline, "p_baseline")
    check_level(power, "power")
    ceiling = (1 - 1e-9) / p_baseline - 1

    def shortfall(lift: float) -> float:
        return (
            power_two_proportions(p_baseline, lift, n_per_arm, alpha, ratio, two_sided=two_sided)
            - power
        )

    if shortfall(ceiling) < 0:
        return math.inf
    # Power rises with the lift; at a vanishing lift it is below any power worth asking for.
    floor = 1e-9
    if shortfall(floor) >= 0:
        return floor
    solution = optimize.root_scalar(
        shortfall, bracket=(floor, ceiling), method="brentq", xtol=1e-12
    )
    return float(solution.root)


def _treated_rate(p_baseline: float, relative_mde: float) -> float:
    check_probability(p_baseline, "p_baseline")
    p2 = p_baseline * (1 + relative_mde)
    if relative_mde == 0 or not 0 < p2 < 1 or math.isnan(p2):
        raise UsageError(
            f"a lift of {relative_mde:+.2%} on a rate of {p_baseline:.2%} gives {p2:.2%}",
            "give a non-zero relative lift that keeps the treated rate between 0% and 100%",
        )
    return p2


def _check_design(alpha: float, ratio: float) -> None:
    check_level(alpha, "alpha")
    if not ratio > 0 or math.isinf(ratio):
        raise UsageError(
            f"ratio must be positive, got {ratio}",
            "give treatment recipients per control recipient, e.g. 9 for a 10% holdout",
        )


def _z_alpha(alpha: float, two_sided: bool) -> float:
    return float(stats.norm.ppf(1 - alpha / 2 if two_sided else 1 - alpha))


def _spreads(p1: float, p2: float, ratio: float) -> tuple[float, float]:
    pooled = (p1 + ratio * p2) / (1 + ratio)
    null_sd = math.sqrt(pooled * (1 - pooled) * (1 + 1 / ratio))
    alternative_sd = math.sqrt(p1 * (1 - p1) + p2 * (1 - p2) / ratio)
    return null_sd, alternative_sd
