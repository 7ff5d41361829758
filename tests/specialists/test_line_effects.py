"""The line-feature model the copywriter and the experimenter share, and the first send's design."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from overture.specialists.copy_generator import LineSpec, is_supported, supported_specs
from overture.specialists.line_effects import (
    FEATURE_NAMES,
    chance_best,
    fit_line_effects,
    informative_specs,
    spec_vector,
)


def _design(specs: list[LineSpec]) -> np.ndarray:
    return np.array([(1.0, *spec_vector(s)) for s in specs])


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=len(FEATURE_NAMES) + 1, max_value=24), st.integers(0, 2**16))
def test_the_first_send_can_tell_every_feature_effect_apart(count: int, seed: int) -> None:
    specs = informative_specs(count, seed=seed)
    assert len(set(specs)) == count and all(is_supported(s) for s in specs)
    # Full rank: no feature's effect is a mix of the others' across these lines.
    assert np.linalg.matrix_rank(_design(specs)) == len(FEATURE_NAMES) + 1
    assert informative_specs(count, seed=seed) == specs


def test_the_design_beats_lines_picked_at_random_and_lines_that_stack_features() -> None:
    def information(specs: list[LineSpec]) -> float:
        x = _design(specs)
        return float(np.linalg.slogdet(x.T @ x + 1e-9 * np.eye(x.shape[1]))[1])

    chosen = information(informative_specs(12, seed=1))
    rng = np.random.default_rng(0)
    every = supported_specs()
    at_random = [
        information([every[int(k)] for k in rng.choice(len(every), 12, replace=False)])
        for _ in range(50)
    ]
    assert chosen > max(at_random)
    # One line carrying many features and the rest plain: effects confounded (rank-deficient).
    stacked = [max(every, key=lambda s: len(s.features)), *every[:11]]
    assert information(stacked) < chosen


def test_no_results_no_model() -> None:
    assert fit_line_effects({"a": LineSpec()}, {}, ["s"]) is None
    assert fit_line_effects({"a": LineSpec()}, {"b": {"s": [1, 10]}}, ["s"]) is None
    assert fit_line_effects({"a": LineSpec()}, {"a": {"s": [1, 10]}}, []) is None


def test_chance_best_follows_the_evidence_and_ties_share() -> None:
    specs = {"deal": LineSpec(topic="deal"), "tips": LineSpec(topic="tips"), "plain": LineSpec()}
    results = {"deal": {"s": [300, 1000]}, "tips": {"s": [200, 1000]}, "plain": {"s": [200, 1000]}}
    model = fit_line_effects(specs, results, ["s"])
    assert model is not None
    rng = np.random.default_rng(3)
    rows = np.array([spec_vector(s) for s in specs.values()])
    chance = chance_best(model, "s", rows, rng)
    assert chance.sum() == pytest.approx(1.0)
    assert chance[0] > 0.99
    # Two rows with the same features split each draw's win between them.
    twins = chance_best(model, "s", np.vstack([rows[0], rows[0]]), rng)
    assert twins == pytest.approx([0.5, 0.5])
