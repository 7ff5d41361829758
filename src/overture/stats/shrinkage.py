"""Empirical-Bayes shrinkage of per-contact rates toward their group's rate.

A contact who opened 1 of 1 newsletters has not a 100% open rate. Each contact's rate is
taken to come from a Beta(kappa m, kappa (1 - m)) distribution around the group rate m, and
is estimated by its posterior mean (s + kappa m) / (n + kappa): contacts with little history
stay near the group, contacts with long history keep their own rate (Efron & Morris, JASA
70:311-319, 1975; the beta-binomial case in Kleinman, JASA 68:46-54, 1973).

The prior strength kappa is estimated by the method of moments. With r_i = s_i / n_i and
tau^2 = Var(p_i) = m (1 - m) / (kappa + 1), E[sum n_i (r_i - m)^2] = k m (1 - m) + (N - k)
tau^2 over the k contacts with any history and N = sum n_i, so

    tau^2 = (sum n_i (r_i - m)^2 - k m (1 - m)) / (N - k),   kappa = m (1 - m) / tau^2 - 1.

When the spread between contacts is no more than chance would give (tau^2 <= 0), or when no
contact has two trials or more (so spread cannot be told from chance), kappa is infinite and
every contact gets the group rate.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from overture.exceptions import UsageError
from overture.stats._checks import check_counts

__all__ = ["estimate_prior_strength", "shrink_rates"]


def estimate_prior_strength(successes: ArrayLike, trials: ArrayLike, group_rate: float) -> float:
    """Method-of-moments prior strength kappa (pseudo-trials) of the contacts' rates."""
    s, n = _as_counts(successes, trials)
    if not 0.0 < group_rate < 1.0:
        # A group rate of 0 or 1 leaves no room for contacts to differ.
        return math.inf
    seen = n > 0
    k = int(seen.sum())
    total = float(n[seen].sum())
    if total - k <= 0:
        return math.inf
    spread = float((n[seen] * (s[seen] / n[seen] - group_rate) ** 2).sum())
    chance = group_rate * (1 - group_rate)
    between = (spread - k * chance) / (total - k)
    if between <= 0:
        return math.inf
    return max(0.0, chance / between - 1)


def shrink_rates(
    successes: ArrayLike,
    trials: ArrayLike,
    group_successes: int,
    group_trials: int,
    *,
    prior_strength: float | None = None,
) -> NDArray[np.float64]:
    """Each contact's rate pulled toward the group rate; contacts with no trials get the group's.

    ``prior_strength`` (kappa, in pseudo-trials) is estimated from the contacts when not given.
    """
    check_counts(group_successes, group_trials, "group")
    if group_trials == 0:
        raise UsageError(
            "the group has no trials, so there is no rate to shrink toward",
            "pass the group's counts over a window in which it received sends",
        )
    s, n = _as_counts(successes, trials)
    group_rate = group_successes / group_trials
    kappa = estimate_prior_strength(s, n, group_rate) if prior_strength is None else prior_strength
    if not kappa >= 0:
        raise UsageError(
            f"prior_strength must be 0 or more, got {kappa}",
            "give it in pseudo-trials, or leave it out to estimate it",
        )
    if math.isinf(kappa):
        return np.full(s.shape, group_rate)
    with np.errstate(invalid="ignore", divide="ignore"):
        shrunk = (s + kappa * group_rate) / (n + kappa)
    # With kappa = 0 a contact without history has no rate of its own; give it the group's.
    return np.where(n > 0, shrunk, group_rate)


def _as_counts(successes: ArrayLike, trials: ArrayLike) -> tuple[NDArray[np.float64], ...]:
    s = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    if s.shape != n.shape:
        raise UsageError(
            f"successes has shape {s.shape} but trials has shape {n.shape}",
            "pass one success count and one trial count per contact",
        )
    if np.any(n < 0) or np.any(s < 0) or np.any(s > n):
        bad = int(np.argmax((n < 0) | (s < 0) | (s > n)))
        check_counts(int(s.flat[bad]), int(n.flat[bad]), f"contact #{bad}")
    return s, n
