"""Empirical-Bayes shrinkage: recovering a known prior, limits, and input checks."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from overture.exceptions import UsageError
from overture.stats import estimate_prior_strength, shrink_rates


def _population(
    kappa: float, rate: float, contacts: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.beta(kappa * rate, kappa * (1 - rate), size=contacts)
    n = rng.integers(0, 40, size=contacts)
    return rng.binomial(n, p), n


def test_recovers_the_prior_strength_of_a_simulated_population() -> None:
    s, n = _population(kappa=10.0, rate=0.2, contacts=20_000, seed=3)
    assert estimate_prior_strength(s, n, 0.2) == pytest.approx(10.0, rel=0.15)


def test_shrunk_rates_beat_raw_rates_on_the_truth() -> None:
    rng = np.random.default_rng(11)
    p = rng.beta(4, 16, size=5000)
    n = rng.integers(1, 15, size=5000)
    s = rng.binomial(n, p)
    shrunk = shrink_rates(s, n, int(s.sum()), int(n.sum()))
    raw = s / n
    assert np.mean((shrunk - p) ** 2) < 0.5 * np.mean((raw - p) ** 2)


def test_posterior_mean_formula_with_a_given_strength() -> None:
    shrunk = shrink_rates([1, 30, 0], [1, 100, 0], 200, 1000, prior_strength=8.0)
    assert shrunk.tolist() == pytest.approx([(1 + 1.6) / 9, (30 + 1.6) / 108, 0.2])


def test_no_spread_beyond_chance_gives_everyone_the_group_rate() -> None:
    rng = np.random.default_rng(5)
    n = rng.integers(5, 30, size=3000)
    s = rng.binomial(n, 0.25)  # every contact has the same true rate
    assert estimate_prior_strength(s, n, 0.25) > 200  # or infinite
    exact = shrink_rates([2, 2], [4, 4], 1, 2)  # both contacts exactly at the group rate
    assert exact.tolist() == [0.5, 0.5]


def test_single_trials_cannot_show_spread() -> None:
    assert estimate_prior_strength([0, 1, 1], [1, 1, 1], 0.5) == math.inf
    assert estimate_prior_strength([0, 3], [0, 4], 0.0) == math.inf


def test_contacts_without_history_get_the_group_rate_even_without_shrinkage() -> None:
    shrunk = shrink_rates([3, 0], [4, 0], 10, 100, prior_strength=0.0)
    assert shrunk.tolist() == [0.75, 0.1]


def test_keeps_the_shape_of_the_input() -> None:
    s = np.array([[1, 2], [3, 4]])
    assert shrink_rates(s, s * 3, 10, 30).shape == (2, 2)


@pytest.mark.parametrize(
    ("s", "n", "gs", "gn", "strength", "message"),
    [
        ([1, 2], [3], 1, 10, None, "shape"),
        ([1, 5], [3, 4], 1, 10, None, "contact #1"),
        ([1, -1], [3, 4], 1, 10, None, "contact #1"),
        ([1], [3], 0, 0, None, "no trials"),
        ([1], [3], 5, 4, None, "group"),
        ([1], [3], 1, 10, -2.0, "prior_strength"),
    ],
)
def test_rejects_bad_input(
    s: list[int], n: list[int], gs: int, gn: int, strength: float | None, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        shrink_rates(s, n, gs, gn, prior_strength=strength)


pairs = st.integers(min_value=0, max_value=200).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)


@given(st.lists(pairs, min_size=1, max_size=50), pairs.filter(lambda pair: pair[1] > 0))
def test_each_rate_lies_between_its_own_and_the_group_rate(
    contacts: list[tuple[int, int]], group: tuple[int, int]
) -> None:
    s = np.array([c[0] for c in contacts])
    n = np.array([c[1] for c in contacts])
    shrunk = shrink_rates(s, n, *group)
    group_rate = group[0] / group[1]
    own = np.where(n > 0, s / np.maximum(n, 1), group_rate)
    low, high = np.minimum(own, group_rate), np.maximum(own, group_rate)
    assert np.all(shrunk >= low - 1e-12)
    assert np.all(shrunk <= high + 1e-12)
