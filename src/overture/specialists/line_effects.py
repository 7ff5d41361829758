"""What each feature of a subject line is worth in each segment, learned from every line tried.

One fit serves two specialists: the copywriter writes each segment's best line by it, and the
experimenter allocates each segment's sends by every line's chance of being the best there
(Thompson sampling on the same posterior). Reading the same model of the same counts, the line
written as a segment's best is the line its sends go to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from overture.specialists._facts import Results
from overture.specialists.copy_generator import TOPICS, LineSpec, supported_specs
from overture.stats import FeatureCounts, FeatureModel, fit_feature_model

__all__ = ["DRAWS", "FEATURE_NAMES", "chance_best", "fit_line_effects", "spec_vector"]

F64 = npt.NDArray[np.float64]

FEATURE_NAMES = ("personalized", "short", "long", "question", "number", "urgency", "emoji", *TOPICS)
"""The features the model learns an effect for (medium length and no topic are the reference)."""
DRAWS = 1000
"""Posterior draws behind each chance of being best (its Monte Carlo error is under 1.6 points)."""


def spec_vector(spec: LineSpec) -> tuple[float, ...]:
    """The spec's features as 0/1 in :data:`FEATURE_NAMES` order."""
    on = spec.features
    return tuple(1.0 if name in on else 0.0 for name in FEATURE_NAMES)


def fit_line_effects(
    specs: Mapping[str, LineSpec], results: Results, segments: Sequence[str]
) -> FeatureModel | None:
    """The feature model of human opens over every arm in ``specs`` that has results.

    None when there is nothing to learn from yet (no results for a known arm and segment).
    """
    counts = [
        FeatureCounts(segment, spec_vector(specs[arm]), opened, delivered)
        for arm, by_segment in sorted(results.items())
        if arm in specs
        for segment, (opened, delivered) in sorted(by_segment.items())
        if segment in segments
    ]
    if not counts or not segments:
        return None
    return fit_feature_model(counts, segments, len(FEATURE_NAMES))


def chance_best(
    model: FeatureModel,
    segment: str,
    vectors: F64,
    rng: np.random.Generator,
    draws: int = DRAWS,
) -> F64:
    """Each row of ``vectors``' posterior probability of being the best line in ``segment``.

    Ties within a draw (lines with the same features) share that draw's win.
    """
    scores = model.effect_draws(segment, rng, draws) @ vectors.T  # draws × lines
    best = scores.max(axis=1, keepdims=True)
    winners = np.isclose(scores, best, rtol=0.0, atol=1e-12)
    return (winners / winners.sum(axis=1, keepdims=True)).mean(axis=0)


def informative_specs(count: int, *, seed: int) -> list[LineSpec]:
    """``count`` supported specs whose features, side by side, tell their effects apart best.

    Greedy D-optimal design: each pick is the spec that most increases the determinant of the
    design's information matrix (intercept and :data:`FEATURE_NAMES`), that is the one least
    predictable from the specs already chosen; ties fall to a seeded shuffle. Lines chosen to
    cover features (one line with many of them) confound their effects; these do not, once
    ``count`` exceeds the number of features.
    """
    every = supported_specs()
    order = np.random.default_rng(seed).permutation(len(every))
    specs = [every[int(k)] for k in order]
    design = np.array([(1.0, *spec_vector(s)) for s in specs], dtype=np.float64)
    information = 1e-3 * np.eye(design.shape[1])
    chosen: list[int] = []
    for _ in range(min(count, len(specs))):
        # det(M + x x') = det(M) (1 + x' M^-1 x): the best pick maximizes x' M^-1 x.
        gain = np.einsum("ij,jk,ik->i", design, np.linalg.inv(information), design)
        gain[chosen] = -np.inf
        pick = int(np.argmax(gain))
        chosen.append(pick)
        information += np.outer(design[pick], design[pick])
    return [specs[k] for k in chosen]
