"""Lift of treated over holdout, person by person, adjusted for how each person read before.

Repeated weekly sends to the same people are not independent trials: a keen reader opens most
weeks, a dormant one almost never. So the unit here is the person: ``y`` is the share of their
deliveries in the window they opened as a person, and ``x`` the same share before the run (the
pre-period). Holdout and treatment were assigned at random by person, so adjusting each ``y`` by
``theta (x - mean x)``, with ``theta`` the pooled regression slope, leaves the comparison
unbiased while removing the variance the pre-period explains, including a holdout that happened
to draw keener readers (CUPED: Deng, Xu, Kohavi & Walker, "Improving the sensitivity of online
controlled experiments by utilizing pre-experiment data", WSDM 2013). The relative lift's
interval comes from Fieller's method on the adjusted means, as in
:mod:`overture.stats.confidence_sequences`.

Readings: the interval is a fixed-sample one at level ``alpha / looks`` (:func:`bonferroni_z`).
Read at most ``looks`` times (once per cycle of a budget of ``looks`` cycles), the chance that
any reading misses the truth is at most ``alpha``, whatever the windows read (Bonferroni).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy.stats import norm

from overture.stats._checks import check_level
from overture.stats.confidence_sequences import LiftInterval

__all__ = ["adjusted_lift_interval", "bonferroni_z"]

F64 = npt.NDArray[np.float64]


def bonferroni_z(alpha: float, looks: int) -> float:
    """Two-sided normal quantile for ``looks`` readings sharing an overall level ``alpha``."""
    check_level(alpha, "alpha")
    return float(norm.ppf(1 - alpha / (2 * max(looks, 1))))


def adjusted_lift_interval(
    treated: tuple[F64, F64],
    control: tuple[F64, F64],
    *,
    alpha: float = 0.05,
    looks: int = 1,
) -> LiftInterval:
    """Interval for mean(y_treated) / mean(y_control) - 1 after the pre-period adjustment.

    ``treated`` and ``control`` are ``(y, x)`` arrays, one entry per person. The interval is
    marked ``anytime_valid`` because it may be read ``looks`` times.
    """
    (y_t, x_t), (y_c, x_c) = treated, control
    if y_t.size < 2 or y_c.size < 2:
        return _unbounded(0.0, alpha)
    x_all = np.concatenate([x_t, x_c])
    y_all = np.concatenate([y_t, y_c])
    spread = float(x_all.var())
    theta = float(np.cov(y_all, x_all, bias=True)[0, 1] / spread) if spread > 0 else 0.0
    centre = float(x_all.mean())
    adj_t = y_t - theta * (x_t - centre)
    adj_c = y_c - theta * (x_c - centre)
    m_t, m_c = float(adj_t.mean()), float(adj_c.mean())
    v_t = float(adj_t.var(ddof=1)) / y_t.size
    v_c = float(adj_c.var(ddof=1)) / y_c.size
    estimate = m_t / m_c - 1 if m_c > 0 else 0.0
    z2 = bonferroni_z(alpha, looks) ** 2
    # Keep ratio c when (m_t - c m_c)^2 <= z^2 (v_t + c^2 v_c): a quadratic in c.
    a = m_c * m_c - z2 * v_c
    if a <= 0 or m_c <= 0:
        return _unbounded(estimate, alpha)
    b = m_t * m_c
    d = m_t * m_t - z2 * v_t
    root = math.sqrt(max(0.0, b * b - a * d))
    return LiftInterval(
        estimate,
        max(-1.0, min(estimate, (b - root) / a - 1)),
        max(estimate, (b + root) / a - 1),
        relative=True,
        alpha=alpha,
        anytime_valid=True,
    )


def _unbounded(estimate: float, alpha: float) -> LiftInterval:
    """The holdout's rate cannot be told from zero: any lift is possible."""
    return LiftInterval(estimate, -1.0, math.inf, relative=True, alpha=alpha, anytime_valid=True)
