"""Calibration: the simulator's headline figures, measured from what it emits and scores.

Each figure is measured, not read from the scenario: rates come from a send's events and truth
after a warm-up of weekly sends (so fatigue is at its steady state), lifts from the oracle's
scores of whole plans, and the fatigue figures from two copies of the same world, one mailed
weekly and one every other week.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta

import numpy as np

from overture.sim.channel import EVENT_KINDS
from overture.sim.oracle import Plan
from overture.sim.policies import localized_subjects
from overture.sim.population import DEFAULT_START
from overture.sim.scenario import Scenario
from overture.sim.simulation import Simulation

__all__ = ["Calibration", "measure_calibration"]

_OPENED = EVENT_KINDS.index("opened")
_BOUNCED = EVENT_KINDS.index("bounced")


@dataclass(frozen=True)
class Calibration:
    """Headline figures of one scenario, measured on one seeded world."""

    scenario: str
    contacts: int
    seed: int
    human_open_rate: float
    """Human opens per delivered message, usual send (truth)."""
    click_rate: float
    """Clicks per delivered message, usual send."""
    unsubscribe_rate: float
    """Unsubscribes per delivered message, usual send."""
    hard_bounce_rate: float
    """Hard bounces per message sent, first send to the whole list (from the feed)."""
    machine_open_share: float
    """Share of the feed's opens made by privacy proxies (user agent ``Mozilla/5.0``)."""
    send_time_lift: float
    """Expected: each contact's best hour with the usual line, against the usual send."""
    best_line_lift: float
    """Expected: the best candidate line sent to everyone, against the average candidate line."""
    subject_lift: float
    """Expected: each contact's best candidate line at the usual time, against the usual send."""
    oracle_lift: float
    """Expected: each contact's best hour and best candidate line, against the usual send."""
    less_often_rate_gain: float
    """Human-open rate per send, mailing every other week against weekly, relative."""
    less_often_opens_gain: float
    """Total human opens over the same weeks, every other week against weekly, relative."""
    less_often_unsubscribe_ratio: float
    """Unsubscribes over the same weeks, every other week divided by weekly."""

    def as_dict(self) -> dict[str, float | int | str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def measure_calibration(
    scenario: Scenario,
    *,
    seed: int = 0,
    contacts: int = 20_000,
    warmup_weeks: int = 8,
    fatigue_weeks: int = 8,
) -> Calibration:
    """Measure every headline figure of ``scenario`` on a world of ``contacts`` contacts."""
    sim = Simulation.create(scenario, seed, contacts=contacts)
    first = sim.static_plan(0)
    sim.send(first, "warmup-0")
    first_feed = sim.channel.event_table(DEFAULT_START, sim.clock.now())
    hard_bounces = int(((first_feed.kind == _BOUNCED) & (first_feed.bounce == 1)).sum())
    for week in range(1, warmup_weeks):
        sim.send(sim.static_plan(week), f"warmup-{week}")

    day = sim.send_day()
    usual = sim.static_plan(warmup_weeks)
    baseline = sim.oracle.expected_rate(usual)
    all_hours = sim.oracle.best_rate(usual.subjects, contacts=usual.contacts, day=day)
    # The usual line is per locale; keep each contact's own language when choosing the hour.
    timed = Plan(usual.contacts, all_hours.plan.send_at, usual.subjects, usual.subject)
    candidates = sim.scenario.subjects.candidates
    subjects = localized_subjects(candidates)
    locale = sim.population.locale[usual.contacts].astype(np.int64)
    line_rates = [
        sim.oracle.expected_rate(
            Plan(usual.contacts, usual.send_at, subjects, j + locale * len(candidates))
        )
        for j in range(len(candidates))
    ]
    best_subject = sim.oracle.best_rate(subjects, contacts=usual.contacts, day=day)
    subject_only = Plan(usual.contacts, usual.send_at, subjects, best_subject.plan.subject)
    # Score every plan before the measured send: sending changes the fatigue state.
    timed_rate = sim.oracle.expected_rate(timed)
    subject_rate = sim.oracle.expected_rate(subject_only)

    start = sim.clock.now()
    sent = sim.send(usual, "measured")
    assert sent is not None
    feed = sim.channel.event_table(start, sim.clock.now())
    opens = feed.kind == _OPENED
    machine = int((opens & (feed.agent == 0)).sum())
    delivered = max(int(sent.delivered.sum()), 1)

    weekly, fortnightly = _fatigue_pair(scenario, seed, contacts, warmup_weeks, fatigue_weeks)
    return Calibration(
        scenario=scenario.name,
        contacts=contacts,
        seed=seed,
        human_open_rate=int(sent.human_open.sum()) / delivered,
        click_rate=int(sent.clicked.sum()) / delivered,
        unsubscribe_rate=int(sent.unsubscribed.sum()) / delivered,
        hard_bounce_rate=hard_bounces / max(first.size, 1),
        machine_open_share=machine / max(int(opens.sum()), 1),
        send_time_lift=timed_rate / baseline - 1.0,
        best_line_lift=max(line_rates) / float(np.mean(line_rates)) - 1.0,
        subject_lift=subject_rate / baseline - 1.0,
        oracle_lift=best_subject.rate / baseline - 1.0,
        less_often_rate_gain=fortnightly[0] / weekly[0] - 1.0,
        less_often_opens_gain=fortnightly[1] / weekly[1] - 1.0,
        less_often_unsubscribe_ratio=fortnightly[2] / max(weekly[2], 1.0),
    )


def _fatigue_pair(
    scenario: Scenario, seed: int, contacts: int, warmup: int, weeks: int
) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """(rate per send, total human opens, unsubscribes) mailing weekly and every other week."""
    results: list[tuple[float, float, float]] = []
    for every in (1, 2):
        sim = Simulation.create(scenario, seed, contacts=contacts)
        for week in range(warmup):
            sim.send(sim.static_plan(week), f"warmup-{week}")
        opens = delivered = unsubscribes = 0
        for week in range(warmup, warmup + weeks):
            if (week - warmup) % every:
                sim.clock.advance(timedelta(days=7))
                continue
            sent = sim.send(sim.static_plan(week), f"week-{week}")
            assert sent is not None
            opens += int(sent.human_open.sum())
            delivered += int(sent.delivered.sum())
            unsubscribes += int(sent.unsubscribed.sum())
        results.append((opens / max(delivered, 1), float(opens), float(unsubscribes)))
    return results[0], results[1]
