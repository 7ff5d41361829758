"""Helpers for governance tests: policies, contacts, sends and a recording channel."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from overture.channels import ChannelEvent, PlannedSend, Receipt, Recipient
from overture.governance import Policy, default_policy
from overture.governance.facts import Basis, ConsentRecord, ContactFacts
from overture.ids import CampaignId, ContactId, IdempotencyKey

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
"""A Monday, 15:00 UTC: 10:00 in Montreal and New York, 16:00 in Paris."""


def policy(**sections: Mapping[str, object]) -> Policy:
    """The default policy with some sections changed (keys as in the TOML file)."""
    data = default_policy().model_dump(by_alias=True)
    for name, values in sections.items():
        data[name] = {**data[name], **values}
    return Policy.model_validate(data)


def sending_policy(**sections: Mapping[str, object]) -> Policy:
    """A policy whose sender identification is complete, so sends can go."""
    sender: Mapping[str, object] = {
        "postal_address": "1 Main St, Montreal QC",
        "unsubscribe_url": "https://x.test/u",
    }
    return policy(**{"sender": sender, **sections})


def consent(
    basis: Basis = Basis.EXPRESS_CONSENT,
    *,
    given: bool = True,
    at: datetime = NOW - timedelta(days=30),
    purpose: str = "newsletter",
    channel: str = "email",
    expires: datetime | None = None,
    proof: str = "form-1",
) -> ConsentRecord:
    return ConsentRecord(
        channel=channel,
        purpose=purpose,
        basis=basis,
        given=given,
        recorded_at=at,
        expires_at=expires,
        proof=proof,
    )


def contact(
    cid: str = "c1",
    *records: ConsentRecord,
    country: str = "CA",
    region: str = "ON",
    time_zone: str = "America/Toronto",
    **facts: object,
) -> ContactFacts:
    return ContactFacts(
        contact_id=ContactId(cid),
        country=country,
        region=region,
        time_zone=time_zone,
        consents=records,
        **facts,  # type: ignore[arg-type]
    )


def recipient(cid: str, at: datetime = NOW, subject: str = "Our March news") -> Recipient:
    return Recipient(
        contact_id=ContactId(cid), address=f"{cid}@example.com", send_at=at, subject=subject
    )


def planned(
    recipients: Sequence[Recipient],
    key: str = "k1",
    content: str = "Hello",
    sender: str = "n@x.test",
) -> PlannedSend:
    return PlannedSend(
        key=IdempotencyKey(key),
        campaign_id=CampaignId("camp-1"),
        recipients=tuple(recipients),
        content=content,
        sender=sender,
    )


class RecordingChannel:
    """A channel that honours idempotency keys and remembers every recipient it was given."""

    name = "email"

    def __init__(self) -> None:
        self.sends: list[PlannedSend] = []
        self._keys: dict[str, int] = {}

    def send(self, planned: PlannedSend) -> Receipt:
        if planned.key in self._keys:
            return Receipt(key=planned.key, accepted=self._keys[planned.key], duplicate=True)
        self.sends.append(planned)
        self._keys[planned.key] = len(planned.recipients)
        return Receipt(key=planned.key, accepted=len(planned.recipients))

    def events(self, since: datetime, until: datetime) -> Sequence[ChannelEvent]:
        return []

    @property
    def recipients(self) -> list[Recipient]:
        return [r for send in self.sends for r in send.recipients]
