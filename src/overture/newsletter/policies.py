"""Baseline sending policies: what email services do today, for the newsletter benchmark.

Overture's newsletter objective is judged against three practices an email service (ESP)
offers out of the box. Each is an :class:`~overture.sim.policies.OutcomePolicy` for the
outcome benchmark (:func:`overture.sim.run_outcome`): it plans each weekly cycle from the
public audience (locales, time zones) and the scenario's lines, and learns only from the public
event feed of its own sends, never from the ground truth.

All three read opens **as the ESP reports them**: a contact counts as opened when the feed holds
any ``opened`` event for them, machine opens from mail privacy proxies included, over the
contacts with a ``delivered`` event (the "unique open rate" of an ESP dashboard). That is what
these practices do, and it is why a privacy proxy, which fetches every message whatever its
line or hour, blurs what they learn.

``ab_then_winner`` (:class:`ABThenWinner`)
    The common A/B practice. The first cycle is a 50/50 test of the scenario's first two
    candidate lines, each contact getting the line in their language, at the usual send moment.
    The line with the higher raw open rate wins (the first line on a tie) and goes to everyone,
    at the usual moment, in every later cycle.

``bandit`` (:class:`SubjectLineBandit`)
    Subject lines only. Every cycle, at the usual moment, the candidate lines share the list as
    :func:`overture.stats.thompson_allocation` says from each line's raw opens and deliveries so
    far (a line counts across both languages). Its burn-in splits evenly until every line has
    100 deliveries; its floor keeps 5% per line.

``send_time`` (:class:`SendTimeOptimizer`)
    Send time only, with the usual generic line of the week. The first cycle sends each contact
    at a random local hour from 8 to 21 on the usual weekday. Later cycles send each contact at
    the local hour with the best raw open rate in their time zone, a zone's rate at an hour
    being shrunk toward the rate of all contacts at that hour by 50 pseudo-sends (so a zone with
    few sends follows everyone); a random 10% of the contacts each cycle keep exploring at a
    random hour from 8 to 21. Every cycle's sends feed the counts.

:func:`register_baselines` adds the three to :data:`overture.sim.OUTCOME_POLICIES` (names
already there are left alone); importing this module registers nothing::

    from overture.newsletter.policies import register_baselines
    from overture.sim import run_outcome

    register_baselines()
    report = run_outcome(["default"], ["static", "ab_then_winner", "bandit", "send_time"], [0])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

import numpy as np
import numpy.typing as npt

from overture.exceptions import UsageError
from overture.sim.channel import EVENT_KINDS, EventTable
from overture.sim.oracle import Plan
from overture.sim.policies import (
    OUTCOME_POLICIES,
    CycleContext,
    OutcomePolicy,
    PolicySetup,
    localized_subjects,
    register_policy,
    weekly_send_moment,
)
from overture.stats import thompson_allocation

__all__ = [
    "BASELINE_POLICIES",
    "ABThenWinner",
    "SendTimeOptimizer",
    "SubjectLineBandit",
    "raw_open_counts",
    "register_baselines",
]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
_DELIVERED = EVENT_KINDS.index("delivered")
_OPENED = EVENT_KINDS.index("opened")
_Factory = Callable[[PolicySetup], OutcomePolicy]


def raw_open_counts(events: EventTable, group: I64, groups: int) -> tuple[I64, I64]:
    """Per group, the contacts with any open event (machine opens included) and the delivered.

    ``group`` gives each contact of the population its group in the send, -1 for contacts not
    in it; events of those are ignored. Each contact counts at most once per column.
    """
    if group.ndim != 1 or groups < 1:
        raise UsageError(
            "raw_open_counts needs one group per contact and at least one group",
            "pass an array the size of the population and the number of groups",
        )
    own = group[events.contact] >= 0
    opened = np.unique(events.contact[own & (events.kind == _OPENED)])
    delivered = np.unique(events.contact[own & (events.kind == _DELIVERED)])
    return (
        np.bincount(group[opened], minlength=groups).astype(np.int64),
        np.bincount(group[delivered], minlength=groups).astype(np.int64),
    )


def _split(count: int, shares: Sequence[float], rng: np.random.Generator) -> I64:
    """A random arm per recipient, with arm sizes as close to ``shares`` as whole numbers allow."""
    wanted = np.asarray(shares, dtype=np.float64) * count
    sizes = np.floor(wanted).astype(np.int64)
    # Largest remainders get the recipients left over, so the sizes add up to ``count``.
    short = count - int(sizes.sum())
    sizes[np.argsort(-(wanted - sizes), kind="stable")[:short]] += 1
    arms = np.repeat(np.arange(len(shares), dtype=np.int64), sizes)
    return rng.permutation(arms)


def _group_of(size: int, contacts: I64, groups: I64) -> I64:
    group = np.full(size, -1, np.int64)
    group[contacts] = groups
    return group


class ABThenWinner:
    """A 50/50 test of the first two candidate lines, then the raw-open winner to everyone."""

    def __init__(self, setup: PolicySetup) -> None:
        if len(setup.candidates) < 2:
            raise UsageError(
                "an A/B test needs two candidate lines",
                "give the scenario at least two [[subjects.candidates]]",
            )
        self._setup = setup
        self._lines = setup.candidates[:2]
        self._winner: int | None = None
        self._group = np.full(setup.audience.size, -1, np.int64)

    @property
    def winner(self) -> int | None:
        """The winning line (0 or 1, among the first two candidates); None while testing."""
        return self._winner

    def plan(self, context: CycleContext) -> Plan:
        s = self._setup
        contacts = context.contacts
        locale = s.audience.locale[contacts].astype(np.int64)
        moment = weekly_send_moment(s.history, context.monday)
        send_at = np.full(contacts.shape[0], moment, np.int64)
        if self._winner is None:
            arm = _split(contacts.shape[0], (0.5, 0.5), s.rng)
            self._group = _group_of(s.audience.size, contacts, arm)
            subjects = localized_subjects(self._lines)
            return Plan(contacts, send_at, subjects, arm + len(self._lines) * locale)
        line = self._lines[self._winner]
        return Plan(contacts, send_at, (line.en, line.fr), locale)

    def observe(self, events: EventTable) -> None:
        if self._winner is not None:
            return  # the test is over: the practice never revisits its winner
        opens, delivered = raw_open_counts(events, self._group, 2)
        rates = opens / np.maximum(delivered, 1)
        self._winner = int(np.argmax(rates))


class SubjectLineBandit:
    """Thompson sampling over the candidate lines on raw opens, at the usual send moment."""

    def __init__(self, setup: PolicySetup) -> None:
        self._setup = setup
        self._lines = setup.candidates
        count = len(self._lines)
        self._opens = np.zeros(count, np.int64)
        self._delivered = np.zeros(count, np.int64)
        self._shares: tuple[float, ...] = ()
        self._group = np.full(setup.audience.size, -1, np.int64)

    @property
    def counts(self) -> tuple[tuple[int, int], ...]:
        """Per candidate line, raw opens and deliveries so far."""
        return tuple(zip(self._opens.tolist(), self._delivered.tolist(), strict=True))

    @property
    def shares(self) -> tuple[float, ...]:
        """The share of the last cycle each line was given (empty before the first plan)."""
        return self._shares

    def plan(self, context: CycleContext) -> Plan:
        s = self._setup
        arms = {f"line {j}": (o, d) for j, (o, d) in enumerate(self.counts)}
        allocation = thompson_allocation(arms, s.rng)
        self._shares = tuple(allocation[name] for name in arms)
        contacts = context.contacts
        arm = _split(contacts.shape[0], self._shares, s.rng)
        self._group = _group_of(s.audience.size, contacts, arm)
        locale = s.audience.locale[contacts].astype(np.int64)
        moment = weekly_send_moment(s.history, context.monday)
        return Plan(
            contacts,
            np.full(contacts.shape[0], moment, np.int64),
            localized_subjects(self._lines),
            arm + len(self._lines) * locale,
        )

    def observe(self, events: EventTable) -> None:
        opens, delivered = raw_open_counts(events, self._group, len(self._lines))
        self._opens += opens
        self._delivered += delivered


class SendTimeOptimizer:
    """Each time zone's best local hour by raw opens, with a random exploration slice."""

    def __init__(
        self,
        setup: PolicySetup,
        *,
        hours: Sequence[int] = tuple(range(8, 22)),
        exploration: float = 0.1,
        prior_sends: float = 50.0,
    ) -> None:
        if not hours or any(not 0 <= h < 24 for h in hours) or len(set(hours)) != len(hours):
            raise UsageError(
                f"send hours must be distinct local hours from 0 to 23, got {list(hours)}",
                "pass hours such as range(8, 22)",
            )
        if not 0.0 <= exploration <= 1.0 or prior_sends < 0:
            raise UsageError(
                f"exploration {exploration} must lie in [0, 1] and prior_sends {prior_sends} "
                "must be 0 or more",
                "use e.g. exploration=0.1 and prior_sends=50",
            )
        self._setup = setup
        self._hours = np.asarray(hours, dtype=np.int64)
        self._exploration = exploration
        self._prior = prior_sends
        zones = len(setup.audience.time_zones)
        self._opens = np.zeros((zones, len(hours)), np.int64)
        self._delivered = np.zeros((zones, len(hours)), np.int64)
        self._group = np.full(setup.audience.size, -1, np.int64)
        self._explored = np.zeros(0, np.int64)

    @property
    def hours(self) -> I64:
        """The local hours this policy sends at."""
        return self._hours.copy()

    @property
    def explored(self) -> I64:
        """The contacts of the last cycle sent at a random hour (everyone in the first cycle)."""
        return self._explored.copy()

    @property
    def counts(self) -> tuple[I64, I64]:
        """Raw opens and deliveries so far, by time zone (rows) and hour (columns)."""
        return self._opens.copy(), self._delivered.copy()

    def rates(self) -> F64:
        """Each zone's raw open rate at each hour, shrunk toward all contacts' rate at it."""
        opens, delivered = self._opens.astype(np.float64), self._delivered.astype(np.float64)
        k = self._prior
        overall = opens.sum() / max(delivered.sum(), 1.0)
        # Two levels: an hour with few sends overall leans on the overall rate, a zone with
        # few sends at an hour leans on that hour's rate over every zone.
        by_hour = (opens.sum(axis=0) + k * overall) / np.maximum(delivered.sum(axis=0) + k, 1.0)
        return (opens + k * by_hour) / np.maximum(delivered + k, 1.0)

    def best_hours(self) -> I64:
        """Each time zone's best local hour so far (the earliest one on a tie)."""
        return self._hours[np.argmax(self.rates(), axis=1)]

    def plan(self, context: CycleContext) -> Plan:
        s = self._setup
        contacts = context.contacts
        n = contacts.shape[0]
        if self._delivered.sum() == 0:
            explore = np.arange(n, dtype=np.int64)
        else:
            size = round(self._exploration * n)
            explore = np.sort(s.rng.choice(n, size=size, replace=False)).astype(np.int64)
        slot = np.argmax(self.rates(), axis=1)[s.audience.region[contacts]].astype(np.int64)
        slot[explore] = s.rng.integers(0, self._hours.shape[0], explore.shape[0])
        self._explored = contacts[explore]
        zone = s.audience.region[contacts].astype(np.int64)
        self._group = _group_of(s.audience.size, contacts, zone * self._hours.shape[0] + slot)
        line = s.generic[context.cycle % len(s.generic)]
        day = context.monday + timedelta(days=s.history.send_weekday)
        locale = s.audience.locale[contacts].astype(np.int64)
        return s.audience.plan(contacts, day, self._hours[slot], (line.en, line.fr), locale)

    def observe(self, events: EventTable) -> None:
        shape = self._opens.shape
        opens, delivered = raw_open_counts(events, self._group, shape[0] * shape[1])
        self._opens += opens.reshape(shape)
        self._delivered += delivered.reshape(shape)


BASELINE_POLICIES: dict[str, tuple[_Factory, str]] = {
    "ab_then_winner": (
        ABThenWinner,
        "ESP practice: a 50/50 test of two lines in cycle 0, then the winner by raw opens "
        "(machine opens included) to everyone at the usual moment",
    ),
    "bandit": (
        SubjectLineBandit,
        "Thompson sampling over the candidate lines on raw opens, at the usual moment",
    ),
    "send_time": (
        SendTimeOptimizer,
        "The usual line at each time zone's best local hour by raw opens (shrunk toward all "
        "contacts), after a random-hour first cycle; 10% keep exploring",
    ),
}
"""The baselines by benchmark name: factory and description."""


def register_baselines() -> None:
    """Register the baselines with the outcome benchmark; names already registered are kept."""
    for name, (factory, description) in BASELINE_POLICIES.items():
        if name not in OUTCOME_POLICIES:
            register_policy(name, factory, description=description)
