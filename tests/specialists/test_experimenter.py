"""The experimenter's allocation: Thompson sampling per segment on the line-feature model."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import JsonValue, ValidationError

from overture.agents import ToolContext
from overture.ids import RunId, StepId
from overture.specialists.base import exploration_weight
from overture.specialists.experimenter import (
    FLOOR,
    NEW_ARM_SHARE,
    AllocationRequest,
    _allocate,  # pyright: ignore[reportPrivateUsage]
)

CONTEXT = ToolContext(RunId("r"), StepId(1), datetime(2026, 1, 5, tzinfo=UTC))
SPECS: dict[str, dict[str, JsonValue]] = {
    "deal": {"topic": "deal"},
    "tips": {"topic": "tips"},
    "plain": {},
    # Never sent: the deal line with a question mark.
    "deal_question": {"topic": "deal", "question": True},
}
# Deals win among early readers, tips among evening readers; the plain line is poor everywhere.
RESULTS = {
    "deal": {"early": [400, 1000], "evening": [150, 1000]},
    "tips": {"early": [150, 1000], "evening": [400, 1000]},
    "plain": {"early": [100, 1000], "evening": [100, 1000]},
}


def _request(
    arms: list[str],
    results: dict[str, dict[str, list[int]]],
    segments: list[str],
    explore: float = 1.0,
) -> AllocationRequest:
    return AllocationRequest(
        arms=arms, specs=SPECS, segments=segments, results=results, seed=1, explore=explore
    )


def test_without_results_every_segment_splits_evenly_and_says_so() -> None:
    found = _allocate(_request(["deal", "tips", "plain"], {}, ["s0", "s1"]), CONTEXT)
    assert found.insufficient == ["s0", "s1"]
    assert all(abs(v - 1 / 3) < 1e-6 for v in found.shares["s0"].values())


def test_each_segment_goes_to_its_own_winner_and_an_unseen_segment_borrows_from_everyone() -> None:
    found = _allocate(
        _request(["deal", "tips", "plain"], RESULTS, ["early", "evening", "new"]), CONTEXT
    )
    assert found.shares["early"]["deal"] > 0.9 and found.shares["evening"]["tips"] > 0.9
    assert abs(found.shares["early"]["plain"] - FLOOR) < 0.01
    # Nothing was sent in "new": the shared effects decide there, and it is said to.
    assert found.insufficient == ["new"]
    assert found.shares["new"]["plain"] < min(
        found.shares["new"]["deal"], found.shares["new"]["tips"]
    )
    assert abs(sum(found.shares["new"].values()) - 1) < 1e-5


def test_a_line_never_sent_is_scored_by_the_features_it_shares_with_lines_that_were() -> None:
    arms = ["deal", "tips", "plain", "deal_question"]
    found = _allocate(_request(arms, RESULTS, ["early"]), CONTEXT)
    shares = found.shares["early"]
    # The unsent line carries the early readers' favourite topic: it competes with the deal line
    # for the segment (its question mark is unknown), far above the losing topics.
    assert shares["deal_question"] > NEW_ARM_SHARE + 0.1
    assert shares["deal"] + shares["deal_question"] > 0.9
    assert shares["tips"] < 0.05 and shares["plain"] < 0.05


def test_a_line_with_too_few_sends_keeps_its_exploration_share_while_there_is_time() -> None:
    results = {**RESULTS, "tips": {"early": [3, 20]}}  # tips: 20 sends, and poor so far
    learning = _allocate(_request(["deal", "tips", "plain"], results, ["early"]), CONTEXT)
    assert learning.shares["early"]["tips"] >= NEW_ARM_SHARE - 1e-6
    last = _allocate(_request(["deal", "tips", "plain"], results, ["early"], explore=0.0), CONTEXT)
    assert abs(last.shares["early"]["tips"] - FLOOR) < 1e-6


def test_the_last_send_goes_to_the_best_line_by_the_posterior_mean_floors_aside() -> None:
    found = _allocate(
        _request(["deal", "tips", "plain"], RESULTS, ["early", "evening"], explore=0.0), CONTEXT
    )
    assert found.shares["early"] == pytest.approx(
        {"deal": 1 - 2 * FLOOR, "tips": FLOOR, "plain": FLOOR}, abs=1e-6
    )
    assert found.shares["evening"]["tips"] == pytest.approx(1 - 2 * FLOOR, abs=1e-6)


def test_halfway_the_allocation_sits_between_learning_and_using() -> None:
    arms = ["deal", "tips", "plain", "deal_question"]
    thompson = _allocate(_request(arms, RESULTS, ["early"], explore=1.0), CONTEXT).shares["early"]
    greedy = _allocate(_request(arms, RESULTS, ["early"], explore=0.0), CONTEXT).shares["early"]
    half = _allocate(_request(arms, RESULTS, ["early"], explore=0.5), CONTEXT).shares["early"]
    for arm in arms:
        low, high = sorted((thompson[arm], greedy[arm]))
        assert low - 0.03 <= half[arm] <= high + 0.03


def test_exploration_weight_is_the_share_of_sends_still_to_come() -> None:
    assert exploration_weight(1, 6) == pytest.approx(6 / 7)
    assert exploration_weight(4, 3) == pytest.approx(3 / 7)
    assert exploration_weight(7, 0) == 0.0
    assert exploration_weight(0, 0) == 0.0
    assert exploration_weight(3, None) == 1.0


def test_the_weight_must_be_a_share() -> None:
    with pytest.raises(ValidationError, match="explore"):
        _request(["deal"], {}, ["s"], explore=1.5)
