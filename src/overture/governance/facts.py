"""What the consent rules know about a contact, and where they learn it.

Rules read a :class:`ContactFacts` record: the contact's country, region and time zone, every
consent status ever recorded (never only the latest: a withdrawal must be seen at once), and
the dates of purchases, inquiries, opt-outs, bounces, complaints and past sends. A
:class:`ConsentSource` supplies them: :class:`InMemoryFacts` in tests, :class:`StoreFacts`
from the customer store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

import pyarrow as pa

from overture.clock import utc
from overture.data import CustomerStore
from overture.ids import ContactId

__all__ = [
    "Basis",
    "ConsentRecord",
    "ConsentSource",
    "ContactFacts",
    "InMemoryFacts",
    "StoreFacts",
]


class Basis(StrEnum):
    """The legal basis a consent record rests on (the customer store's ``legal_basis``)."""

    EXPRESS_CONSENT = "express_consent"
    IMPLIED_PURCHASE = "implied_purchase"
    IMPLIED_INQUIRY = "implied_inquiry"
    LEGITIMATE_INTEREST = "legitimate_interest"
    SOFT_OPT_IN = "soft_opt_in"


@dataclass(frozen=True)
class ConsentRecord:
    """One consent status for a channel and purpose, as recorded at ``recorded_at``."""

    channel: str
    purpose: str
    basis: Basis
    given: bool
    """False for a withdrawal (or an objection)."""
    recorded_at: datetime
    expires_at: datetime | None = None
    proof: str = ""
    """Where the proof lives (form id, order id); the sender bears the burden of proof."""


@dataclass(frozen=True)
class ContactFacts:
    """Everything the send-path rules may know about one contact."""

    contact_id: ContactId
    country: str = ""
    """ISO 3166-1 alpha-2; empty when unknown (the strictest rules then apply)."""
    region: str = ""
    """Subdivision code, e.g. ``QC``."""
    time_zone: str = ""
    consents: tuple[ConsentRecord, ...] = ()
    purchases: tuple[datetime, ...] = ()
    inquiries: tuple[datetime, ...] = ()
    opt_outs: tuple[datetime, ...] = ()
    """Unsubscribes, on any list: honoured across all of them."""
    hard_bounces: tuple[datetime, ...] = ()
    complaints: tuple[datetime, ...] = ()
    sends: tuple[datetime, ...] = ()
    """Past messages on the channel, for frequency caps."""
    suppressed: bool = False
    """On a suppression list."""


@runtime_checkable
class ConsentSource(Protocol):
    """Supplies the facts about contacts that the send-path guard needs."""

    def facts(
        self, contact_ids: Sequence[ContactId], channel: str
    ) -> Mapping[ContactId, ContactFacts]:
        """Facts for each id; an id it knows nothing about may be left out (it gets no send)."""
        ...


@dataclass
class InMemoryFacts:
    """Facts held in memory: for tests, rehearsals and small lists."""

    contacts: dict[ContactId, ContactFacts] = field(default_factory=dict[ContactId, ContactFacts])

    @classmethod
    def of(cls, contacts: Iterable[ContactFacts]) -> InMemoryFacts:
        return cls({c.contact_id: c for c in contacts})

    def facts(
        self, contact_ids: Sequence[ContactId], channel: str
    ) -> Mapping[ContactId, ContactFacts]:
        return {cid: self.contacts[cid] for cid in contact_ids if cid in self.contacts}


class StoreFacts:
    """Facts read from the customer store (DuckDB): contacts, consents and events.

    ``source`` is the store's source system the contact ids belong to (``primary`` unless the
    import said otherwise); ``suppressed`` is an extra suppression list (ids).
    """

    def __init__(
        self,
        store: CustomerStore,
        *,
        source: str = "primary",
        suppressed: Iterable[ContactId] = (),
    ) -> None:
        self.store = store
        self.source = source
        self.suppressed = frozenset(suppressed)

    def facts(
        self, contact_ids: Sequence[ContactId], channel: str
    ) -> Mapping[ContactId, ContactFacts]:
        ids = sorted(set(contact_ids))
        if not ids:
            return {}
        # The ids join as a registered table (an IN list of tens of thousands of parameters is
        # slow), and event times come back already grouped per contact and kind.
        con = self.store.connection
        con.register("_guard_ids", pa.table({"contact_id": pa.array(ids, pa.string())}))
        try:
            return self._facts(channel)
        finally:
            con.unregister("_guard_ids")

    def _facts(self, channel: str) -> Mapping[ContactId, ContactFacts]:
        drafts: dict[str, _Draft] = {}
        for cid, country, region, zone in self.store.rows(
            "SELECT c.contact_id, c.country, c.region, c.time_zone FROM contacts c "
            "JOIN _guard_ids USING (contact_id) WHERE c.source = ?",
            [self.source],
        ):
            drafts[str(cid)] = _Draft(
                str(country or "").upper(), str(region or "").upper(), str(zone or "")
            )
        for cid, chan, purpose, basis, status, recorded, expires, proof in self.store.rows(
            "SELECT k.contact_id, k.channel, k.purpose, k.legal_basis, k.status, k.recorded_at, "
            "k.expires_at, k.proof FROM consents k JOIN _guard_ids USING (contact_id) "
            "WHERE k.source = ?",
            [self.source],
        ):
            draft = drafts.get(str(cid))
            if draft is None or str(basis) not in _BASES:
                continue  # an unknown basis is no basis: the contact is left without one
            draft.consents.append(
                ConsentRecord(
                    channel=str(chan),
                    purpose=str(purpose),
                    basis=Basis(str(basis)),
                    given=str(status) == "given",
                    recorded_at=_time(recorded),
                    expires_at=None if expires is None else _time(expires),
                    proof=str(proof or ""),
                )
            )
        for cid, slot, moments in self.store.rows(
            """SELECT e.contact_id,
                      CASE WHEN e.kind = 'purchase' THEN 'purchases'
                           WHEN e.kind = 'web' THEN 'inquiries'
                           WHEN e.event_type = 'bounced' THEN 'hard_bounces'
                           WHEN e.event_type = 'sent' THEN 'sends'
                           WHEN e.event_type = 'unsubscribed' THEN 'opt_outs'
                           ELSE 'complaints' END AS slot,
                      list(e.occurred_at)
               FROM events e JOIN _guard_ids USING (contact_id)
               WHERE e.source = ? AND (e.kind = 'purchase'
                   OR (e.kind = 'web' AND e.event_type = 'form_submit')
                   OR (e.kind = ? AND (e.event_type IN ('sent', 'unsubscribed', 'complained')
                       OR (e.event_type = 'bounced' AND e.bounce_type = 'hard'))))
               GROUP BY 1, 2""",
            [self.source, channel],
        ):
            draft = drafts.get(str(cid))
            if draft is not None and isinstance(moments, list):
                draft.times.setdefault(str(slot), []).extend(_time(m) for m in moments)
        return {
            ContactId(cid): draft.done(ContactId(cid), cid in self.suppressed)
            for cid, draft in drafts.items()
        }


_BASES = frozenset(b.value for b in Basis)


@dataclass
class _Draft:
    country: str
    region: str
    time_zone: str
    consents: list[ConsentRecord] = field(default_factory=list[ConsentRecord])
    times: dict[str, list[datetime]] = field(default_factory=dict[str, list[datetime]])

    def done(self, contact_id: ContactId, suppressed: bool) -> ContactFacts:
        def times(slot: str) -> tuple[datetime, ...]:
            return tuple(sorted(self.times.get(slot, [])))

        return ContactFacts(
            contact_id=contact_id,
            country=self.country,
            region=self.region,
            time_zone=self.time_zone,
            consents=tuple(self.consents),
            purchases=times("purchases"),
            inquiries=times("inquiries"),
            opt_outs=times("opt_outs"),
            hard_bounces=times("hard_bounces"),
            complaints=times("complaints"),
            sends=times("sends"),
            suppressed=suppressed,
        )


def _time(value: object) -> datetime:
    return utc(value if isinstance(value, datetime) else datetime.fromisoformat(str(value)))
