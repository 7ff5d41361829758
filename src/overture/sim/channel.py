"""The simulated email channel: an email service that sends to the simulated population.

:class:`SimulatedEmailChannel` implements :class:`~overture.channels.base.Channel` (name
``sim-email``). A send is simulated whole when it is accepted, vectorized with NumPy: bounces,
deliveries, privacy-proxy fetches, human opens, clicks, unsubscribes and complaints, each at the
moment it happens over the 72 hours after the recipient's send time. :meth:`events` shows those
whose moment falls in the window asked for (and, with a clock, has already come), as a provider's
event feed would. A repeated idempotency key sends nothing.

What really happened (which opens were people, their chances) goes to a
:class:`~overture.sim.truth.GroundTruth` that only benchmarks and the oracle hold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from overture.channels.base import ChannelEvent, EventKind, PlannedSend, Receipt
from overture.clock import Clock, utc
from overture.exceptions import UsageError
from overture.ids import CampaignId, IdempotencyKey
from overture.sim import clients
from overture.sim._order import stable_order
from overture.sim.behaviour import ResponseModel, SubjectTable, local_clock, subject_table
from overture.sim.population import Population
from overture.sim.scenario import Scenario
from overture.sim.subjects import NAME_SLOT
from overture.sim.truth import GroundTruth, SendTruth

__all__ = ["EVENT_KINDS", "EventTable", "SendBatch", "SimulatedEmailChannel"]

EVENT_KINDS = tuple(EventKind)
"""Event kinds, in the order of an :class:`EventTable`'s ``kind`` codes."""

I64 = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
_HORIZON = 72 * 3600
_URL = re.compile(r"https?://[^\s\"'<>)]+")
_DELIVERED, _BOUNCED, _OPENED, _CLICKED, _UNSUBSCRIBED, _COMPLAINED = range(6)


@dataclass(frozen=True, eq=False)
class SendBatch:
    """A send in columns: the fast path for large audiences (what :meth:`send` builds)."""

    key: IdempotencyKey
    campaign_id: CampaignId
    contacts: I64
    """Population indexes of the recipients."""
    send_at: I64
    """Each recipient's send time, epoch seconds."""
    subjects: tuple[str, ...]
    """Subject templates; ``{first_name}`` is filled per contact."""
    subject: I64
    """Each recipient's template, an index into ``subjects``."""
    urls: tuple[str, ...] = ()
    """Links in the content that clicks go to."""


@dataclass(frozen=True, eq=False)
class EventTable:
    """Events in columns, in time order; ``to_events`` turns them into :class:`ChannelEvent`."""

    kind: npt.NDArray[np.uint8]
    contact: I64
    campaign: npt.NDArray[np.int32]
    occurred_at: I64
    """Epoch seconds."""
    agent: npt.NDArray[np.int16]
    """Index into :func:`overture.sim.clients.user_agents`, -1 when none."""
    ip: npt.NDArray[np.uint32]
    """IPv4 address as an integer, 0 when none."""
    url: npt.NDArray[np.int32]
    """Index into ``urls``, -1 when none."""
    bounce: npt.NDArray[np.int8]
    """1 hard, 0 soft, -1 not a bounce."""
    campaigns: tuple[str, ...]
    urls: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.kind.shape[0])

    def to_events(self, population: Population) -> list[ChannelEvent]:
        agents = clients.user_agents()
        kinds = EVENT_KINDS
        ids = population.contact_ids(self.contact)
        events: list[ChannelEvent] = []
        for row, (k, c, t, a, ip, u, b) in enumerate(
            zip(
                self.kind.tolist(),
                self.campaign.tolist(),
                self.occurred_at.tolist(),
                self.agent.tolist(),
                self.ip.tolist(),
                self.url.tolist(),
                self.bounce.tolist(),
                strict=True,
            )
        ):
            events.append(
                ChannelEvent.model_construct(
                    kind=kinds[k],
                    contact_id=ids[row],
                    campaign_id=CampaignId(self.campaigns[c]),
                    occurred_at=datetime.fromtimestamp(t, UTC),
                    user_agent=agents[a] if a >= 0 else None,
                    ip=clients.ip_text(ip) if ip else None,
                    url=self.urls[u] if u >= 0 else None,
                    bounce_type=("hard" if b == 1 else "soft") if b >= 0 else None,
                )
            )
        return events


@dataclass(frozen=True, eq=False)
class _Chunk:
    kind: npt.NDArray[np.uint8]
    contact: I64
    campaign: int
    occurred_at: I64
    agent: npt.NDArray[np.int16]
    ip: npt.NDArray[np.uint32]
    url: npt.NDArray[np.int32]
    bounce: npt.NDArray[np.int8]


