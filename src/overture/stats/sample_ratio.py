"""Sample ratio mismatch: did assignment deliver the split that was planned?

A chi-squared goodness-of-fit test of the observed counts per arm against the planned shares
(``scipy.stats.chisquare``). A mismatch means assignment or logging is broken, so the
experiment's results must not be read (Fabijan et al., "Diagnosing Sample Ratio Mismatch in
Online Controlled Experiments", KDD 2019, found one in about 6% of Microsoft's experiments).
The default threshold p < 0.001 is GrowthBook's; with the large counts of email sends a
looser threshold flags harmless noise too often. Kohavi, Tang & Xu (*Trustworthy Online
Controlled Experiments*, 2020, ch. 21) show 821,588 against 815,482 on a planned 50/50 split:
p = 1.8e-6, a mismatch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from overture.exceptions import UsageError

__all__ = ["SRMResult", "sample_ratio_mismatch"]


@dataclass(frozen=True, slots=True)
class SRMResult:
    """The chi-squared statistic, its p-value and whether it signals a mismatch."""

    statistic: float
    p_value: float
    mismatch: bool


def sample_ratio_mismatch(
    observed_counts: Sequence[int],
    planned_shares: Sequence[float],
    threshold: float = 0.001,
) -> SRMResult:
    """Test ``observed_counts`` per arm against ``planned_shares`` (same order, summing to 1)."""
    if len(observed_counts) != len(planned_shares) or len(observed_counts) < 2:
        raise UsageError(
            f"got {len(observed_counts)} counts and {len(planned_shares)} planned shares",
            "give one count and one planned share per arm, for two arms or more",
        )
    if any(count < 0 for count in observed_counts):
        raise UsageError(
            f"counts must be non-negative, got {list(observed_counts)}",
            "pass the number of recipients assigned to each arm",
        )
    shares = np.asarray(planned_shares, dtype=np.float64)
    if np.any(shares <= 0) or not math.isclose(float(shares.sum()), 1.0, abs_tol=1e-6):
        raise UsageError(
            f"planned shares must be positive and sum to 1, got {list(planned_shares)}",
            "give the split as fractions, e.g. [0.9, 0.1] for a 10% holdout",
        )
    if not 0.0 < threshold < 1.0:
        raise UsageError(
            f"threshold must lie strictly between 0 and 1, got {threshold}",
            "use the default 0.001 unless you have a reason",
        )
    observed = np.asarray(observed_counts, dtype=np.float64)
    total = float(observed.sum())
    if total == 0:
        return SRMResult(0.0, 1.0, mismatch=False)
    # chisquare wants expected counts with the same total as the observed ones.
    expected = shares / shares.sum() * total
    statistic, p_value = stats.chisquare(observed, expected)
    return SRMResult(float(statistic), float(p_value), mismatch=bool(p_value < threshold))
