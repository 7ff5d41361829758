"""Beta posteriors, probability of being best (exact and Monte Carlo) and expected loss."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from overture.exceptions import UsageError
from overture.stats import BetaPosterior, expected_loss, probability_best


def _by_quadrature(a: BetaPosterior, b: BetaPosterior) -> float:
    """P(p_b > p_a) = integral of f_b(x) F_a(x) dx, as an independent reference."""

    def density(x: float) -> float:
        return float(stats.beta.pdf(x, b.alpha, b.beta) * stats.beta.cdf(x, a.alpha, a.beta))

    result = integrate.quad(density, 0, 1, limit=200, points=[a.mean, b.mean])
    return float(result[0])


def test_posterior_from_counts_is_conjugate_update() -> None:
    posterior = BetaPosterior.from_counts(30, 100)
    assert posterior == BetaPosterior(31, 71)
    assert posterior.mean == pytest.approx(31 / 102)
    assert BetaPosterior.from_counts(30, 100, prior=(2.0, 8.0)) == BetaPosterior(32, 78)


def test_credible_interval_is_equal_tailed() -> None:
    posterior = BetaPosterior(31, 71)
    interval = posterior.interval(0.9)
    assert stats.beta.cdf(interval.lower, 31, 71) == pytest.approx(0.05)
    assert stats.beta.cdf(interval.upper, 31, 71) == pytest.approx(0.95)
    assert interval.estimate == posterior.mean


def test_sample_is_seeded() -> None:
    posterior = BetaPosterior(3, 7)
    first = posterior.sample(np.random.default_rng(5), 1000)
    again = posterior.sample(np.random.default_rng(5), 1000)
    assert np.array_equal(first, again)
    assert first.mean() == pytest.approx(0.3, abs=0.02)


@pytest.mark.parametrize("shapes", [(0.0, 1.0), (1.0, -2.0), (float("inf"), 1.0)])
def test_rejects_impossible_shapes(shapes: tuple[float, float]) -> None:
    with pytest.raises(UsageError):
        BetaPosterior(*shapes)


def test_rejects_more_successes_than_trials() -> None:
    with pytest.raises(UsageError, match="more than"):
        BetaPosterior.from_counts(5, 4)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (BetaPosterior.from_counts(200, 1000), BetaPosterior.from_counts(230, 1000)),
        (BetaPosterior.from_counts(3, 10), BetaPosterior.from_counts(1, 12)),
        (BetaPosterior(3.5, 10), BetaPosterior(4, 9.5)),  # only b's alpha is an integer
        (BetaPosterior(4, 9.5), BetaPosterior(3.5, 10)),  # only a's alpha is an integer
    ],
)
def test_two_arm_exact_matches_quadrature(a: BetaPosterior, b: BetaPosterior) -> None:
    result = probability_best({"a": a, "b": b}, np.random.default_rng(0))
    assert result["b"] == pytest.approx(_by_quadrature(a, b), abs=1e-8)
    assert result["a"] + result["b"] == pytest.approx(1.0)


def test_miller_closed_form_reference() -> None:
    # Equal posteriors: each arm is best half the time, by symmetry.
    same = BetaPosterior.from_counts(40, 100)
    result = probability_best({"a": same, "b": same}, np.random.default_rng(0))
    assert result["a"] == pytest.approx(0.5, abs=1e-12)


def test_monte_carlo_agrees_with_exact_and_is_seeded() -> None:
    arms = {"a": BetaPosterior.from_counts(20, 100), "b": BetaPosterior.from_counts(26, 100)}
    exact = probability_best(arms, np.random.default_rng(0))
    sampled = probability_best(arms, np.random.default_rng(1), exact=False, draws=100_000)
    again = probability_best(arms, np.random.default_rng(1), exact=False, draws=100_000)
    assert sampled == again
    assert sampled["b"] == pytest.approx(exact["b"], abs=0.006)


def test_falls_back_to_monte_carlo_without_integer_shapes() -> None:
    arms = {"a": BetaPosterior(3.5, 10), "b": BetaPosterior(4.5, 9.5)}
    result = probability_best(arms, np.random.default_rng(3), draws=200_000)
    assert result["b"] == pytest.approx(_by_quadrature(arms["a"], arms["b"]), abs=0.005)


def test_falls_back_to_monte_carlo_when_the_sum_is_too_long() -> None:
    arms = {"a": BetaPosterior(2_000_001, 8e6), "b": BetaPosterior(2_000_101, 8e6)}
    first = probability_best(arms, np.random.default_rng(3), draws=50_000)
    second = probability_best(arms, np.random.default_rng(4), draws=50_000)
    # Monte Carlo answers depend on the seed; the exact sum would not.
    assert first != second
    # Shapes this large are normal to many digits; quadrature cannot find so narrow a peak.
    a, b = (stats.beta(arm.alpha, arm.beta) for arm in arms.values())
    reference = stats.norm.cdf((b.mean() - a.mean()) / np.sqrt(a.var() + b.var()))
    assert first["b"] == pytest.approx(reference, abs=0.01)


def test_single_arm_is_surely_best() -> None:
    arms = {"only": BetaPosterior(2, 3)}
    assert probability_best(arms, np.random.default_rng(0)) == {"only": 1.0}


def test_three_arms_rank_as_their_rates() -> None:
    arms = {
        "low": BetaPosterior.from_counts(100, 1000),
        "mid": BetaPosterior.from_counts(120, 1000),
        "high": BetaPosterior.from_counts(150, 1000),
    }
    best = probability_best(arms, np.random.default_rng(0))
    loss = expected_loss(arms, np.random.default_rng(0))
    assert best["high"] > best["mid"] > best["low"]
    assert loss["high"] < loss["mid"] < loss["low"]
    assert loss["low"] == pytest.approx(0.05, abs=0.003)


def test_expected_loss_matches_two_arm_integral() -> None:
    a, b = BetaPosterior(3, 7), BetaPosterior(5, 5)
    # E[max(p_b - p_a, 0)] by double integration as the reference.

    def shortfall(y: float, x: float) -> float:
        return max(y - x, 0.0) * float(stats.beta.pdf(x, 3, 7) * stats.beta.pdf(y, 5, 5))

    reference = float(integrate.dblquad(shortfall, 0, 1, 0, 1)[0])
    loss = expected_loss({"a": a, "b": b}, np.random.default_rng(2), draws=400_000)
    assert loss["a"] == pytest.approx(reference, abs=0.002)


@pytest.mark.parametrize("draws", [0, -5])
def test_rejects_no_draws(draws: int) -> None:
    with pytest.raises(UsageError, match="draws"):
        expected_loss({"a": BetaPosterior(1, 1)}, np.random.default_rng(0), draws=draws)


def test_rejects_no_arms() -> None:
    with pytest.raises(UsageError, match="no arms"):
        probability_best({}, np.random.default_rng(0))


arm_counts = st.integers(min_value=0, max_value=2000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)


@settings(max_examples=40, deadline=None)
@given(st.lists(arm_counts, min_size=1, max_size=5), st.integers(0, 2**32 - 1))
def test_probability_best_sums_to_one_and_loss_is_non_negative(
    counts: list[tuple[int, int]], seed: int
) -> None:
    arms = {f"arm{i}": BetaPosterior.from_counts(s, n) for i, (s, n) in enumerate(counts)}
    best = probability_best(arms, np.random.default_rng(seed), draws=2000)
    loss = expected_loss(arms, np.random.default_rng(seed), draws=2000)
    assert sum(best.values()) == pytest.approx(1.0)
    assert all(0.0 <= p <= 1.0 for p in best.values())
    assert all(value >= 0.0 for value in loss.values())
    assert list(best) == list(arms) == list(loss)
