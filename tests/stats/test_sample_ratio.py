"""Sample ratio mismatch: the Kohavi example, a chi-squared computed by hand, input checks."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import chi2

from overture.exceptions import UsageError
from overture.stats import SRMResult, sample_ratio_mismatch


def test_kohavi_tang_xu_example() -> None:
    # Trustworthy Online Controlled Experiments (2020), ch. 21: p = 1.8e-6 on a 50/50 plan.
    result = sample_ratio_mismatch([821_588, 815_482], [0.5, 0.5])
    assert result.p_value == pytest.approx(1.8e-6, rel=0.02)
    assert result.mismatch


def test_holdout_split_by_hand() -> None:
    observed, shares = [9_120, 880], [0.9, 0.1]
    expected = [9_000, 1_000]
    statistic = sum((o - e) ** 2 / e for o, e in zip(observed, expected, strict=True))
    result = sample_ratio_mismatch(observed, shares)
    assert result.statistic == pytest.approx(statistic)
    assert result.p_value == pytest.approx(chi2.sf(statistic, 1))
    assert result.mismatch  # 16.0 on one degree of freedom: p = 6e-5


def test_small_deviation_is_not_a_mismatch() -> None:
    result = sample_ratio_mismatch([3_340, 3_300, 3_360], [1 / 3, 1 / 3, 1 / 3])
    assert not result.mismatch
    assert result.p_value > 0.5


def test_threshold_decides() -> None:
    counts, shares = [5_100, 4_900], [0.5, 0.5]  # p = 0.0455
    assert not sample_ratio_mismatch(counts, shares).mismatch
    assert sample_ratio_mismatch(counts, shares, threshold=0.05).mismatch


def test_nothing_assigned_yet() -> None:
    assert sample_ratio_mismatch([0, 0], [0.5, 0.5]) == SRMResult(0.0, 1.0, mismatch=False)


@pytest.mark.parametrize(
    ("counts", "shares", "threshold"),
    [
        ([10, 10], [0.5, 0.3, 0.2], 0.001),
        ([10], [1.0], 0.001),
        ([10, -1], [0.5, 0.5], 0.001),
        ([10, 10], [0.6, 0.6], 0.001),
        ([10, 10], [1.0, 0.0], 0.001),
        ([10, 10], [0.5, 0.5], 0.0),
    ],
)
def test_rejects_bad_input(counts: list[int], shares: list[float], threshold: float) -> None:
    with pytest.raises(UsageError) as raised:
        sample_ratio_mismatch(counts, shares, threshold)
    assert raised.value.fix


@given(st.lists(st.integers(min_value=1, max_value=10**6), min_size=2, max_size=6))
def test_counts_exactly_on_plan_never_mismatch(weights: list[int]) -> None:
    total = sum(weights)
    shares = [w / total for w in weights]
    result = sample_ratio_mismatch([w * 3 for w in weights], shares)
    assert result.p_value == pytest.approx(1.0)
    assert not result.mismatch
