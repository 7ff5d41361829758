"""False discovery control: the step-up rule by hand, a textbook example, monotonicity."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from overture.exceptions import UsageError
from overture.stats import benjamini_hochberg, benjamini_yekutieli


def _step_up(p_values: list[float], q: float) -> list[bool]:
    """Sort, find the largest k with p_(k) <= k q / m, reject the k smallest."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    k = max((rank for rank, i in enumerate(order, 1) if p_values[i] <= rank * q / m), default=0)
    rejected = set(order[:k])
    return [i in rejected for i in range(m)]


# Benjamini & Hochberg (1995), section 4: the 15 p-values of the myocardial infarction study;
# at q = 0.05 the four smallest are rejected.
BH_1995 = [
    0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719,
    0.6528, 0.7590, 1.0000, 0.0001, 0.0004, 0.0019, 0.0095,
]  # fmt: skip


def test_benjamini_hochberg_1995_example() -> None:
    rejected = benjamini_hochberg(BH_1995, 0.05)
    assert [p for p, r in zip(BH_1995, rejected, strict=True) if r] == [
        0.0001,
        0.0004,
        0.0019,
        0.0095,
    ]


def test_yekutieli_is_stricter_by_the_harmonic_factor() -> None:
    p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205]
    harmonic = sum(1 / i for i in range(1, len(p) + 1))
    assert benjamini_yekutieli(p, 0.05) == _step_up(p, 0.05 / harmonic)
    assert sum(benjamini_yekutieli(p, 0.05)) < sum(benjamini_hochberg(p, 0.05))


def test_step_up_rejects_smaller_p_values_carried_by_a_larger_one() -> None:
    # 0.03 fails its own rank (0.03 > 1 * 0.05 / 2), but 0.04 passes rank 2 and carries it.
    assert benjamini_hochberg([0.04, 0.03], 0.05) == [True, True]
    assert benjamini_hochberg([0.04, 0.9], 0.05) == [False, False]


def test_empty_input() -> None:
    assert benjamini_hochberg([]) == []


@pytest.mark.parametrize(("p_values", "q"), [([0.2, 1.5], 0.05), ([-0.1], 0.05), ([0.1], 0.0)])
def test_rejects_bad_input(p_values: list[float], q: float) -> None:
    with pytest.raises(UsageError):
        benjamini_hochberg(p_values, q)


@given(st.integers(min_value=1, max_value=60), st.integers(0, 2**32 - 1))
def test_matches_the_step_up_rule(m: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    # A mixture of real effects (small p) and nulls (uniform p), as in practice.
    p = np.where(rng.random(m) < 0.3, rng.beta(0.2, 8, m), rng.random(m)).tolist()
    assert benjamini_hochberg(p, 0.1) == _step_up(p, 0.1)


@given(
    st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=40),
    st.floats(min_value=0.001, max_value=0.5),
    st.floats(min_value=0.001, max_value=0.5),
)
def test_monotone_in_q_and_by_is_a_subset_of_bh(p: list[float], a: float, b: float) -> None:
    low, high = sorted((a, b))
    strict, loose = benjamini_hochberg(p, low), benjamini_hochberg(p, high)
    assert all(loose_r or not strict_r for strict_r, loose_r in zip(strict, loose, strict=True))
    yekutieli = benjamini_yekutieli(p, high)
    assert all(bh or not by for by, bh in zip(yekutieli, loose, strict=True))
