"""What each feature of a message is worth: a Bayesian logistic model of opens, per segment.

Every arm of a test is described by explicit features (personalized, short, a question, a
topic...). Instead of learning each arm alone, the model learns the features' effects from all
arms at once, so a line never sent can be scored before it is written:

    logit P(open) = intercept[segment] + features · (shared + deviation[segment])

with Gaussian priors: wide on the intercepts, ``shared_sd`` on the shared effects and a tighter
``segment_sd`` on each segment's deviation, which shrinks small segments toward everyone. The
posterior is its Laplace approximation (the mode, found by Newton's method through SciPy, and the
inverse Hessian there), so a Thompson draw of the effects is one multivariate normal draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from scipy.special import expit

__all__ = ["FeatureCounts", "FeatureModel", "fit_feature_model"]

F64 = npt.NDArray[np.float64]
_INTERCEPT_SD = 10.0


@dataclass(frozen=True)
class FeatureCounts:
    """Human openers out of delivered messages, for one arm in one segment."""

    segment: str
    features: tuple[float, ...]
    opened: int
    delivered: int


@dataclass(frozen=True, eq=False)
class FeatureModel:
    """The Laplace posterior of the effects: ``mean`` and ``covariance`` over all parameters."""

    segments: tuple[str, ...]
    width: int
    """Number of features."""
    mean: F64
    covariance: F64

    def _effects(self, params: F64, segment: str) -> F64:
        s, f = len(self.segments), self.width
        k = self.segments.index(segment)
        return params[..., s : s + f] + params[..., s + f * (k + 1) : s + f * (k + 2)]

    def effects(self, segment: str) -> F64:
        """Posterior mean log-odds effect of each feature in ``segment``."""
        return self._effects(self.mean, segment)

    def sample_effects(self, segment: str, rng: np.random.Generator) -> F64:
        """One Thompson draw of the feature effects in ``segment``."""
        return self.effect_draws(segment, rng, 1)[0]

    def effect_draws(self, segment: str, rng: np.random.Generator, draws: int) -> F64:
        """``draws`` posterior draws of the feature effects in ``segment``, one per row."""
        params = rng.multivariate_normal(self.mean, self.covariance, size=draws, method="cholesky")
        return self._effects(params, segment)

    def effect_sd(self, segment: str) -> F64:
        """Posterior standard deviation of each feature's effect in ``segment``."""
        s, f = len(self.segments), self.width
        k = self.segments.index(segment)
        shared = np.arange(s, s + f)
        own = np.arange(s + f * (k + 1), s + f * (k + 2))
        cov = self.covariance
        variance = (
            np.diag(cov)[shared] + np.diag(cov)[own] + 2 * cov[shared, own]
        )  # Var(a + b) = Var a + Var b + 2 Cov(a, b)
        return np.sqrt(np.maximum(variance, 0.0))


def fit_feature_model(
    counts: Sequence[FeatureCounts],
    segments: Sequence[str],
    width: int,
    *,
    shared_sd: float = 0.5,
    segment_sd: float = 0.2,
) -> FeatureModel:
    """Fit the model to ``counts``; segments without data keep their prior (the shared effects)."""
    names = tuple(segments)
    s, f = len(names), width
    size = s + f + s * f
    prior_sd = np.concatenate(
        [np.full(s, _INTERCEPT_SD), np.full(f, shared_sd), np.full(s * f, segment_sd)]
    )
    precision = 1.0 / prior_sd**2
    rows = [c for c in counts if c.delivered > 0 and c.segment in names]
    design = np.zeros((len(rows), size))
    for r, c in enumerate(rows):
        if len(c.features) != f:
            raise ValueError(
                f"arm in segment '{c.segment}' has {len(c.features)} features, not {f}"
            )
        k = names.index(c.segment)
        x = np.asarray(c.features, dtype=np.float64)
        design[r, k] = 1.0
        design[r, s : s + f] = x
        design[r, s + f * (k + 1) : s + f * (k + 2)] = x
    opened = np.array([c.opened for c in rows], dtype=np.float64)
    delivered = np.array([c.delivered for c in rows], dtype=np.float64)

    def objective(theta: F64) -> float:
        eta = design @ theta
        # Binomial log-likelihood in a form that cannot overflow: y*eta - n*log(1+e^eta).
        loglik = float(opened @ eta - delivered @ np.logaddexp(0.0, eta))
        return -loglik + 0.5 * float(precision @ theta**2)

    def gradient(theta: F64) -> F64:
        p = expit(design @ theta)
        return -(design.T @ (opened - delivered * p)) + precision * theta

    def hessian(theta: F64) -> F64:
        p = expit(design @ theta)
        weights = delivered * p * (1.0 - p)
        return (design.T * weights) @ design + np.diag(precision)

    start = np.zeros(size)
    if rows:
        rate = (opened.sum() + 1) / (delivered.sum() + 2)
        start[:s] = np.log(rate / (1 - rate))
    found = minimize(objective, start, jac=gradient, hess=hessian, method="trust-exact")
    mean = np.asarray(found.x, dtype=np.float64)
    covariance = np.linalg.inv(hessian(mean))
    covariance = (covariance + covariance.T) / 2  # exact symmetry for the normal draws
    return FeatureModel(names, f, mean, covariance)
