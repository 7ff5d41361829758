"""The feature model: effects of message features learned from arm counts, per segment."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from overture.stats import FeatureCounts, fit_feature_model

ARMS = [
    (0.0, 0.0, 0.0),
    (1.0, 0.0, 0.0),
    (0.0, 1.0, 0.0),
    (0.0, 0.0, 1.0),
    (1.0, 1.0, 0.0),
    (0.0, 1.0, 1.0),
]


def _draw(
    effects: dict[str, tuple[float, float, float]], sends: int, seed: int
) -> list[FeatureCounts]:
    rng = np.random.default_rng(seed)
    counts: list[FeatureCounts] = []
    for segment, beta in effects.items():
        for arm in ARMS:
            p = float(expit(-1.4 + np.dot(arm, beta)))
            counts.append(FeatureCounts(segment, arm, int(rng.binomial(sends, p)), sends))
    return counts


def test_recovers_shared_and_segment_effects_within_their_intervals() -> None:
    truth = {"a": (0.3, -0.2, 0.0), "b": (0.3, -0.2, 0.25)}
    model = fit_feature_model(_draw(truth, 20_000, seed=1), ["a", "b"], 3)
    for segment, beta in truth.items():
        mean, sd = model.effects(segment), model.effect_sd(segment)
        assert np.all(np.abs(mean - np.array(beta)) < 4 * sd)
        assert np.all(sd < 0.06)
    # The third feature helps b and not a: the model tells them apart.
    assert model.effects("b")[2] - model.effects("a")[2] > 0.15


def test_a_segment_without_data_borrows_the_shared_effects() -> None:
    model = fit_feature_model(_draw({"a": (0.4, -0.3, 0.1)}, 20_000, seed=2), ["a", "new"], 3)
    shared = model.effects("new")
    assert shared[0] > 0.2 and shared[1] < -0.1
    assert np.all(model.effect_sd("new") > model.effect_sd("a"))


def test_little_data_stays_near_the_prior_and_draws_spread() -> None:
    model = fit_feature_model(_draw({"a": (1.0, 0.0, 0.0)}, 30, seed=3), ["a"], 3)
    assert np.all(np.abs(model.effects("a")) < 1.0)
    rng = np.random.default_rng(0)
    draws = np.array([model.sample_effects("a", rng) for _ in range(400)])
    assert np.all(draws.std(axis=0) > 0.1)
    assert np.allclose(draws.mean(axis=0), model.effects("a"), atol=0.1)


def test_no_data_is_the_prior_and_bad_widths_are_refused() -> None:
    model = fit_feature_model([], ["a"], 2)
    assert np.allclose(model.effects("a"), 0.0)
    with pytest.raises(ValueError, match="2 features, not 3"):
        fit_feature_model([FeatureCounts("a", (1.0, 0.0), 3, 10)], ["a"], 3)
