"""Thompson allocation: burn-in, floor, shares summing to 1, and determinism per seed."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from overture.exceptions import UsageError
from overture.stats import BetaPosterior, probability_best, thompson_allocation


def test_equal_shares_until_every_arm_has_its_minimum() -> None:
    arms = {"a": (50, 500), "b": (90, 500), "c": (1, 99)}
    shares = thompson_allocation(arms, np.random.default_rng(0), min_trials_per_arm=100)
    assert shares == {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}


def test_leans_toward_the_arm_most_likely_best() -> None:
    arms = {"a": (100, 1000), "b": (130, 1000), "c": (115, 1000)}
    shares = thompson_allocation(arms, np.random.default_rng(0), floor=0.05, draws=50_000)
    best = probability_best(
        {name: BetaPosterior.from_counts(*counts) for name, counts in arms.items()},
        np.random.default_rng(1),
        draws=50_000,
    )
    assert shares["b"] > shares["c"] > shares["a"]
    assert shares["a"] == pytest.approx(0.05)  # far behind: held at the floor
    # The arms above the floor split the rest in proportion to their chance of being best.
    assert shares["b"] / shares["c"] == pytest.approx(best["b"] / best["c"], rel=0.05)


def test_floor_redistributes_in_several_rounds() -> None:
    # b dominates; a and c both fall below a 20% floor, so two arms are pinned.
    arms = {"a": (100, 1000), "b": (200, 1000), "c": (101, 1000)}
    shares = thompson_allocation(arms, np.random.default_rng(0), floor=0.2)
    assert shares == pytest.approx({"a": 0.2, "b": 0.6, "c": 0.2})


def test_floor_of_one_over_arms_gives_equal_shares() -> None:
    arms = {"a": (10, 200), "b": (60, 200), "c": (30, 200)}
    shares = thompson_allocation(arms, np.random.default_rng(0), floor=1 / 3)
    assert shares == pytest.approx(dict.fromkeys(arms, 1 / 3))


def test_same_seed_same_shares_other_seed_other_shares() -> None:
    arms = {"a": (100, 1000), "b": (108, 1000)}
    first = thompson_allocation(arms, np.random.default_rng(42), draws=2000)
    assert first == thompson_allocation(arms, np.random.default_rng(42), draws=2000)
    assert first != thompson_allocation(arms, np.random.default_rng(43), draws=2000)


@pytest.mark.parametrize(
    ("arms", "floor", "min_trials", "message"),
    [
        ({}, 0.05, 100, "no arms"),
        ({"a": (1, 10), "b": (1, 10), "c": (1, 10)}, 0.4, 100, "cannot be met"),
        ({"a": (1, 10)}, -0.1, 100, "cannot be met"),
        ({"a": (1, 10)}, 0.05, -1, "min_trials_per_arm"),
        ({"a": (11, 10)}, 0.05, 100, "more than"),
    ],
)
def test_rejects_bad_input(
    arms: dict[str, tuple[int, int]], floor: float, min_trials: int, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        thompson_allocation(
            arms, np.random.default_rng(0), floor=floor, min_trials_per_arm=min_trials
        )


arm_counts = st.integers(min_value=0, max_value=3000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(arm_counts, min_size=1, max_size=6),
    st.floats(min_value=0.0, max_value=1.0),
    st.integers(min_value=0, max_value=500),
    st.integers(0, 2**32 - 1),
)
def test_shares_sum_to_one_and_respect_the_floor(
    counts: list[tuple[int, int]], floor_fraction: float, min_trials: int, seed: int
) -> None:
    arms = {f"arm{i}": pair for i, pair in enumerate(counts)}
    floor = floor_fraction / len(arms)
    shares = thompson_allocation(
        arms, np.random.default_rng(seed), floor=floor, min_trials_per_arm=min_trials, draws=500
    )
    assert list(shares) == list(arms)
    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-9)
    assert all(share >= floor - 1e-12 for share in shares.values())
