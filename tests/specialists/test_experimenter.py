"""The experimenter's allocation: Thompson sampling per segment, borrowing from everyone."""

from __future__ import annotations

from datetime import UTC, datetime

from overture.agents import ToolContext
from overture.ids import RunId, StepId
from overture.specialists.experimenter import (
    NEW_ARM_SHARE,
    AllocationRequest,
    _allocate,  # pyright: ignore[reportPrivateUsage]
)

CONTEXT = ToolContext(RunId("r"), StepId(1), datetime(2026, 1, 5, tzinfo=UTC))


def _shares(results: dict[str, dict[str, list[int]]], segments: list[str]) -> AllocationRequest:
    return AllocationRequest(arms=["a", "b", "c"], segments=segments, results=results, seed=1)


def test_without_results_every_segment_splits_evenly_and_says_so() -> None:
    found = _allocate(_shares({}, ["s0", "s1"]), CONTEXT)
    assert found.insufficient == ["s0", "s1"]
    assert all(abs(v - 1 / 3) < 1e-6 for v in found.shares["s0"].values())


def test_each_segment_follows_its_own_counts_once_a_line_has_enough_sends_there() -> None:
    results = {
        # a wins among early readers, b among evening readers; c is poor everywhere.
        "a": {"early": [400, 1000], "evening": [150, 1000]},
        "b": {"early": [150, 1000], "evening": [400, 1000]},
        "c": {"early": [100, 1000], "evening": [100, 1000]},
    }
    found = _allocate(_shares(results, ["early", "evening", "new"]), CONTEXT)
    assert found.shares["early"]["a"] > 0.9 and found.shares["evening"]["b"] > 0.9
    # No line has been sent in "new" yet: it gets the pooled allocation, and is said to.
    assert found.insufficient == ["new"]
    pooled = found.shares["new"]
    assert pooled["c"] < pooled["a"] and pooled["c"] < pooled["b"]


def test_a_line_thin_in_a_segment_is_judged_on_everyones_counts() -> None:
    results = {
        "a": {"big": [300, 1000], "small": [90, 300]},
        # b has few sends in "small" but a strong record overall: it is not starved there.
        "b": {"big": [450, 1000], "small": [5, 10]},
        "c": {"big": [100, 1000]},
    }
    found = _allocate(_shares(results, ["big", "small"]), CONTEXT)
    assert found.insufficient == []
    assert found.shares["small"]["b"] > found.shares["small"]["a"]


def test_a_line_with_too_few_sends_overall_gets_the_exploration_share() -> None:
    results = {"a": {"s": [300, 1000]}, "b": {"s": [200, 1000]}, "c": {"s": [3, 10]}}
    found = _allocate(_shares(results, ["s"]), CONTEXT)
    assert abs(found.shares["s"]["c"] - NEW_ARM_SHARE) < 1e-6