class SimulatedEmailChannel:
    """An email service over a simulated population; implements the ``Channel`` protocol."""

    name = "sim-email"

    def __init__(
        self,
        population: Population,
        scenario: Scenario,
        rng: np.random.Generator,
        *,
        clock: Clock | None = None,
        truth: GroundTruth | None = None,
    ) -> None:
        self._population = population
        self._scenario = scenario
        self._rng = rng
        self._clock = clock
        self._truth = truth if truth is not None else GroundTruth(population.size)
        self._model = ResponseModel(population, scenario)
        self._keys: set[str] = set()
        self._chunks: list[_Chunk] = []
        self._campaigns: list[str] = []
        self._urls: list[str] = []
        self._url_codes: dict[str, int] = {}
        self._table: EventTable | None = None

    # The Channel protocol -------------------------------------------------------------------

    def send(self, planned: PlannedSend) -> Receipt:
        """Simulate ``planned``; a key already seen sends nothing and returns ``duplicate``."""
        if planned.key in self._keys:
            return Receipt(key=planned.key, accepted=0, duplicate=True)
        recipients = planned.recipients
        try:
            contacts = self._population.index_of([r.contact_id for r in recipients])
        except KeyError as error:
            raise UsageError(
                f"a recipient is not in the simulated population: {error.args[0]}",
                "send only to contacts of this simulation (ids C0000001, C0000002, ...)",
            ) from None
        send_at = np.fromiter(
            (int(r.send_at.timestamp()) for r in recipients), np.int64, len(recipients)
        )
        names = self._population.first_names(contacts)
        codes: dict[str, int] = {}
        subject = np.fromiter(
            (
                codes.setdefault(_template(r.subject, name), len(codes))
                for r, name in zip(recipients, names, strict=True)
            ),
            np.int64,
            len(recipients),
        )
        batch = SendBatch(
            key=planned.key,
            campaign_id=planned.campaign_id,
            contacts=contacts,
            send_at=send_at,
            subjects=tuple(codes),
            subject=subject,
            urls=tuple(dict.fromkeys(_URL.findall(planned.content))),
        )
        return self.send_batch(batch)

    def events(self, since: datetime, until: datetime) -> Sequence[ChannelEvent]:
        """Events that occurred in ``[since, until)`` (and not after the clock), in time order."""
        return self.event_table(since, until).to_events(self._population)

    # Columns --------------------------------------------------------------------------------

    def send_batch(self, batch: SendBatch) -> Receipt:
        """Simulate a send given in columns; the same idempotency rule as :meth:`send`."""
        if batch.key in self._keys:
            return Receipt(key=batch.key, accepted=0, duplicate=True)
        self._keys.add(batch.key)
        send_at = batch.send_at
        if self._clock is not None:
            # A provider cannot send in the past: late instructions go out now.
            send_at = np.maximum(send_at, int(self._clock.now().timestamp()))
        self._campaigns.append(batch.campaign_id)
        url_codes = np.array([self._url_code(u) for u in batch.urls] or [-1], dtype=np.int32)
        table = subject_table(batch.subjects)
        self._simulate(batch, send_at, table, url_codes)
        self._table = None
        return Receipt(key=batch.key, accepted=int(batch.contacts.shape[0]))

    def campaign_events(self, campaign_id: str) -> EventTable:
        """Every event of ``campaign_id``'s sends so far (not after the clock), in time order."""
        codes = [code for code, name in enumerate(self._campaigns) if name == campaign_id]
        chunks = [c for c in self._chunks if c.campaign in codes]
        table = self._combine(chunks)
        keep = np.arange(len(table), dtype=np.int64)
        if self._clock is not None:
            keep = np.flatnonzero(table.occurred_at < int(self._clock.now().timestamp()))
        return self._select(table, keep)

    def event_table(self, since: datetime, until: datetime) -> EventTable:
        """Events in ``[since, until)`` as columns, in time order."""
        if self._clock is not None:
            until = min(utc(until), self._clock.now())
        table = self._all()
        low, high = int(utc(since).timestamp()), int(utc(until).timestamp())
        times = table.occurred_at
        return self._select(table, np.flatnonzero((times >= low) & (times < high)))

    @staticmethod
    def _select(table: EventTable, keep: I64) -> EventTable:
        order = keep[stable_order(table.occurred_at[keep])]
        return EventTable(
            kind=table.kind[order],
            contact=table.contact[order],
            campaign=table.campaign[order],
            occurred_at=table.occurred_at[order],
            agent=table.agent[order],
            ip=table.ip[order],
            url=table.url[order],
            bounce=table.bounce[order],
            campaigns=table.campaigns,
            urls=table.urls,
        )

    # Simulation -----------------------------------------------------------------------------

    def _url_code(self, url: str) -> int:
        if url not in self._url_codes:
            self._url_codes[url] = len(self._urls)
            self._urls.append(url)
        return self._url_codes[url]

    def _simulate(
        self,
        batch: SendBatch,
        send_at: I64,
        table: SubjectTable,
        url_codes: npt.NDArray[np.int32],
    ) -> None:
        pop, scenario, rng = self._population, self._scenario, self._rng
        contacts = batch.contacts
        n = contacts.shape[0]
        load = self._truth.load_before(contacts, send_at, scenario.fatigue.half_life_days)
        u = rng.random((7, n))

        hard = pop.invalid[contacts]
        soft = ~hard & (u[0] < scenario.deliverability.soft_bounce)
        delivered = ~(hard | soft)
        delivered_at = send_at + 1 + (u[1] * 90).astype(np.int64)

        hour, weekday = local_clock(pop, contacts, delivered_at)
        chance = self._model.open_probability(contacts, hour, weekday, table, batch.subject, load)
        human = delivered & (u[2] < chance)
        machine = delivered & pop.mpp[contacts] & (u[3] < scenario.privacy.fetch_probability)
        clicked = human & (u[4] < pop.click_propensity[contacts])
        boost = 1.0 + scenario.fatigue.unsubscribe_boost * load
        unsubscribed = delivered & (u[5] < pop.unsubscribe_hazard[contacts] * boost)
        complained = delivered & (u[6] < pop.complaint_hazard[contacts] * boost)

        # Delays are drawn only for the messages that have the event.
        hidden = pop.mpp[contacts]
        human_rows = np.flatnonzero(human)
        human_at = delivered_at[human_rows] + _human_delays(
            rng, scenario, pop.peak_hour[contacts[human_rows]], hour[human_rows]
        )
        machine_rows = np.flatnonzero(machine)
        fetch = scenario.privacy.fetch_delay_seconds
        fetched_at = (
            delivered_at[machine_rows]
            + 1
            + np.minimum(rng.lognormal(np.log(fetch), 0.8, machine_rows.shape[0]), 1800).astype(
                np.int64
            )
        )
        picked = clicked[human_rows]
        click_rows = human_rows[picked]
        clicked_at = (
            human_at[picked]
            + 5
            + np.minimum(rng.lognormal(np.log(40), 1.0, click_rows.shape[0]), 500).astype(np.int64)
        )
        opened_at = np.zeros(n, np.int64)
        opened_at[human_rows] = human_at
        unsubscribe_rows = np.flatnonzero(unsubscribed)
        complaint_rows = np.flatnonzero(complained)
        # A reader unsubscribes from the message they opened; others from the list, later.
        unsubscribed_at = np.where(
            human[unsubscribe_rows],
            opened_at[unsubscribe_rows] + 600,
            delivered_at[unsubscribe_rows] + _later(rng, unsubscribe_rows.shape[0]),
        )
        complained_at = delivered_at[complaint_rows] + _later(rng, complaint_rows.shape[0])
        bounce_rows = np.flatnonzero(~delivered)
        bounced_at = send_at[bounce_rows] + 2 + (u[1][bounce_rows] * 300).astype(np.int64)
        delivered_rows = np.flatnonzero(delivered)

        visible = ~hidden[human_rows]  # a proxy's cache hides later human opens
        parts = [
            (_DELIVERED, delivered_rows, delivered_at[delivered_rows]),
            (_BOUNCED, bounce_rows, bounced_at),
            (_OPENED, machine_rows, fetched_at),
            (_OPENED, human_rows[visible], human_at[visible]),
            (_CLICKED, click_rows, clicked_at),
            (_UNSUBSCRIBED, unsubscribe_rows, unsubscribed_at),
            (_COMPLAINED, complaint_rows, complained_at),
        ]
        # Everything happens within the 72 hours after the send itself (delivery takes a little
        # of them), as a provider's reporting window would show it.
        last = send_at + _HORIZON - 1
        parts = [(kind, rows, np.minimum(times, last[rows])) for kind, rows, times in parts]
        self._chunks.append(self._chunk(batch, contacts, parts, hard, url_codes))
        self._truth.record(
            SendTruth(
                key=batch.key,
                campaign_id=batch.campaign_id,
                contacts=contacts,
                send_at=send_at,
                delivered=delivered,
                open_probability=np.where(delivered, chance, 0.0),
                human_open=human,
                machine_open=machine,
                clicked=clicked,
                unsubscribed=unsubscribed,
                complained=complained,
                load=load,
            )
        )

    def _chunk(
        self,
        batch: SendBatch,
        contacts: I64,
        parts: list[tuple[int, I64, I64]],
        hard: npt.NDArray[np.bool_],
        url_codes: npt.NDArray[np.int32],
    ) -> _Chunk:
        """The send's events as columns: what the feed reports for each kind of event."""
        pop, rng = self._population, self._rng
        client = pop.client[contacts]
        rows = [r for _, r, _ in parts]
        kind = np.concatenate([np.full(r.shape[0], k, np.uint8) for k, r, _ in parts])
        who = np.concatenate([contacts[r] for r in rows])
        when = np.concatenate([at for _, _, at in parts])
        none16 = [np.full(r.shape[0], -1, np.int16) for r in rows[:2]]
        agent = np.concatenate(
            [
                *none16,
                np.zeros(rows[2].shape[0], np.int16),
                clients.open_agent_codes(client[rows[3]]),
                clients.click_agent_codes(client[rows[4]]),
                np.full(rows[5].shape[0] + rows[6].shape[0], -1, np.int16),
            ]
        )
        zero = np.uint32(0)
        ip = np.concatenate(
            [
                np.full(rows[0].shape[0] + rows[1].shape[0], zero, np.uint32),
                clients.proxy_ips(rows[2].shape[0], rng),
                clients.open_ips(client[rows[3]], pop.home_ip[contacts[rows[3]]], rng),
                pop.home_ip[contacts[rows[4]]],
                np.full(rows[5].shape[0] + rows[6].shape[0], zero, np.uint32),
            ]
        )
        url = np.full(kind.shape[0], -1, np.int32)
        start = sum(r.shape[0] for r in rows[:4])
        clicks = rows[4].shape[0]
        url[start : start + clicks] = url_codes[rng.integers(0, url_codes.shape[0], clicks)]
        if url_codes[0] < 0 and clicks:
            url[start : start + clicks] = self._url_code(
                f"https://example.com/newsletter/{batch.campaign_id}"
            )
        bounce = np.full(kind.shape[0], -1, np.int8)
        first = rows[0].shape[0]
        bounce[first : first + rows[1].shape[0]] = hard[rows[1]].astype(np.int8)
        return _Chunk(kind, who, len(self._campaigns) - 1, when, agent, ip, url, bounce)

    def _all(self) -> EventTable:
        if self._table is None:
            self._table = self._combine(self._chunks)
        return self._table

    def _combine(self, chunks: list[_Chunk]) -> EventTable:
        return EventTable(
            kind=np.concatenate([c.kind for c in chunks] or [np.zeros(0, np.uint8)]),
            contact=np.concatenate([c.contact for c in chunks] or [np.zeros(0, np.int64)]),
            campaign=np.concatenate(
                [np.full(c.kind.shape[0], c.campaign, np.int32) for c in chunks]
                or [np.zeros(0, np.int32)]
            ),
            occurred_at=np.concatenate([c.occurred_at for c in chunks] or [np.zeros(0, np.int64)]),
            agent=np.concatenate([c.agent for c in chunks] or [np.zeros(0, np.int16)]),
            ip=np.concatenate([c.ip for c in chunks] or [np.zeros(0, np.uint32)]),
            url=np.concatenate([c.url for c in chunks] or [np.zeros(0, np.int32)]),
            bounce=np.concatenate([c.bounce for c in chunks] or [np.zeros(0, np.int8)]),
            campaigns=tuple(self._campaigns),
            urls=tuple(self._urls),
        )


