"""The simulated channel: a provider-like feed whose statistics match the hidden parameters."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from overture.channels.base import Channel, ChannelEvent, EventKind, PlannedSend, Recipient
from overture.exceptions import UsageError
from overture.ids import CampaignId, ContactId, IdempotencyKey
from overture.sim import Plan, Scenario, SendBatch, SimulatedEmailChannel, Simulation
from overture.sim.clients import CLIENTS, MACHINE_OPEN_USER_AGENT, OPEN_USER_AGENTS

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FAR = datetime(2100, 1, 1, tzinfo=UTC)


def _feed(channel: SimulatedEmailChannel) -> list[ChannelEvent]:
    return list(channel.events(EPOCH, FAR))


def _planned(world: Simulation, key: str, size: int = 300) -> PlannedSend:
    contacts = np.arange(size, dtype=np.int64)
    line = world.scenario.subjects.generic[0]
    moment = int(world.clock.now().timestamp()) + 60
    plan = Plan(
        contacts,
        np.full(size, moment, np.int64),
        (line.en, line.fr),
        world.population.locale[contacts].astype(np.int64),
    )
    return plan.planned_send(world.population, key, "camp-1", "Read https://example.com/a now")


def test_it_is_a_channel(world: Simulation) -> None:
    assert isinstance(world.channel, Channel)
    assert world.channel.name == "sim-email"


def test_a_repeated_key_sends_nothing(world: Simulation) -> None:
    planned = _planned(world, "key-1")
    first = world.channel.send(planned)
    assert (first.accepted, first.duplicate) == (300, False)
    world.clock.advance(timedelta(days=4))
    count = len(_feed(world.channel))
    again = world.channel.send(planned)
    assert (again.accepted, again.duplicate) == (0, True)
    batch = world.static_plan(1).batch("key-1", "other")
    assert world.channel.send_batch(batch).duplicate
    assert len(_feed(world.channel)) == count
    assert len(world.truth.sends) == 1


def test_same_seed_gives_byte_identical_events(default_scenario: Scenario) -> None:
    dumps: list[str] = []
    for _ in range(2):
        world = Simulation.create(default_scenario, seed=3, contacts=2_000)
        world.channel.send(_planned(world, "k", size=2_000))
        world.clock.advance(timedelta(days=4))
        dumps.append(json.dumps([e.model_dump(mode="json") for e in _feed(world.channel)]))
    assert dumps[0] == dumps[1]
    other = Simulation.create(default_scenario, seed=4, contacts=2_000)
    other.channel.send(_planned(other, "k", size=2_000))
    other.clock.advance(timedelta(days=4))
    assert json.dumps([e.model_dump(mode="json") for e in _feed(other.channel)]) != dumps[0]


def test_events_mature_over_72_hours_and_only_once_the_clock_has_come(world: Simulation) -> None:
    planned = _planned(world, "k", size=4_000)
    sent_at = world.clock.now()
    world.channel.send(planned)
    assert world.channel.events(EPOCH, FAR) == []  # nothing has happened yet at send time
    world.clock.advance(timedelta(hours=1))
    early = world.channel.events(EPOCH, FAR)
    world.clock.advance(timedelta(days=5))
    events = world.channel.events(EPOCH, FAR)
    assert 0 < len(early) < len(events)
    moments = [e.occurred_at for e in events]
    assert moments == sorted(moments)
    first_send = min(r.send_at for r in planned.recipients)
    assert all(first_send <= m < first_send + timedelta(hours=72) for m in moments)
    assert sent_at <= first_send
    kinds = {e.kind for e in events}
    assert {EventKind.DELIVERED, EventKind.OPENED, EventKind.CLICKED} <= kinds
    window = world.channel.events(first_send, first_send + timedelta(minutes=2))
    assert all(first_send <= e.occurred_at < first_send + timedelta(minutes=2) for e in window)


def test_opens_carry_provider_hints_and_no_truth_flag(world: Simulation) -> None:
    world.channel.send_batch(world.static_plan(0).batch("k", "c"))
    world.clock.advance(timedelta(days=6))
    events = _feed(world.channel)
    assert set(ChannelEvent.model_fields) == {
        "kind",
        "contact_id",
        "campaign_id",
        "occurred_at",
        "user_agent",
        "ip",
        "url",
        "bounce_type",
    }
    truth = world.truth.sends[0]
    delivered_at = {e.contact_id: e.occurred_at for e in events if e.kind == EventKind.DELIVERED}
    population = world.population
    machine = [e for e in events if e.kind == EventKind.OPENED and e.user_agent == "Mozilla/5.0"]
    assert machine
    for event in machine:
        index = int(event.contact_id[1:]) - 1
        assert population.mpp[index]
        assert event.ip is not None and event.ip.startswith("17.")
        assert (
            timedelta(0)
            < event.occurred_at - delivered_at[event.contact_id]
            <= timedelta(minutes=31)
        )
    human = [e for e in events if e.kind == EventKind.OPENED and e.user_agent != "Mozilla/5.0"]
    gmail = CLIENTS.index("gmail")
    for event in human:
        index = int(event.contact_id[1:]) - 1
        assert not population.mpp[index]  # a proxy's cache hides later human opens
        assert event.user_agent == OPEN_USER_AGENTS[int(population.client[index])]
        if population.client[index] == gmail:
            assert "GoogleImageProxy" in (event.user_agent or "")
            assert (event.ip or "").startswith("66.249.")
    assert MACHINE_OPEN_USER_AGENT not in OPEN_USER_AGENTS
    clicks = [e for e in events if e.kind == EventKind.CLICKED]
    assert clicks and all(e.url == "https://example.com/newsletter/c" for e in clicks)
    assert int(truth.clicked.sum()) == len(clicks)
    bounces = [e for e in events if e.kind == EventKind.BOUNCED]
    hard = {int(e.contact_id[1:]) - 1 for e in bounces if e.bounce_type == "hard"}
    assert hard == set(np.flatnonzero(population.invalid).tolist())


def _z(observed: int, expected: float, variance: float) -> float:
    return abs(observed - expected) / max(np.sqrt(variance), 1e-9)


def test_open_rates_by_archetype_and_hour_match_the_model(default_scenario: Scenario) -> None:
    world = Simulation.create(default_scenario, seed=21, contacts=40_000)
    population = world.population
    contacts = np.arange(population.size, dtype=np.int64)
    rng = np.random.default_rng(0)
    hours = rng.choice(np.array([7, 12, 20]), population.size)
    day = world.send_day()
    generic = default_scenario.subjects.generic[0]
    plan = world.audience.plan(
        contacts, day, hours, (generic.en, generic.fr), population.locale.astype(np.int64)
    )
    expected = world.oracle.open_probabilities(plan)
    world.channel.send_batch(plan.batch("k", "c"))
    truth = world.truth.sends[0]
    order = np.argsort(truth.contacts)
    opened = truth.human_open[order]
    delivered = truth.delivered[order]
    for archetype in range(len(default_scenario.archetypes)):
        for hour in (7, 12, 20):
            cell = delivered & (population.archetype == archetype) & (hours == hour)
            chance = expected[cell]
            z = _z(int(opened[cell].sum()), chance.sum(), (chance * (1 - chance)).sum())
            assert z < 4.0, (archetype, hour, z)
    # The hour matters as the hidden activity curve says: relationship readers peak at night.
    relationship = population.archetype == 1
    night = opened[relationship & (hours == 20)].mean()
    morning = opened[relationship & (hours == 7)].mean()
    assert night > morning


def test_machine_open_share_and_bounce_rates(default_scenario: Scenario) -> None:
    world = Simulation.create(default_scenario, seed=8, contacts=30_000)
    world.channel.send_batch(world.static_plan(0).batch("k", "c"))
    world.clock.advance(timedelta(days=6))
    truth = world.truth.sends[0]
    mpp = world.population.mpp[truth.contacts] & truth.delivered
    fetched = truth.machine_open[mpp].mean()
    assert fetched == pytest.approx(default_scenario.privacy.fetch_probability, abs=0.01)
    assert not truth.machine_open[~world.population.mpp[truth.contacts]].any()
    table = world.channel.event_table(EPOCH, FAR)
    soft = int(((table.kind == 1) & (table.bounce == 0)).sum())
    assert _z(soft, 0.005 * 30_000, 0.005 * 30_000) < 4.0
    opens = table.kind == 2
    share = (opens & (table.agent == 0)).sum() / opens.sum()
    assert 0.33 < share < 0.5


def test_fatigue_lowers_opens_after_recent_sends() -> None:
    from overture.sim import load_scenario

    scenario = load_scenario("fatigue")
    world = Simulation.create(scenario, seed=5, contacts=20_000)
    rates = []
    for week in range(3):
        sent = world.send(world.static_plan(week), f"w{week}")
        assert sent is not None
        rates.append(sent.human_open_rate)
        assert sent.human_open_rate == pytest.approx(sent.expected_human_open_rate, rel=0.08)
    assert rates[0] > rates[1] > rates[2]
    load = world.truth.load_at(np.arange(3), int(world.clock.now().timestamp()), 14.0)
    assert (load > 1.0).all()


def test_per_contact_rendered_subjects_are_read_as_personalized(world: Simulation) -> None:
    contacts = np.arange(200, dtype=np.int64)
    template = "{first_name}, your weekly picks are here"
    plan = Plan(
        contacts,
        np.full(200, int(world.clock.now().timestamp()) + 3600, np.int64),
        (template,),
        np.zeros(200, np.int64),
    )
    expected = world.oracle.open_probabilities(plan)  # before the send adds to fatigue
    world.channel.send(plan.planned_send(world.population, "p", "c"))
    by_protocol = world.truth.sends[0].open_probability
    delivered = world.truth.sends[0].delivered
    assert np.allclose(by_protocol[delivered], expected[delivered], rtol=0.02)


def test_unknown_recipient_is_a_usage_error(world: Simulation) -> None:
    planned = PlannedSend(
        key=IdempotencyKey("x"),
        campaign_id=CampaignId("c"),
        recipients=(
            Recipient(
                contact_id=ContactId("C9999999"),
                address="a@b.c",
                send_at=world.clock.now(),
                subject="Hi",
            ),
        ),
    )
    with pytest.raises(UsageError, match="not in the simulated population"):
        world.channel.send(planned)


def test_a_channel_without_clock_shows_every_matured_event(default_scenario: Scenario) -> None:
    world = Simulation.create(default_scenario, seed=2, contacts=500)
    free = SimulatedEmailChannel(world.population, default_scenario, np.random.default_rng(0))
    batch = SendBatch(
        key=IdempotencyKey("k"),
        campaign_id=CampaignId("c"),
        contacts=np.arange(500, dtype=np.int64),
        send_at=np.full(500, 1_000_000_000, np.int64),
        subjects=("Hello",),
        subject=np.zeros(500, np.int64),
        urls=("https://example.com/x",),
    )
    assert free.send_batch(batch).accepted == 500
    events = free.events(EPOCH, FAR)
    assert events and all(e.occurred_at.year == 2001 for e in events)
    assert {e.url for e in events if e.kind == EventKind.CLICKED} <= {"https://example.com/x"}


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    size=st.integers(1, 300),
    spread_hours=st.integers(0, 48),
)
def test_feed_invariants(
    default_scenario: Scenario, seed: int, size: int, spread_hours: int
) -> None:
    world = Simulation.create(default_scenario, seed=seed % 1000, contacts=300)
    rng = np.random.default_rng(seed)
    contacts = rng.choice(300, size, replace=False).astype(np.int64)
    start = int(world.clock.now().timestamp())
    send_at = start + rng.integers(0, spread_hours * 3600 + 1, size)
    lines = ("Hello {first_name}", "20% off today only 🔥")
    plan = Plan(contacts, send_at, lines, rng.integers(0, 2, size))
    world.channel.send_batch(plan.batch("k", "c"))
    world.clock.advance(timedelta(days=6))
    table = world.channel.event_table(EPOCH, FAR)
    sent_at = dict(zip(contacts.tolist(), send_at.tolist(), strict=True))
    for who, when in zip(table.contact.tolist(), table.occurred_at.tolist(), strict=True):
        assert sent_at[who] <= when < sent_at[who] + 72 * 3600
    delivered = set(table.contact[table.kind == 0].tolist())
    bounced = set(table.contact[table.kind == 1].tolist())
    assert delivered.isdisjoint(bounced) and delivered | bounced == set(sent_at)
    assert np.bincount(table.contact[table.kind == 0]).max(initial=0) <= 1
    truth = world.truth.sends[0]
    assert not (truth.clicked & ~truth.human_open).any()
    assert not (truth.machine_open & ~world.population.mpp[truth.contacts]).any()
    opened = table.contact[table.kind == 2]
    assert set(opened.tolist()) <= delivered


def test_campaign_events_are_the_campaigns_matured_feed(world: Simulation) -> None:
    world.channel.send_batch(world.static_plan(0).batch("k1", "first"))
    world.clock.advance(timedelta(days=7))
    world.channel.send_batch(world.static_plan(1).batch("k2", "second"))
    first = world.channel.campaign_events("first")
    assert len(first) and {first.campaigns[c] for c in first.campaign.tolist()} == {"first"}
    assert len(world.channel.campaign_events("second")) == 0  # nothing has happened yet
    world.clock.advance(timedelta(days=7))
    everything = world.channel.event_table(EPOCH, FAR)
    second = world.channel.campaign_events("second")
    assert len(first) + len(second) == len(everything)
    assert len(world.channel.campaign_events("never sent")) == 0
