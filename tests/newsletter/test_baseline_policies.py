"""The ESP baselines: A/B then winner, a subject-line bandit, send-time optimization."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import pytest

from overture.exceptions import UsageError
from overture.newsletter import policies
from overture.newsletter.policies import (
    BASELINE_POLICIES,
    ABThenWinner,
    SendTimeOptimizer,
    SubjectLineBandit,
    raw_open_counts,
    register_baselines,
)
from overture.sim import (
    OUTCOME_POLICIES,
    CycleContext,
    EventTable,
    OutcomePolicy,
    OutcomeReport,
    Plan,
    PolicySetup,
    PublicAudience,
    Scenario,
    load_scenario,
    run_outcome,
)
from overture.sim.behaviour import utc_for_local
from overture.sim.channel import EVENT_KINDS
from overture.sim.policies import PolicyEntry, localized_subjects, weekly_send_moment

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
CONTACTS = 3_000
CYCLES = 3
WARMUP = 2
_DELIVERED = EVENT_KINDS.index("delivered")
_OPENED = EVENT_KINDS.index("opened")
_MACHINE_AGENT = 0  # the privacy proxy's "Mozilla/5.0" in the simulated feed


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario("default")


@pytest.fixture
def clean_registry() -> Iterator[None]:
    saved = dict(OUTCOME_POLICIES)
    yield
    OUTCOME_POLICIES.clear()
    OUTCOME_POLICIES.update(saved)


@dataclass
class Recorded:
    """What a policy planned and saw, cycle by cycle, through the real benchmark harness."""

    inner: OutcomePolicy
    contexts: list[CycleContext] = field(default_factory=list[CycleContext])
    plans: list[Plan] = field(default_factory=list[Plan])
    events: list[EventTable] = field(default_factory=list[EventTable])
    before: list[I64] = field(default_factory=list[I64])
    """For the send-time policy: its best hours when it planned each cycle."""

    def plan(self, context: CycleContext) -> Plan:
        if isinstance(self.inner, SendTimeOptimizer):
            self.before.append(self.inner.best_hours())
        plan = self.inner.plan(context)
        self.contexts.append(context)
        self.plans.append(plan)
        return plan

    def observe(self, events: EventTable) -> None:
        self.events.append(events)
        self.inner.observe(events)


Runner = Callable[[str], tuple[OutcomeReport, Recorded, PolicySetup]]


@pytest.fixture
def recorded(clean_registry: None) -> Runner:
    def run(name: str) -> tuple[OutcomeReport, Recorded, PolicySetup]:
        factory = BASELINE_POLICIES[name][0]
        made: list[tuple[Recorded, PolicySetup]] = []

        def build(setup: PolicySetup) -> Recorded:
            made.append((Recorded(factory(setup)), setup))
            return made[-1][0]

        OUTCOME_POLICIES[f"recorded-{name}"] = PolicyEntry(build, False, "")
        report = run_outcome(
            ["default"],
            [f"recorded-{name}"],
            [0],
            contacts=CONTACTS,
            cycles=CYCLES,
            warmup_weeks=WARMUP,
        )
        return report, *made[0]

    return run


def _raw_rates(events: EventTable, contacts: I64, arm: I64, arms: int) -> tuple[list[int], ...]:
    """Opens and deliveries per arm, counted plainly: any open event counts, once a contact."""
    arm_of = dict(zip(contacts.tolist(), arm.tolist(), strict=True))
    opened: set[int] = set()
    delivered: set[int] = set()
    for kind, contact in zip(events.kind.tolist(), events.contact.tolist(), strict=True):
        if contact in arm_of:
            if kind == _OPENED:
                opened.add(contact)
            elif kind == _DELIVERED:
                delivered.add(contact)
    opens, sends = [0] * arms, [0] * arms
    for contact in opened:
        opens[arm_of[contact]] += 1
    for contact in delivered:
        sends[arm_of[contact]] += 1
    return opens, sends


def _local_hours(setup: PolicySetup, plan: Plan, day: date) -> npt.NDArray[np.float64]:
    audience = setup.audience
    zeros = np.zeros(plan.size, dtype=np.float64)
    midnight = utc_for_local(audience.time_zones, audience.region[plan.contacts], day, zeros)
    return (plan.send_at - midnight) / 3600.0


# Registration ------------------------------------------------------------------------------


def test_importing_registers_nothing(clean_registry: None) -> None:
    for name in BASELINE_POLICIES:
        OUTCOME_POLICIES.pop(name, None)
    before = dict(OUTCOME_POLICIES)
    spec = importlib.util.spec_from_file_location("fresh_policies", policies.__file__)
    assert spec is not None and spec.loader is not None
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    assert before == OUTCOME_POLICIES


def test_register_baselines_is_idempotent_and_keeps_existing(clean_registry: None) -> None:
    for name in BASELINE_POLICIES:
        OUTCOME_POLICIES.pop(name, None)
    mine = PolicyEntry(ABThenWinner, False, "someone else's bandit")
    OUTCOME_POLICIES["bandit"] = mine
    register_baselines()
    register_baselines()
    assert OUTCOME_POLICIES["bandit"] is mine
    ab, timing = OUTCOME_POLICIES["ab_then_winner"], OUTCOME_POLICIES["send_time"]
    assert ab.factory is ABThenWinner and timing.factory is SendTimeOptimizer
    assert not ab.ground_truth and not timing.ground_truth
    assert "raw opens" in ab.description and "hour" in timing.description
    del OUTCOME_POLICIES["bandit"]
    register_baselines()
    assert OUTCOME_POLICIES["bandit"].factory is SubjectLineBandit


def test_baselines_are_deterministic_for_a_seed(clean_registry: None) -> None:
    register_baselines()
    names = list(BASELINE_POLICIES)

    def run(seed: int) -> OutcomeReport:
        return run_outcome(
            ["default"], names, [seed], contacts=CONTACTS, cycles=CYCLES, warmup_weeks=WARMUP
        )

    first, again, other = run(0), run(0), run(1)
    assert first.model_dump() == again.model_dump()
    assert [r.rates for r in first.runs] != [r.rates for r in other.runs]
    assert all(r.sends > 0.9 * CONTACTS * CYCLES for r in first.runs)


# A/B test, then the winner ------------------------------------------------------------------


def test_ab_then_winner_tests_two_lines_then_sends_the_raw_open_winner(
    recorded: Runner, scenario: Scenario
) -> None:
    report, rec, setup = recorded("ab_then_winner")
    assert report.runs[0].sends > 0
    test, *after = rec.plans
    lines = scenario.subjects.candidates[:2]
    locale = setup.audience.locale.astype(np.int64)
    assert test.subjects == localized_subjects(lines)
    arm = test.subject % 2
    assert np.array_equal(test.subject // 2, locale[test.contacts])  # each in their language
    assert abs(int((arm == 0).sum()) - int((arm == 1).sum())) <= 1
    assert np.array_equal(test.contacts, rec.contexts[0].contacts)
    assert set(test.send_at.tolist()) == {weekly_send_moment(setup.history, rec.contexts[0].monday)}

    opens, sends = _raw_rates(rec.events[0], test.contacts, arm, 2)
    rates = [o / s for o, s in zip(opens, sends, strict=True)]
    winner = int(np.argmax(rates))
    assert rates[winner] > rates[1 - winner] and opens[winner] > opens[1 - winner]
    assert isinstance(rec.inner, ABThenWinner) and rec.inner.winner == winner

    for plan, context in zip(after, rec.contexts[1:], strict=True):
        assert plan.subjects == (lines[winner].en, lines[winner].fr)
        assert np.array_equal(plan.contacts, context.contacts)  # everyone mailable
        assert np.array_equal(plan.subject, locale[plan.contacts])
        assert set(plan.send_at.tolist()) == {weekly_send_moment(setup.history, context.monday)}


def test_ab_counts_machine_opens_as_the_esp_reports_them(scenario: Scenario) -> None:
    setup = _setup(scenario, size=400)
    policy = ABThenWinner(setup)
    assert policy.winner is None
    plan = policy.plan(_context(setup))
    arm = plan.subject % 2
    line0, line1 = plan.contacts[arm == 0], plan.contacts[arm == 1]
    # Line 0: only privacy-proxy fetches, for 60% of its recipients; line 1: 30% human opens.
    proxied = line0[: int(0.6 * line0.shape[0])]
    humans = line1[: int(0.3 * line1.shape[0])]
    events = _table(
        delivered=plan.contacts,
        opened=np.concatenate([proxied, humans]),
        agents=np.concatenate(
            [np.full(proxied.shape[0], _MACHINE_AGENT), np.full(humans.shape[0], 3)]
        ),
    )
    policy.observe(events)
    assert policy.winner == 0
    policy.observe(_table(delivered=plan.contacts, opened=humans, agents=None))
    assert policy.winner == 0  # the practice never revisits its winner


# Thompson sampling over the lines ---------------------------------------------------------


def test_bandit_moves_toward_the_line_with_more_raw_opens(
    recorded: Runner, scenario: Scenario
) -> None:
    _, rec, setup = recorded("bandit")
    lines = scenario.subjects.candidates
    count = len(lines)
    assert isinstance(rec.inner, SubjectLineBandit)
    locale = setup.audience.locale.astype(np.int64)
    totals = np.zeros((count, 2), np.int64)
    sizes: list[I64] = []
    for plan, context, events in zip(rec.plans, rec.contexts, rec.events, strict=True):
        assert plan.subjects == localized_subjects(lines)
        assert np.array_equal(plan.subject // count, locale[plan.contacts])
        assert set(plan.send_at.tolist()) == {weekly_send_moment(setup.history, context.monday)}
        arm = plan.subject % count
        sizes.append(np.bincount(arm, minlength=count))
        opens, sends = _raw_rates(events, plan.contacts, arm, count)
        totals += np.array([opens, sends]).T
    assert rec.inner.counts == tuple((int(o), int(s)) for o, s in totals)

    first, second = sizes[0], sizes[1]
    assert first.max() - first.min() <= 1  # nothing known yet: an even split
    test = rec.plans[0]
    opens, sends = _raw_rates(rec.events[0], test.contacts, test.subject % count, count)
    best = int(np.argmax(np.array(opens) / np.array(sends)))
    assert second[best] > first[best] and second[best] == second.max()
    assert second[best] / second.sum() > 1.5 / count
    assert rec.inner.shares and len(rec.inner.shares) == count
    assert abs(sum(rec.inner.shares) - 1.0) < 1e-9 and min(rec.inner.shares) >= 0.05 - 1e-9


def test_bandit_follows_raw_opens_machine_opens_included(scenario: Scenario) -> None:
    setup = _setup(scenario, size=3_000)
    bandit = SubjectLineBandit(setup)
    count = len(scenario.subjects.candidates)
    assert bandit.shares == ()
    plan = bandit.plan(_context(setup))
    assert bandit.shares == tuple([1.0 / count] * count)
    arm = plan.subject % count
    lucky = plan.contacts[arm == 2]
    others = plan.contacts[(arm != 2) & (plan.contacts % 10 == 0)]
    opened = np.concatenate([lucky, others])
    agents = np.full(opened.shape[0], _MACHINE_AGENT)
    bandit.observe(_table(delivered=plan.contacts, opened=opened, agents=agents))
    bandit.plan(_context(setup))
    shares = bandit.shares
    assert shares[2] == pytest.approx(1 - 0.05 * (count - 1))
    assert all(s == pytest.approx(0.05) for j, s in enumerate(shares) if j != 2)


# Send time ----------------------------------------------------------------------------------


def test_send_time_explores_then_follows_each_zones_best_hour(
    recorded: Runner, scenario: Scenario
) -> None:
    _, rec, setup = recorded("send_time")
    policy = rec.inner
    assert isinstance(policy, SendTimeOptimizer)
    hours = list(range(8, 22))
    zones = len(setup.audience.time_zones)
    region = setup.audience.region.astype(np.int64)
    opens = np.zeros((zones, len(hours)))
    sends = np.zeros((zones, len(hours)))
    for cycle, (plan, context, events) in enumerate(
        zip(rec.plans, rec.contexts, rec.events, strict=True)
    ):
        line = scenario.subjects.generic[context.cycle % len(scenario.subjects.generic)]
        assert plan.subjects == (line.en, line.fr)
        day = context.monday + timedelta(days=setup.history.send_weekday)
        local = _local_hours(setup, plan, day)
        assert np.array_equal(local, np.round(local)) and set(local.tolist()) <= set(hours)
        if cycle == 0:
            assert set(local.tolist()) == set(hours)  # a random hour for each contact
        else:
            # The best hours the policy used are those of the raw feed so far, shrunk.
            expected = _shrunk_best(opens, sends, hours)
            assert np.array_equal(rec.before[cycle], expected)
            best = expected[region[plan.contacts]]
            off = local != best
            assert off.mean() <= 0.1 + 1e-9
            assert off.mean() > 0.05  # the exploration slice, minus those that drew the best
        slot = local.astype(np.int64) - 8
        arm = region[plan.contacts] * len(hours) + slot
        o, s = _raw_rates(events, plan.contacts, arm, opens.size)
        opens += np.array(o).reshape(opens.shape)
        sends += np.array(s).reshape(sends.shape)
    last = rec.plans[-1]
    assert policy.explored.shape[0] == round(0.1 * last.size)
    outside = np.setdiff1d(last.contacts, policy.explored)
    keep = np.isin(last.contacts, outside)
    day = rec.contexts[-1].monday + timedelta(days=setup.history.send_weekday)
    best = rec.before[-1][region[last.contacts]]
    assert np.array_equal(_local_hours(setup, last, day)[keep], best[keep])
    counted_opens, counted_sends = policy.counts
    assert np.array_equal(counted_opens, opens) and np.array_equal(counted_sends, sends)


def _shrunk_best(
    opens: npt.NDArray[np.float64], sends: npt.NDArray[np.float64], hours: list[int]
) -> I64:
    k = 50.0
    overall = opens.sum() / sends.sum()
    by_hour = (opens.sum(axis=0) + k * overall) / (sends.sum(axis=0) + k)
    rates = (opens + k * by_hour) / (sends + k)
    return np.asarray(hours, dtype=np.int64)[np.argmax(rates, axis=1)]


def test_send_time_shrinks_a_thin_zone_toward_everyone(scenario: Scenario) -> None:
    setup = _setup(scenario, size=2_000, zones=2, thin=10)
    policy = SendTimeOptimizer(setup, hours=(9, 15), exploration=0.0)
    plan = policy.plan(_context(setup))
    assert np.array_equal(policy.explored, plan.contacts)
    day = _context(setup).monday + timedelta(days=setup.history.send_weekday)
    local = _local_hours(setup, plan, day)
    region = setup.audience.region[plan.contacts]
    # Everyone opens more at 15; the thin zone 1's few contacts opened more at 9.
    opened = plan.contacts[
        ((region == 0) & (local == 15) & (plan.contacts % 2 == 0))
        | ((region == 0) & (local == 9) & (plan.contacts % 5 == 0))
        | ((region == 1) & (local == 9))
    ]
    policy.observe(_table(delivered=plan.contacts, opened=opened, agents=None))
    assert policy.best_hours().tolist() == [15, 15]
    again = policy.plan(_context(setup))
    assert set(_local_hours(setup, again, day).tolist()) == {15.0}
    assert policy.explored.shape[0] == 0
    # With no shrinkage the thin zone follows its own few sends.
    raw = SendTimeOptimizer(setup, hours=(9, 15), exploration=0.0, prior_sends=0.0)
    raw_plan = raw.plan(_context(setup))
    raw_local = _local_hours(setup, raw_plan, day)
    raw_region = setup.audience.region[raw_plan.contacts]
    raw_opened = raw_plan.contacts[
        ((raw_region == 0) & (raw_local == 15) & (raw_plan.contacts % 2 == 0))
        | ((raw_region == 1) & (raw_local == 9))
    ]
    raw.observe(_table(delivered=raw_plan.contacts, opened=raw_opened, agents=None))
    assert raw.best_hours().tolist() == [15, 9]
    assert raw.hours.tolist() == [9, 15]


# Edges --------------------------------------------------------------------------------------


def test_empty_cycles_and_bad_settings(scenario: Scenario) -> None:
    setup = _setup(scenario, size=100)
    empty = CycleContext(cycle=0, monday=date(2026, 3, 2), contacts=np.zeros(0, np.int64))
    for policy in (ABThenWinner(setup), SubjectLineBandit(setup), SendTimeOptimizer(setup)):
        assert policy.plan(empty).size == 0
        policy.observe(_table(delivered=np.zeros(0, np.int64), opened=None, agents=None))
    with pytest.raises(UsageError, match="distinct local hours"):
        SendTimeOptimizer(setup, hours=(9, 9))
    with pytest.raises(UsageError, match="distinct local hours"):
        SendTimeOptimizer(setup, hours=(25,))
    with pytest.raises(UsageError, match="exploration"):
        SendTimeOptimizer(setup, exploration=1.5)
    with pytest.raises(UsageError, match="two candidate lines"):
        ABThenWinner(_setup(scenario, size=10, candidates=1))
    with pytest.raises(UsageError, match="one group per contact"):
        raw_open_counts(_table(np.zeros(0, np.int64), None, None), np.zeros((2, 2), np.int64), 1)


def test_raw_open_counts_count_each_contact_once() -> None:
    group = np.array([0, 1, -1, 1], np.int64)
    events = _table(
        delivered=np.array([0, 1, 2, 3]),
        opened=np.array([1, 1, 2, 3, 0]),
        agents=np.array([_MACHINE_AGENT, 3, 3, 3, _MACHINE_AGENT]),
    )
    opens, delivered = raw_open_counts(events, group, 3)
    assert opens.tolist() == [1, 2, 0] and delivered.tolist() == [1, 2, 0]


# Helpers ------------------------------------------------------------------------------------


def _setup(
    scenario: Scenario, *, size: int, zones: int = 3, thin: int = 0, candidates: int = 6
) -> PolicySetup:
    rng = np.random.default_rng(5)
    region = (np.arange(size) % zones).astype(np.int16)
    if thin:
        region[:] = 0
        region[np.arange(thin) * (size // thin)] = 1
    audience = PublicAudience(
        size=size,
        locale=(np.arange(size) % 4 == 0).astype(np.int8),
        region=region,
        time_zones=("America/Toronto", "Europe/Paris", "America/Vancouver")[:zones],
    )
    return PolicySetup(
        audience=audience,
        history=scenario.history,
        generic=scenario.subjects.generic,
        candidates=scenario.subjects.candidates[:candidates],
        rng=rng,
    )


def _context(setup: PolicySetup) -> CycleContext:
    contacts = np.arange(setup.audience.size, dtype=np.int64)
    return CycleContext(cycle=0, monday=date(2026, 3, 2), contacts=contacts)


def _table(
    delivered: npt.ArrayLike, opened: npt.ArrayLike | None, agents: npt.ArrayLike | None
) -> EventTable:
    sent = np.asarray(delivered, dtype=np.int64)
    opens = np.zeros(0, np.int64) if opened is None else np.asarray(opened, dtype=np.int64)
    who = np.concatenate([sent, opens])
    n = who.shape[0]
    agent = np.full(n, -1, np.int16)
    agent[sent.shape[0] :] = 3 if agents is None else np.asarray(agents, dtype=np.int16)
    return EventTable(
        kind=np.concatenate(
            [
                np.full(sent.shape[0], _DELIVERED, np.uint8),
                np.full(opens.shape[0], _OPENED, np.uint8),
            ]
        ),
        contact=who,
        campaign=np.zeros(n, np.int32),
        occurred_at=np.arange(n, dtype=np.int64),
        agent=agent,
        ip=np.zeros(n, np.uint32),
        url=np.full(n, -1, np.int32),
        bounce=np.full(n, -1, np.int8),
        campaigns=("test",),
        urls=(),
    )
