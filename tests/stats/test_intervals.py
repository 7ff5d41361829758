"""Wilson intervals: published values and the properties a reader relies on."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from overture.exceptions import UsageError
from overture.stats import Interval, wilson_interval


@pytest.mark.parametrize(
    ("successes", "trials", "lower", "upper"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3 (score).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_matches_newcombe_1998(successes: int, trials: int, lower: float, upper: float) -> None:
    interval = wilson_interval(successes, trials)
    assert round(interval.lower, 4) == lower
    assert round(interval.upper, 4) == upper
    assert interval.estimate == successes / trials
    assert interval.confidence == 0.95


def test_matches_closed_form_at_other_confidence() -> None:
    interval = wilson_interval(30, 100, confidence=0.9)
    z = 1.6448536269514722
    centre = (0.3 + z * z / 200) / (1 + z * z / 100)
    half = z / (1 + z * z / 100) * math.sqrt(0.3 * 0.7 / 100 + z * z / 40_000)
    assert interval.lower == pytest.approx(centre - half, rel=1e-12)
    assert interval.upper == pytest.approx(centre + half, rel=1e-12)
    assert interval.width == pytest.approx(2 * half, rel=1e-12)


def test_no_trials_means_nothing_is_known() -> None:
    assert wilson_interval(0, 0) == Interval(0.5, 0.0, 1.0, 0.95)


def test_all_successes_reaches_one() -> None:
    interval = wilson_interval(20, 20)
    assert interval.upper == 1.0
    assert round(interval.lower, 4) == round(1 - 0.1611, 4)


@pytest.mark.parametrize(
    ("successes", "trials", "confidence"),
    [(-1, 10, 0.95), (11, 10, 0.95), (1, 10, 1.0), (1, 10, 0.0), (1, 10, 95.0)],
)
def test_rejects_bad_input_with_a_fix(successes: int, trials: int, confidence: float) -> None:
    with pytest.raises(UsageError) as raised:
        wilson_interval(successes, trials, confidence)
    assert raised.value.fix


counts = st.integers(min_value=1, max_value=100_000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)
levels = st.floats(min_value=0.5, max_value=0.999)


@given(counts, levels)
def test_interval_is_inside_unit_range_and_contains_the_rate(
    pair: tuple[int, int], confidence: float
) -> None:
    successes, trials = pair
    interval = wilson_interval(successes, trials, confidence)
    assert 0.0 <= interval.lower <= interval.estimate <= interval.upper <= 1.0
    assert interval.estimate in interval


@given(counts, st.integers(min_value=2, max_value=50))
def test_more_data_at_the_same_rate_never_widens(pair: tuple[int, int], factor: int) -> None:
    successes, trials = pair
    small = wilson_interval(successes, trials)
    large = wilson_interval(successes * factor, trials * factor)
    assert large.width <= small.width + 1e-12


@given(counts, levels, levels)
def test_higher_confidence_never_narrows(pair: tuple[int, int], a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert wilson_interval(*pair, high).width >= wilson_interval(*pair, low).width - 1e-12
