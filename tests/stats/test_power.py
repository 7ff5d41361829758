"""Power and sample size: R's power.prop.test examples and the closed form by hand."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from overture.exceptions import UsageError
from overture.stats import (
    minimum_detectable_effect,
    power_two_proportions,
    sample_size_two_proportions,
)


def _by_hand(p1: float, p2: float, alpha: float, power: float, k: float) -> float:
    """Fleiss, Levin & Paik (2003) eq. 4.14 without continuity correction."""
    pbar = (p1 + k * p2) / (1 + k)
    z_a, z_b = norm.ppf(1 - alpha / 2), norm.ppf(power)
    spread = z_a * math.sqrt(pbar * (1 - pbar) * (1 + 1 / k)) + z_b * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2) / k
    )
    return float((spread / (p2 - p1)) ** 2)


def test_r_power_prop_test_examples() -> None:
    # From the examples of R's ?power.prop.test (stats package):
    #   power.prop.test(p1 = .50, p2 = .75, power = .90)  ## => n = 76.7
    #   power.prop.test(n = 50, p1 = .50, p2 = .75)       ## => power = 0.740
    #   power.prop.test(n = 50, p1 = .5, power = .90)     ## => p2 = 0.8026
    assert sample_size_two_proportions(0.5, 0.5, power=0.9) == 77
    assert _by_hand(0.5, 0.75, 0.05, 0.9, 1.0) == pytest.approx(76.7, abs=0.05)
    assert power_two_proportions(0.5, 0.5, 50) == pytest.approx(0.740, abs=5e-4)
    mde = minimum_detectable_effect(0.5, 50, power=0.9)
    assert 0.5 * (1 + mde) == pytest.approx(0.8026, abs=5e-5)


@pytest.mark.parametrize(
    ("p1", "lift", "alpha", "power", "ratio"),
    [
        (0.2, 0.1, 0.05, 0.8, 1.0),  # a 20% open rate, +10%
        (0.2, 0.2, 0.05, 0.8, 9.0),  # a 10% holdout
        (0.03, 0.15, 0.01, 0.9, 1.0),  # a click rate, high stakes
        (0.2, -0.1, 0.05, 0.8, 1.0),  # a decrease (unsubscribes)
    ],
)
def test_sample_size_is_the_closed_form_rounded_up(
    p1: float, lift: float, alpha: float, power: float, ratio: float
) -> None:
    expected = math.ceil(_by_hand(p1, p1 * (1 + lift), alpha, power, ratio))
    assert sample_size_two_proportions(p1, lift, alpha, power, ratio) == expected


def test_one_sided_needs_fewer_recipients() -> None:
    two = sample_size_two_proportions(0.2, 0.1)
    one = sample_size_two_proportions(0.2, 0.1, two_sided=False)
    assert one < two
    # One-sided at alpha is two-sided at 2 alpha.
    assert one == sample_size_two_proportions(0.2, 0.1, alpha=0.1)


def test_mde_is_infinite_when_no_lift_could_be_detected() -> None:
    assert minimum_detectable_effect(0.9, 5) == math.inf


def test_mde_is_near_zero_when_asking_for_less_power_than_chance_gives() -> None:
    assert minimum_detectable_effect(0.2, 1000, power=0.01) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sample_size_two_proportions(0.0, 0.1), "p_baseline"),
        (lambda: sample_size_two_proportions(21.0, 0.1), "p_baseline"),
        (lambda: sample_size_two_proportions(0.2, 0.0), "non-zero"),
        (lambda: sample_size_two_proportions(0.6, 1.0), "non-zero"),
        (lambda: sample_size_two_proportions(0.2, 0.1, power=1.0), "power"),
        (lambda: sample_size_two_proportions(0.2, 0.1, ratio=0.0), "ratio"),
        (lambda: sample_size_two_proportions(0.2, 0.1, alpha=5.0), "alpha"),
        (lambda: power_two_proportions(0.2, 0.1, 0), "n_control"),
        (lambda: minimum_detectable_effect(0.2, 100, power=0.0), "power"),
    ],
)
def test_rejects_bad_input_with_a_fix(call: object, message: str) -> None:
    assert callable(call)
    with pytest.raises(UsageError, match=message) as raised:
        call()
    assert raised.value.fix


@settings(max_examples=50, deadline=None)
@given(
    st.floats(min_value=0.01, max_value=0.6),
    st.floats(min_value=0.02, max_value=0.5),
    st.sampled_from([1.0, 3.0, 9.0]),
)
def test_sample_size_and_mde_are_inverse(p1: float, lift: float, ratio: float) -> None:
    n = sample_size_two_proportions(p1, lift, ratio=ratio)
    assert power_two_proportions(p1, lift, n, ratio=ratio) >= 0.8 - 1e-9
    # n recipients detect the lift asked for; one fewer would not quite.
    assert minimum_detectable_effect(p1, n, ratio=ratio) <= lift * (1 + 1e-6)
    if n > 1:
        assert minimum_detectable_effect(p1, n - 1, ratio=ratio) >= lift * (1 - 1e-6)


@given(st.floats(min_value=0.01, max_value=0.6), st.integers(min_value=10, max_value=10**6))
def test_power_rises_with_recipients(p1: float, n: int) -> None:
    assert power_two_proportions(p1, 0.1, 2 * n) >= power_two_proportions(p1, 0.1, n)
