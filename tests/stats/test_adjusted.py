"""Per-person lift adjusted for the pre-period: honest at every reading, and sharper."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest

from overture.stats import adjusted_lift_interval, bonferroni_z, lift_confidence_sequence

F64 = npt.NDArray[np.float64]


def _panel(
    rng: np.random.Generator, people: int, lift: float
) -> tuple[npt.NDArray[np.bool_], F64, F64]:
    """Readers as the simulator draws them: very unequal engagement, 26 weeks before, 10%
    holdout; treatment multiplies everyone's chance by ``1 + lift``."""
    engagement = np.clip(rng.beta(0.4, 1.6, people), 0.0, 0.8)
    control = rng.random(people) < 0.1
    chance = np.where(control, engagement, engagement * (1 + lift))
    before = rng.binomial(26, engagement) / 26
    return control, chance, before


def test_reading_once_per_cycle_of_the_budget_keeps_the_error_at_alpha() -> None:
    rng = np.random.default_rng(0)
    looks, runs, missed = 8, 300, 0
    for _ in range(runs):
        control, chance, before = _panel(rng, 2_000, lift=0.2)
        for week in range(1, looks + 1):
            opened = rng.binomial(week, chance) / week
            found = adjusted_lift_interval(
                (opened[~control], before[~control]),
                (opened[control], before[control]),
                looks=looks,
            )
            if 0.2 not in found:  # the lift the treatment causes, whatever the holdout drew
                missed += 1
                break
    assert missed / runs <= 0.05 + 2 * math.sqrt(0.05 * 0.95 / runs)


def test_the_pre_period_and_the_weeks_narrow_the_interval() -> None:
    rng = np.random.default_rng(1)
    control, chance, before = _panel(rng, 20_000, lift=0.25)
    week_one = rng.binomial(1, chance).astype(np.float64)
    seven = rng.binomial(7, chance) / 7
    no_history = np.zeros_like(before)
    found = {
        name: adjusted_lift_interval((y[~control], x[~control]), (y[control], x[control]), looks=8)
        for name, (y, x) in {
            "one week, no history": (week_one, no_history),
            "one week": (week_one, before),
            "seven weeks": (seven, before),
        }.items()
    }
    spans = {k: v.upper - v.lower for k, v in found.items()}
    assert spans["one week"] < 0.85 * spans["one week, no history"]
    assert spans["seven weeks"] < 0.6 * spans["one week"]
    # One week without history: no wider than the per-message sequence on the same sends.
    treated_counts = int(week_one[~control].sum()), int((~control).sum())
    holdout_counts = int(week_one[control].sum()), int(control.sum())
    sequence = lift_confidence_sequence(*treated_counts, *holdout_counts, horizon=control.size)
    assert spans["one week, no history"] <= sequence.upper - sequence.lower
    assert found["seven weeks"].lower > 0.1  # +25% shown with about 2,000 holdout readers


def test_degenerate_inputs_give_an_unbounded_interval() -> None:
    one = np.array([0.5])
    found = adjusted_lift_interval((one, one), (one, one))
    assert (found.lower, found.upper) == (-1.0, math.inf)
    zeros = np.zeros(50)
    assert adjusted_lift_interval((np.ones(50), zeros), (zeros, zeros)).upper == math.inf


def test_bonferroni_z() -> None:
    assert bonferroni_z(0.05, 1) == pytest.approx(1.959964, abs=1e-6)
    assert bonferroni_z(0.05, 8) == pytest.approx(2.734369, abs=1e-6)
    assert bonferroni_z(0.05, 0) == bonferroni_z(0.05, 1)
