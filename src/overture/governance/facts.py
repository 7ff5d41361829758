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
        marks = ", ".join("?" for _ in ids)
        drafts: dict[str, _Draft] = {}
        for cid, country, region, zone in self.store.rows(
            f"SELECT contact_id, country, region, time_zone FROM contacts "
            f"WHERE source = ? AND contact_id IN ({marks})",
            [self.source, *ids],
        ):
            drafts[str(cid)] = _Draft(
                str(country or "").upper(), str(region or "").upper(), str(zone or "")
            )
        for cid, chan, purpose, basis, status, recorded, expires, proof in self.store.rows(
            f"SELECT contact_id, channel, purpose, legal_basis, status, recorded_at, expires_at, "
            f"proof FROM consents WHERE source = ? AND contact_id IN ({marks})",
            [self.source, *ids],
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
        for cid, kind, event_type, at, bounce in self.store.rows(
            f"SELECT contact_id, kind, event_type, occurred_at, bounce_type FROM events "
            f"WHERE source = ? AND contact_id IN ({marks}) AND (kind = 'purchase' OR "
            f"(kind = 'web' AND event_type = 'form_submit') OR (kind = ? AND event_type IN "
            f"('sent', 'unsubscribed', 'bounced', 'complained')))",
            [self.source, *ids, channel],
        ):
            draft = drafts.get(str(cid))
            if draft is not None:
                draft.add(str(kind), str(event_type), _time(at), str(bounce or ""))
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

    def add(self, kind: str, event_type: str, at: datetime, bounce: str) -> None:
        if kind == "purchase":
            slot = "purchases"
        elif kind == "web":
            slot = "inquiries"
        elif event_type == "bounced":
            if bounce != "hard":
                return  # a soft bounce is a temporary failure, not a reason to stop
            slot = "hard_bounces"
        else:
            slot = {"sent": "sends", "unsubscribed": "opt_outs", "complained": "complaints"}[
                event_type
            ]
        self.times.setdefault(slot, []).append(at)

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