def _later(rng: np.random.Generator, count: int) -> I64:
    """Delays of actions taken some hours after delivery, within the 72 hours."""
    return np.minimum(rng.exponential(18 * 3600, count), _HORIZON - 600).astype(np.int64)


def _template(subject: str, first_name: str) -> str:
    return subject.replace(first_name, NAME_SLOT) if first_name in subject else subject


def _human_delays(
    rng: np.random.Generator, scenario: Scenario, peak_hour: F32, local_hour: F64
) -> I64:
    """Seconds from delivery to each person's open.

    Most people open when they next check their mail, around their own active hour; the rest
    open a lognormal delay after delivery (a notification, a quick look).
    """
    engagement = scenario.engagement
    n = peak_hour.shape[0]
    active = rng.random(n) < engagement.active_open_share
    moment = peak_hour + rng.normal(0.0, engagement.active_spread_hours, n)
    # Minutes after delivery at the earliest: a message cannot be read before it arrives.
    wait_hours = np.mod(moment - local_hour, 24.0) + rng.exponential(0.1, n)
    median = engagement.open_delay_hours * 3600
    delay = np.where(active, wait_hours * 3600.0, rng.lognormal(np.log(median), 1.2, n))
    return np.minimum(delay, _HORIZON - 600).astype(np.int64)
