"""Confidence sequences: time-uniform coverage by simulation, Fieller lift bounds, decisions."""

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import special, stats

from overture.exceptions import UsageError
from overture.stats import (
    LiftInterval,
    difference_confidence_sequence,
    lift_confidence_sequence,
    normal_mixture_multiplier,
    wald_difference_interval,
)

ALPHA = 0.05
STREAMS = 400
# Two binomial standard deviations of a miss rate of alpha over STREAMS streams.
SLACK = 2 * math.sqrt(ALPHA * (1 - ALPHA) / STREAMS)

Rule = Callable[[int, int, int, int], LiftInterval]


def _miss_rates(
    treated_rate: float,
    control_rate: float,
    treated_share: float,
    rules: dict[str, tuple[Rule, float]],
    *,
    seed: int,
    recipients: int = 5000,
    looks: int = 40,
) -> dict[str, float]:
    """Share of simulated streams in which the truth ever leaves each rule's interval.

    Each stream assigns ``recipients`` one by one at random (``treated_share`` to treatment)
    and every rule is read at ``looks`` looks spaced geometrically from 20 recipients on.
    """
    rng = np.random.default_rng(seed)
    treated = rng.random((STREAMS, recipients)) < treated_share
    success = rng.random((STREAMS, recipients)) < np.where(treated, treated_rate, control_rate)
    ts = np.cumsum(treated & success, axis=1)
    tn = np.cumsum(treated, axis=1)
    cs = np.cumsum(~treated & success, axis=1)
    cn = np.cumsum(~treated, axis=1)
    at = np.unique(np.geomspace(20, recipients, looks).astype(int)) - 1
    missed = dict.fromkeys(rules, 0)
    for stream in range(STREAMS):
        for name, (rule, truth) in rules.items():
            for k in at:
                counts = (int(ts[stream, k]), int(tn[stream, k]), int(cs[stream, k]))
                if truth not in rule(*counts, int(cn[stream, k])):
                    missed[name] += 1
                    break
    return {name: count / STREAMS for name, count in missed.items()}


def _wald_at_the_end(recipients: int) -> Rule:
    """The Wald interval read once, at the planned size; earlier looks are not read."""

    def rule(ts: int, tn: int, cs: int, cn: int) -> LiftInterval:
        if tn + cn < recipients:
            return LiftInterval(0.0, -1.0, 1.0, relative=False, alpha=ALPHA, anytime_valid=False)
        return wald_difference_interval(ts, tn, cs, cn)

    return rule


def test_aa_streams_stay_covered_while_peeked_wald_does_not() -> None:
    rates = _miss_rates(
        0.2,
        0.2,
        0.5,
        {
            "difference": (difference_confidence_sequence, 0.0),
            "lift": (lift_confidence_sequence, 0.0),
            "wald_peeked": (wald_difference_interval, 0.0),
            "wald_once": (_wald_at_the_end(5000), 0.0),
        },
        seed=2021,
    )
    assert rates["difference"] <= ALPHA + SLACK
    assert rates["lift"] <= ALPHA + SLACK
    # Read once, Wald is honest; read at every look, it is not.
    assert rates["wald_once"] <= ALPHA + SLACK
    assert rates["wald_peeked"] > ALPHA + SLACK
    assert rates["wald_peeked"] > 3 * rates["difference"]


def test_ab_streams_with_a_small_holdout_stay_covered() -> None:
    # Treatment lifts the rate by 20% and holds 90% of recipients, as with a 10% holdout.
    rates = _miss_rates(
        0.24,
        0.2,
        0.9,
        {
            "difference": (difference_confidence_sequence, 0.24 - 0.2),
            "lift": (lift_confidence_sequence, 0.24 / 0.2 - 1),
            "wald_peeked": (wald_difference_interval, 0.24 - 0.2),
        },
        seed=2017,
    )
    assert rates["difference"] <= ALPHA + SLACK
    assert rates["lift"] <= ALPHA + SLACK
    assert rates["wald_peeked"] > ALPHA + SLACK


def test_multiplier_is_the_normal_mixture_boundary() -> None:
    horizon, t = 2000, 500
    x = -special.lambertw(-(ALPHA**2) / math.e, k=-1).real - 1
    rho2 = x / horizon
    scaled = t * rho2
    expected = math.sqrt(2 * (scaled + 1) / scaled * math.log(math.sqrt(scaled + 1) / ALPHA))
    assert normal_mixture_multiplier(t, ALPHA, horizon) == pytest.approx(expected, rel=1e-12)
    # Reading at every look costs more than the fixed-horizon 1.96.
    assert normal_mixture_multiplier(t, ALPHA, horizon) > stats.norm.ppf(1 - ALPHA / 2)


@given(st.integers(min_value=10, max_value=10**7), st.floats(min_value=0.1, max_value=10.0))
def test_sequence_is_narrowest_at_its_horizon(horizon: int, factor: float) -> None:
    other = max(1, round(horizon * factor))
    at_horizon = normal_mixture_multiplier(horizon, ALPHA, horizon)
    assert at_horizon <= normal_mixture_multiplier(horizon, ALPHA, other) + 1e-9


def test_difference_sequence_matches_hand_computation() -> None:
    result = difference_confidence_sequence(240, 1000, 200, 1000, horizon=5000)
    smoothed_t, smoothed_c = 240.5 / 1001, 200.5 / 1001
    se = math.sqrt(smoothed_t * (1 - smoothed_t) / 1000 + smoothed_c * (1 - smoothed_c) / 1000)
    half = normal_mixture_multiplier(2000, ALPHA, 5000) * se
    assert result.estimate == pytest.approx(0.04)
    assert result.lower == pytest.approx(0.04 - half)
    assert result.upper == pytest.approx(0.04 + half)
    assert result.anytime_valid
    assert not result.relative


