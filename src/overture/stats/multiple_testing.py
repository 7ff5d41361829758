"""Multiple testing: which of many hypotheses to reject while controlling the false discovery rate.

Benjamini-Hochberg (J. R. Stat. Soc. B 57:289-300, 1995): sort the m p-values, find the
largest k with p_(k) <= k q / m, and reject the k smallest. It controls the false discovery
rate at q for independent or positively dependent tests (Benjamini & Yekutieli, Ann. Statist.
29:1165-1188, 2001), which covers arms compared with one shared control. Under arbitrary
dependence use Benjamini-Yekutieli, which divides q by 1 + 1/2 + ... + 1/m.

Both use ``scipy.stats.false_discovery_control`` for the adjusted p-values; a hypothesis is
rejected when its adjusted p-value is at most q, which is the same step-up rule.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from scipy import stats

from overture.exceptions import UsageError
from overture.stats._checks import check_level

__all__ = ["benjamini_hochberg", "benjamini_yekutieli"]


def benjamini_hochberg(p_values: Sequence[float], q: float = 0.05) -> list[bool]:
    """Reject (True) or keep (False) each hypothesis, in the order given, at FDR ``q``."""
    return _step_up(p_values, q, "bh")


def benjamini_yekutieli(p_values: Sequence[float], q: float = 0.05) -> list[bool]:
    """As :func:`benjamini_hochberg`, valid under any dependence between the tests."""
    return _step_up(p_values, q, "by")


def _step_up(p_values: Sequence[float], q: float, method: Literal["bh", "by"]) -> list[bool]:
    check_level(q, "q")
    if not p_values:
        return []
    for index, p in enumerate(p_values):
        if not 0.0 <= p <= 1.0 or math.isnan(p):
            raise UsageError(
                f"p-value #{index} is {p}, outside [0, 1]",
                "pass p-values, not test statistics or percentages",
            )
    adjusted = stats.false_discovery_control(np.asarray(p_values, dtype=np.float64), method=method)
    return [bool(value <= q) for value in adjusted]
