"""The oracle: scores any plan as the channel draws, and no plan beats its best."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overture.sim import Plan, Simulation
from overture.sim.policies import localized_subjects


def test_no_plan_beats_the_oracle(world: Simulation) -> None:
    candidates = localized_subjects(world.scenario.subjects.candidates)
    day = world.send_day()
    best = world.oracle.best_rate(candidates, day=day)
    n = world.population.size

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.integers(0, 2**32 - 1))
    def check(seed: int) -> None:
        rng = np.random.default_rng(seed)
        plan = world.audience.plan(
            np.arange(n, dtype=np.int64),
            day,
            rng.integers(0, 24, n),
            candidates,
            rng.integers(0, len(candidates), n),
        )
        assert world.oracle.expected_rate(plan) <= best.rate + 1e-12

    check()
    usual = world.static_plan(0)
    assert world.oracle.expected_rate(usual) < best.rate
    # Fewer hours or fewer lines can only lower the best.
    assert world.oracle.best_rate(candidates[:2], hours=[10], day=day).rate <= best.rate


def test_the_expected_rate_is_what_the_channel_realizes(world: Simulation) -> None:
    plan = world.static_plan(0)
    expected = world.oracle.expected_rate(plan)
    sent = world.send(plan, "k")
    assert sent is not None
    assert sent.expected_human_open_rate == pytest.approx(expected, rel=0.01)
    delivered = int(sent.delivered.sum())
    se = np.sqrt(expected * (1 - expected) / delivered)
    assert abs(sent.human_open_rate - expected) < 4 * se


def test_a_past_send_is_scored_with_the_fatigue_its_recipients_carried_into_it(
    world: Simulation,
) -> None:
    first = world.static_plan(0)
    world.send(first, "week-0")
    plan = world.static_plan(1)
    sent = world.send(plan, "week-1")
    assert sent is not None
    carried = sent.load_of(plan.contacts)
    assert (carried > 0).all()  # last week's send still weighs on everyone
    delivered = sent.delivered
    then = world.oracle.open_probabilities(plan, carried)
    assert then[delivered] == pytest.approx(sent.open_probability[delivered], rel=0.01)
    # Scored after the fact without it, the send would count its own weight against itself.
    now = world.oracle.open_probabilities(plan)
    assert (now[delivered] <= then[delivered]).all()  # equal only at the chance's cap
    assert now[delivered].mean() < 0.97 * then[delivered].mean()
    with pytest.raises(KeyError, match="not recipients"):
        sent.load_of(np.array([world.population.size - 1, world.population.size], np.int64))


def test_best_plan_sends_at_the_chosen_local_hours(world: Simulation) -> None:
    day = world.send_day()
    best = world.oracle.best_rate(["Hello there", "5 tips for you"], hours=[9, 18], day=day)
    plan = best.plan
    assert plan.size == world.population.size
    assert set(plan.subject.tolist()) <= {0, 1}
    moments = plan.send_at
    assert (moments >= int(world.clock.now().timestamp())).all()
    assert (moments < int((world.clock.now() + timedelta(days=3)).timestamp())).all()
    assert world.oracle.expected_rate(plan) == pytest.approx(best.rate)


def test_the_oracle_needs_candidates_and_hours(world: Simulation) -> None:
    with pytest.raises(ValueError, match="at least one"):
        world.oracle.best_rate([], day=world.send_day())
    with pytest.raises(ValueError, match="at least one"):
        world.oracle.best_rate(["a"], hours=[], day=world.send_day())


def test_plans_of_invalid_addresses_only_expect_nothing(world: Simulation) -> None:
    invalid = np.flatnonzero(world.population.invalid).astype(np.int64)
    plan = Plan(
        invalid, np.full(invalid.size, 0, np.int64), ("Hi",), np.zeros(invalid.size, np.int64)
    )
    assert world.oracle.expected_rate(plan) == 0.0


def test_a_repeated_cycle_key_sends_nothing_again(world: Simulation) -> None:
    plan = world.static_plan(0)
    assert world.send(plan, "same") is not None
    assert world.send(plan, "same") is None
    assert len(world.truth.sends) == 1


def test_the_default_day_is_the_first_usual_send_day(world: Simulation) -> None:
    lines = ["Hello there", "5 tips for you"]
    assert (
        world.oracle.best_rate(lines).rate
        == world.oracle.best_rate(lines, day=world.send_day()).rate
    )