def test_wald_matches_hand_computation() -> None:
    result = wald_difference_interval(240, 1000, 200, 1000, alpha=0.1)
    smoothed_t, smoothed_c = 240.5 / 1001, 200.5 / 1001
    se = math.sqrt(smoothed_t * (1 - smoothed_t) / 1000 + smoothed_c * (1 - smoothed_c) / 1000)
    assert result.upper - result.estimate == pytest.approx(1.6448536269514722 * se)
    assert not result.anytime_valid


def test_lift_bounds_solve_fieller_quadratic() -> None:
    ts, tn, cs, cn = 2400, 10_000, 2000, 10_000
    result = lift_confidence_sequence(ts, tn, cs, cn)
    m = normal_mixture_multiplier(tn + cn)
    vt = (ts + 0.5) / (tn + 1) * (1 - (ts + 0.5) / (tn + 1)) / tn
    vc = (cs + 0.5) / (cn + 1) * (1 - (cs + 0.5) / (cn + 1)) / cn
    for bound in (result.lower, result.upper):
        ratio = 1 + bound
        # At each bound the contrast sits exactly on the edge of its own sequence.
        contrast = ts / tn - ratio * cs / cn
        assert abs(contrast) == pytest.approx(m * math.sqrt(vt + ratio**2 * vc), rel=1e-9)
    assert result.estimate == pytest.approx(0.2)
    assert result.lower < 0.2 < result.upper
    # A ratio's interval leans upward: further above the estimate than below it.
    assert result.upper - 0.2 > 0.2 - result.lower


def test_conductor_decisions() -> None:
    # A 20% lift measured on 20,000 recipients per arm: a 10% target is reached...
    strong = lift_confidence_sequence(4800, 20_000, 4000, 20_000)
    assert strong.clears(0.1)
    assert not strong.falls_short_of(0.1)
    # ...and a 40% target is out of reach.
    assert strong.falls_short_of(0.4)
    # Early on neither can be said.
    early = lift_confidence_sequence(48, 200, 40, 200)
    assert not early.clears(0.1)
    assert not early.falls_short_of(0.1)


@pytest.mark.parametrize("rule", [difference_confidence_sequence, wald_difference_interval])
def test_no_trials_in_an_arm_says_nothing(rule: Rule) -> None:
    result = rule(5, 10, 0, 0)
    assert (result.lower, result.upper) == (-1.0, 1.0)


def test_no_trials_lift_is_unbounded() -> None:
    result = lift_confidence_sequence(0, 0, 3, 10)
    assert (result.estimate, result.lower, result.upper) == (0.0, -1.0, math.inf)


@pytest.mark.parametrize(
    ("counts", "estimate"), [((5, 100, 0, 100), math.inf), ((0, 100, 0, 100), 0.0)]
)
def test_no_control_successes_gives_an_unbounded_lift(
    counts: tuple[int, int, int, int], estimate: float
) -> None:
    result = lift_confidence_sequence(*counts)
    assert (result.estimate, result.lower, result.upper) == (estimate, -1.0, math.inf)
    assert estimate in result


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: difference_confidence_sequence(5, 4, 1, 10), "treated arm"),
        (lambda: lift_confidence_sequence(1, 10, -1, 10), "control arm"),
        (lambda: wald_difference_interval(1, 10, 1, 10, alpha=0), "alpha"),
        (lambda: lift_confidence_sequence(1, 10, 1, 10, alpha=1.5), "alpha"),
        (lambda: normal_mixture_multiplier(0), "at least 1"),
        (lambda: difference_confidence_sequence(1, 10, 1, 10, horizon=0), "at least 1"),
    ],
)
def test_rejects_bad_input(call: Callable[[], object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        call()


def _arm(max_trials: int = 50_000) -> st.SearchStrategy[tuple[int, int]]:
    return st.integers(min_value=1, max_value=max_trials).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
    )


@given(_arm(), _arm(), st.sampled_from([0.01, 0.05, 0.2]))
def test_intervals_contain_their_estimate(
    treated: tuple[int, int], control: tuple[int, int], alpha: float
) -> None:
    for rule in (difference_confidence_sequence, wald_difference_interval):
        result = rule(*treated, *control, alpha)
        assert -1.0 <= result.lower <= result.estimate <= result.upper <= 1.0
    lift = lift_confidence_sequence(*treated, *control, alpha)
    assert -1.0 <= lift.lower <= lift.estimate <= lift.upper
    assert lift.relative


@given(_arm(), _arm())
def test_lift_excludes_no_change_exactly_when_difference_does(
    treated: tuple[int, int], control: tuple[int, int]
) -> None:
    lift = lift_confidence_sequence(*treated, *control)
    assume(math.isfinite(lift.upper))
    difference = difference_confidence_sequence(*treated, *control)
    # Fieller at lift 0 is the difference's own sequence: the two judgements agree.
    assume(min(abs(difference.lower), abs(difference.upper)) > 1e-9)
    assert (0.0 in lift) == (0.0 in difference)


@given(_arm(5000), _arm(5000), st.integers(min_value=2, max_value=20))
def test_more_data_at_the_same_rates_narrows_the_sequence(
    treated: tuple[int, int], control: tuple[int, int], factor: int
) -> None:
    small = difference_confidence_sequence(*treated, *control, horizon=1000)
    large = difference_confidence_sequence(
        treated[0] * factor,
        treated[1] * factor,
        control[0] * factor,
        control[1] * factor,
        horizon=1000,
    )
    assert large.upper - large.lower <= small.upper - small.lower + 1e-12
