"""Beta-binomial posteriors per arm, the chance each arm is best, and the loss of choosing it.

A rate with a Beta(a, b) prior after s successes in n trials has the posterior
Beta(a + s, b + n - s) (conjugacy; e.g. Gelman et al., *Bayesian Data Analysis*, 3rd ed.,
§2.4). Experiments start each arm at Beta(1, 1), the uniform prior, as Thompson sampling
usually does (Russo et al., "A Tutorial on Thompson Sampling", 2018, §3).

*Probability best* is P(arm i has the highest rate). For two arms with an integer shape
parameter it is computed exactly with the closed form of Evan Miller ("Formulas for Bayesian
A/B testing", 2015), summing in log space with ``scipy.special.betaln``; otherwise by Monte
Carlo draws from the posteriors, using the generator passed in.

*Expected loss* of choosing arm i is E[max_j p_j - p_i], the rate given up in expectation if
arm i is not in fact the best (Stucchio, "Bayesian A/B Testing at VWO", 2015). A stopping
rule compares it with a threshold of caring, e.g. 1% of the current rate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special, stats

from overture.exceptions import UsageError
from overture.stats._checks import check_counts, check_level
from overture.stats.intervals import Interval

__all__ = ["BetaPosterior", "expected_loss", "probability_best"]

_EXACT_TERMS_LIMIT = 1_000_000
"""Above this many terms the exact sum costs more than Monte Carlo at any useful precision."""


@dataclass(frozen=True, slots=True)
class BetaPosterior:
    """The Beta(alpha, beta) belief about one arm's rate."""

    alpha: float
    beta: float

    def __post_init__(self) -> None:
        if not (self.alpha > 0 and self.beta > 0) or math.isinf(self.alpha + self.beta):
            raise UsageError(
                f"a beta distribution needs finite positive shapes, got ({self.alpha}, "
                f"{self.beta})",
                "build it with BetaPosterior.from_counts(successes, trials, prior=(1, 1))",
            )

    @classmethod
    def from_counts(
        cls, successes: int, trials: int, prior: tuple[float, float] = (1.0, 1.0)
    ) -> BetaPosterior:
        """The posterior after ``successes`` out of ``trials``, from a Beta(*prior) start."""
        check_counts(successes, trials)
        return cls(prior[0] + successes, prior[1] + trials - successes)

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    def interval(self, confidence: float = 0.95) -> Interval:
        """The equal-tailed credible interval, around the posterior mean."""
        check_level(confidence, "confidence")
        tail = (1 - confidence) / 2
        lower, upper = stats.beta.ppf([tail, 1 - tail], self.alpha, self.beta)
        return Interval(self.mean, float(lower), float(upper), confidence)

    def sample(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]:
        """``size`` draws of the rate."""
        return rng.beta(self.alpha, self.beta, size=size)


def probability_best(
    arms: Mapping[str, BetaPosterior],
    rng: np.random.Generator,
    *,
    draws: int = 20_000,
    exact: bool = True,
) -> dict[str, float]:
    """P(arm has the highest rate) for each arm; the values sum to 1.

    Two arms are computed exactly when one has an integer ``alpha`` (always so with integer
    counts and a Beta(1, 1) prior) and ``exact`` is true; then ``rng`` is not used. Otherwise
    ``draws`` joint draws from the posteriors are taken from ``rng``, so the answer is the
    same for the same seed.
    """
    names = _check_arms(arms, draws)
    if len(names) == 1:
        return {names[0]: 1.0}
    if exact and len(names) == 2:
        first, second = arms[names[0]], arms[names[1]]
        second_wins = _exact_second_beats_first(first, second)
        if second_wins is not None:
            return {names[0]: 1.0 - second_wins, names[1]: second_wins}
    samples = _draw(arms, names, rng, draws)
    wins = np.bincount(np.argmax(samples, axis=1), minlength=len(names))
    return {name: float(count) / draws for name, count in zip(names, wins, strict=True)}


def expected_loss(
    arms: Mapping[str, BetaPosterior],
    rng: np.random.Generator,
    *,
    draws: int = 20_000,
) -> dict[str, float]:
    """E[max_j p_j - p_i] for each arm i, by Monte Carlo from ``rng``; all values are >= 0."""
    names = _check_arms(arms, draws)
    samples = _draw(arms, names, rng, draws)
    loss = (samples.max(axis=1, keepdims=True) - samples).mean(axis=0)
    return {name: float(value) for name, value in zip(names, loss, strict=True)}


def _check_arms(arms: Mapping[str, BetaPosterior], draws: int) -> list[str]:
    if not arms:
        raise UsageError("no arms were given", "pass a mapping of arm name to BetaPosterior")
    if draws < 1:
        raise UsageError(f"draws must be at least 1, got {draws}", "use e.g. draws=20_000")
    return list(arms)


def _draw(
    arms: Mapping[str, BetaPosterior], names: list[str], rng: np.random.Generator, draws: int
) -> NDArray[np.float64]:
    alphas = np.array([arms[name].alpha for name in names])
    betas = np.array([arms[name].beta for name in names])
    return rng.beta(alphas, betas, size=(draws, len(names)))


def _exact_second_beats_first(first: BetaPosterior, second: BetaPosterior) -> float | None:
    """P(second > first) in closed form, or None when no shape parameter allows it cheaply."""
    candidates: list[tuple[float, bool]] = []
    if float(second.alpha).is_integer():
        candidates.append((second.alpha, False))
    if float(first.alpha).is_integer():
        candidates.append((first.alpha, True))
    if not candidates:
        return None
    terms, swapped = min(candidates)
    if terms > _EXACT_TERMS_LIMIT:
        return None
    low, high = (second, first) if swapped else (first, second)
    wins = _miller_sum(low, high)
    return 1.0 - wins if swapped else wins


def _miller_sum(a: BetaPosterior, b: BetaPosterior) -> float:
    """P(p_b > p_a) for integer ``b.alpha`` (Miller 2015, eq. for pr(p_B > p_A))."""
    i = np.arange(int(b.alpha), dtype=np.float64)
    log_terms = (
        special.betaln(a.alpha + i, a.beta + b.beta)
        - np.log(b.beta + i)
        - special.betaln(1 + i, b.beta)
        - special.betaln(a.alpha, a.beta)
    )
    total = float(np.exp(special.logsumexp(log_terms)))
    # The sum is a probability; clamp the last ulp of rounding.
    return min(1.0, max(0.0, total))
