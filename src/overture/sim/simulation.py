"""A whole simulated world in one object: scenario, population, clock, channel, truth, oracle.

Agents are handed ``channel`` (and the store built from the history files); benchmarks also
read ``truth`` and ``oracle``, the ground truth that agents never see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import numpy.typing as npt

from overture.clock import VirtualClock
from overture.sim.channel import EVENT_KINDS, SimulatedEmailChannel
from overture.sim.oracle import Oracle, Plan
from overture.sim.policies import PublicAudience, static_plan
from overture.sim.population import DEFAULT_START, Population, generate_population
from overture.sim.scenario import Scenario
from overture.sim.truth import GroundTruth, SendTruth

__all__ = ["Simulation"]

_WEEK = timedelta(days=7)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UNSUBSCRIBED = EVENT_KINDS.index("unsubscribed")
_COMPLAINED = EVENT_KINDS.index("complained")
_BOUNCED = EVENT_KINDS.index("bounced")


@dataclass(eq=False)
class Simulation:
    """Everything one simulated run needs. ``truth`` and ``oracle`` are for benchmarks only."""

    scenario: Scenario
    population: Population
    clock: VirtualClock
    channel: SimulatedEmailChannel
    truth: GroundTruth
    oracle: Oracle
    seed: int

    @classmethod
    def create(
        cls,
        scenario: Scenario,
        seed: int,
        *,
        contacts: int | None = None,
        start: datetime = DEFAULT_START,
    ) -> Simulation:
        """A fresh world: the same ``seed`` and scenario give the same population and events."""
        population_rng, channel_rng = (
            np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2)
        )
        population = generate_population(scenario, population_rng, contacts=contacts, as_of=start)
        clock = VirtualClock(start)
        truth = GroundTruth(population.size)
        channel = SimulatedEmailChannel(population, scenario, channel_rng, clock=clock, truth=truth)
        oracle = Oracle(population, scenario, truth)
        return cls(scenario, population, clock, channel, truth, oracle, seed)

    @property
    def audience(self) -> PublicAudience:
        return PublicAudience.of(self.population)

    @property
    def monday(self) -> date:
        """The Monday of the clock's current week (local to UTC)."""
        today = self.clock.now().date()
        return today - timedelta(days=today.weekday())

    def send_day(self) -> date:
        """The day of this week's fixed send."""
        return self.monday + timedelta(days=self.scenario.history.send_weekday)

    def static_plan(self, week: int, contacts: npt.NDArray[np.int64] | None = None) -> Plan:
        """This week's send as the history did it, to ``contacts`` (everyone mailable)."""
        chosen = self.mailable() if contacts is None else contacts
        s = self.scenario
        return static_plan(self.audience, s.history, s.subjects.generic, chosen, self.monday, week)

    def send(self, plan: Plan, key: str) -> SendTruth | None:
        """Send ``plan`` through the channel and let a week pass; the send's truth, if any."""
        sent = None
        if plan.size and not self.channel.send_batch(plan.batch(key, key)).duplicate:
            sent = self.truth.sends[-1]
        self.clock.advance(_WEEK)
        return sent

    def mailable(self) -> npt.NDArray[np.int64]:
        """Contacts not suppressed by the public feed (unsubscribed, complained, hard bounce)."""
        table = self.channel.event_table(_EPOCH, self.clock.now())
        gone = (table.kind == _UNSUBSCRIBED) | (table.kind == _COMPLAINED)
        gone |= (table.kind == _BOUNCED) & (table.bounce == 1)
        keep = np.ones(self.population.size, dtype=np.bool_)
        keep[table.contact[gone]] = False
        return np.flatnonzero(keep).astype(np.int64)
