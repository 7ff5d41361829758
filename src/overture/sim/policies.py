"""Sending policies for the outcome benchmark, and the registry they plug into.

A policy plans each weekly cycle (who gets the newsletter, at what local hour, with which
subject line) from what a sender could know: the public audience (ids, locales, time zones),
the copywriter's candidate lines, and the event feed of its own past sends. Two ship here:
``static`` does what the history did (one fixed instant, the usual generic lines) and ``oracle``
reads the hidden traits to pick each contact's best hour and line: the ceiling, not a strategy.
Other policies register with :func:`register_policy`; only those registered with
``ground_truth=True`` are handed the oracle.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from overture.exceptions import RegistryError
from overture.sim.behaviour import utc_for_local
from overture.sim.channel import EventTable
from overture.sim.oracle import Oracle, Plan
from overture.sim.population import Population
from overture.sim.scenario import History, LocalizedLine

__all__ = [
    "OUTCOME_POLICIES",
    "CycleContext",
    "OutcomePolicy",
    "PolicyEntry",
    "PolicySetup",
    "PublicAudience",
    "localized_subjects",
    "register_policy",
    "static_plan",
    "weekly_send_moment",
]

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class PublicAudience:
    """What a sender knows of its list: ids (as indexes), locales and time zones."""

    size: int
    locale: npt.NDArray[np.int8]
    """0 = en, 1 = fr."""
    region: npt.NDArray[np.int16]
    """Each contact's time-zone code, an index into ``time_zones``."""
    time_zones: tuple[str, ...]

    @classmethod
    def of(cls, population: Population) -> PublicAudience:
        return cls(population.size, population.locale, population.region, population.time_zones)

    def plan(
        self,
        contacts: I64,
        day: date,
        local_hour: npt.NDArray[np.float64] | npt.NDArray[np.int64],
        subjects: Sequence[str],
        subject: I64,
    ) -> Plan:
        """A plan sending on ``day`` at each contact's local hour."""
        hours = np.asarray(local_hour, dtype=np.float64)
        send_at = utc_for_local(self.time_zones, self.region[contacts], day, hours)
        return Plan(contacts, send_at, tuple(subjects), subject)


def localized_subjects(lines: Sequence[LocalizedLine]) -> tuple[str, ...]:
    """English lines then French lines: line ``j`` for locale ``k`` is ``j + k × len(lines)``."""
    return tuple(line.en for line in lines) + tuple(line.fr for line in lines)


def weekly_send_moment(history: History, monday: date) -> int:
    """Epoch seconds of the sender's fixed weekly send in the week starting ``monday``."""
    day = monday + timedelta(days=history.send_weekday)
    zone = ZoneInfo(history.send_time_zone)
    return int(datetime(day.year, day.month, day.day, history.send_hour, tzinfo=zone).timestamp())


def static_plan(
    audience: PublicAudience,
    history: History,
    generic: Sequence[LocalizedLine],
    contacts: I64,
    monday: date,
    week: int,
) -> Plan:
    """What the history did: one instant for everyone, the week's generic line in their language."""
    line = generic[week % len(generic)]
    moment = weekly_send_moment(history, monday)
    return Plan(
        contacts=contacts,
        send_at=np.full(contacts.shape[0], moment, np.int64),
        subjects=(line.en, line.fr),
        subject=audience.locale[contacts].astype(np.int64),
    )


@dataclass(frozen=True, eq=False)
class PolicySetup:
    """What a policy is built with. ``oracle`` is set only for ground-truth policies."""

    audience: PublicAudience
    history: History
    generic: tuple[LocalizedLine, ...]
    candidates: tuple[LocalizedLine, ...]
    rng: np.random.Generator
    oracle: Oracle | None = None


@dataclass(frozen=True, eq=False)
class CycleContext:
    """One weekly cycle: its number, its Monday, and who may be mailed (not suppressed)."""

    cycle: int
    monday: date
    contacts: I64


class OutcomePolicy(Protocol):
    """Plans each cycle; learns from the public event feed of its own sends."""

    def plan(self, context: CycleContext) -> Plan:
        """The cycle's send; an empty plan skips the cycle."""
        ...

    def observe(self, events: EventTable) -> None:
        """The feed of the cycle's send, once its events have matured."""
        ...


PolicyFactory = Callable[[PolicySetup], OutcomePolicy]


@dataclass(frozen=True)
class PolicyEntry:
    """A registered policy: how to build it, whether it reads the truth, what it does."""

    factory: PolicyFactory
    ground_truth: bool
    description: str


OUTCOME_POLICIES: dict[str, PolicyEntry] = {}
"""The outcome benchmark's policy registry, by name."""


def register_policy(
    name: str, factory: PolicyFactory, *, ground_truth: bool = False, description: str = ""
) -> None:
    """Add a policy to :data:`OUTCOME_POLICIES`; a name is registered once."""
    if name in OUTCOME_POLICIES:
        raise RegistryError(
            f"an outcome policy named '{name}' is already registered",
            "pick another name for the new policy",
        )
    OUTCOME_POLICIES[name] = PolicyEntry(factory, ground_truth, description)


class _Static:
    def __init__(self, setup: PolicySetup) -> None:
        self._setup = setup

    def plan(self, context: CycleContext) -> Plan:
        s = self._setup
        return static_plan(
            s.audience, s.history, s.generic, context.contacts, context.monday, context.cycle
        )

    def observe(self, events: EventTable) -> None:
        del events  # what the history did never changed with results


class _OracleBest:
    def __init__(self, setup: PolicySetup) -> None:
        if setup.oracle is None:
            raise RegistryError("the oracle policy needs the ground truth", "register it so")
        self._oracle = setup.oracle
        self._setup = setup

    def plan(self, context: CycleContext) -> Plan:
        day = context.monday + timedelta(days=self._setup.history.send_weekday)
        subjects = localized_subjects(self._setup.candidates)
        return self._oracle.best_rate(subjects, contacts=context.contacts, day=day).plan

    def observe(self, events: EventTable) -> None:
        del events  # it already knows everything


register_policy(
    "static",
    _Static,
    description="What the history did: a fixed weekly instant and the usual generic lines",
)
register_policy(
    "oracle",
    _OracleBest,
    ground_truth=True,
    description="Each contact's best hour and best candidate line, read from the hidden traits",
)
