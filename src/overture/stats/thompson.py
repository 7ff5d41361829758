"""Thompson sampling allocation: each arm's share of the next send cycle.

Thompson sampling plays each arm with the probability that it is the best one under the
current posteriors (Thompson, 1933, Biometrika 25:285-294; Russo et al., "A Tutorial on
Thompson Sampling", 2018). Sending in batches, the share of a cycle given to an arm is that
probability, estimated by Monte Carlo from Beta(1 + s, 1 + f) posteriors as in
:func:`overture.stats.beta_binomial.probability_best`.

Two guards keep the experiment readable, as production bandits do:

* a burn-in: until every arm has ``min_trials_per_arm`` trials, arms share equally, so an
  early lucky streak cannot starve an arm before anything is known;
* a floor: every arm keeps at least ``floor`` of each cycle, so the posterior of a losing
  arm keeps being checked and the data still support a comparison at the end. Shares below
  the floor are raised to it and the rest is split among the other arms in proportion to
  their probability of being best (repeated until no share is below the floor).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from overture.exceptions import UsageError
from overture.stats.beta_binomial import BetaPosterior, probability_best

__all__ = ["thompson_allocation"]


def thompson_allocation(
    arms: Mapping[str, tuple[int, int]],
    rng: np.random.Generator,
    *,
    floor: float = 0.05,
    min_trials_per_arm: int = 100,
    draws: int = 10_000,
    prior: tuple[float, float] = (1.0, 1.0),
) -> dict[str, float]:
    """Share of the next send cycle per arm, from ``(successes, trials)`` per arm.

    The shares are at least ``floor`` each and sum to 1. The same counts and the same seed
    of ``rng`` give the same shares.
    """
    if not arms:
        raise UsageError("no arms were given", "pass a mapping of arm name to (successes, trials)")
    count = len(arms)
    if not 0.0 <= floor <= 1.0 / count:
        raise UsageError(
            f"floor {floor} cannot be met by {count} arms (at most 1/{count} = {1 / count:.4g})",
            "lower the floor or test fewer arms at once",
        )
    if min_trials_per_arm < 0:
        raise UsageError(
            f"min_trials_per_arm must be 0 or more, got {min_trials_per_arm}",
            "give the number of trials each arm needs before the bandit starts to lean",
        )
    posteriors = {
        name: BetaPosterior.from_counts(successes, trials, prior)
        for name, (successes, trials) in arms.items()
    }
    if any(trials < min_trials_per_arm for _, trials in arms.values()):
        return dict.fromkeys(arms, 1.0 / count)
    # Monte Carlo, never the two-arm closed form: the shares are a Thompson draw by design.
    best = probability_best(posteriors, rng, draws=draws, exact=False)
    return _apply_floor(best, floor)


def _apply_floor(probabilities: dict[str, float], floor: float) -> dict[str, float]:
    pinned: set[str] = set()
    while True:
        free = [name for name in probabilities if name not in pinned]
        mass = 1.0 - floor * len(pinned)
        weight = sum(probabilities[name] for name in free)
        # The arm most likely to be best always stays free (its share is at least
        # mass / len(free) >= floor), so ``weight`` is positive here.
        shares = {name: mass * probabilities[name] / weight for name in free}
        # The tolerance stops rounding from pinning the last free arm when floor = 1 / arms.
        below = {name for name, share in shares.items() if share < floor - 1e-12}
        if not below:
            return {name: max(shares.get(name, floor), floor) for name in probabilities}
        pinned |= below
