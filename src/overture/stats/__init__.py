"""Pure statistics for experiments and for judging objectives.

Intervals for a rate, beta-binomial posteriors and Thompson allocation, anytime-valid
confidence sequences for treatment against holdout, a per-person lift adjusted for the
pre-period, power and sample size, false discovery control, sample ratio mismatch, and
empirical-Bayes shrinkage. Everything here is a pure function or a frozen dataclass;
randomness comes only from a ``numpy.random.Generator`` passed in.
"""

from overture.stats.adjusted import adjusted_lift_interval, bonferroni_z
from overture.stats.beta_binomial import BetaPosterior, expected_loss, probability_best
from overture.stats.confidence_sequences import (
    LiftInterval,
    difference_confidence_sequence,
    lift_confidence_sequence,
    normal_mixture_multiplier,
    wald_difference_interval,
)
from overture.stats.feature_model import FeatureCounts, FeatureModel, fit_feature_model
from overture.stats.intervals import Interval, wilson_interval
from overture.stats.multiple_testing import benjamini_hochberg, benjamini_yekutieli
from overture.stats.power import (
    minimum_detectable_effect,
    power_two_proportions,
    sample_size_two_proportions,
)
from overture.stats.sample_ratio import SRMResult, sample_ratio_mismatch
from overture.stats.shrinkage import estimate_prior_strength, shrink_rates
from overture.stats.thompson import thompson_allocation

__all__ = [
    "BetaPosterior",
    "FeatureCounts",
    "FeatureModel",
    "Interval",
    "LiftInterval",
    "SRMResult",
    "adjusted_lift_interval",
    "benjamini_hochberg",
    "benjamini_yekutieli",
    "bonferroni_z",
    "difference_confidence_sequence",
    "estimate_prior_strength",
    "expected_loss",
    "fit_feature_model",
    "lift_confidence_sequence",
    "minimum_detectable_effect",
    "normal_mixture_multiplier",
    "power_two_proportions",
    "probability_best",
    "sample_ratio_mismatch",
    "sample_size_two_proportions",
    "shrink_rates",
    "thompson_allocation",
    "wald_difference_interval",
    "wilson_interval",
]
