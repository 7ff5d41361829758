"""The Channel protocol: what every channel (the simulator, a real email service) offers.

A channel takes a :class:`PlannedSend` with an idempotency key and refuses a key it has seen,
so a send retried after a crash delivers nothing twice. It reports what happened afterwards as
:class:`ChannelEvent` records, the way an email service's event feed does: an open carries its
timestamp, user agent and IP, never a flag saying whether a person or a privacy proxy made it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Literal, Protocol, runtime_checkable

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from overture.ids import CampaignId, ContactId, IdempotencyKey

__all__ = [
    "Channel",
    "ChannelEvent",
    "EventKind",
    "PlannedSend",
    "Receipt",
    "Recipient",
    "Removal",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class EventKind(StrEnum):
    DELIVERED = "delivered"
    BOUNCED = "bounced"
    OPENED = "opened"
    CLICKED = "clicked"
    UNSUBSCRIBED = "unsubscribed"
    COMPLAINED = "complained"


class Recipient(BaseModel):
    """One contact in a send, with its own send time and subject line."""

    model_config = _FROZEN
    contact_id: ContactId
    address: str
    send_at: AwareDatetime
    subject: str
    arm: str | None = None
    """The experiment arm (or "holdout" is never sent: holdouts are not recipients)."""


class PlannedSend(BaseModel):
    """A send as the conductor plans it. ``key`` makes it idempotent."""

    model_config = _FROZEN
    key: IdempotencyKey
    campaign_id: CampaignId
    recipients: tuple[Recipient, ...]
    content: str = ""
    """The body; subject lines are per recipient."""
    sender: str = "newsletter@example.com"


class Removal(BaseModel):
    """A recipient taken out of a send before the channel saw it, and the rule that did it."""

    model_config = _FROZEN
    contact_id: ContactId
    rule: str
    """The rule's identifier with its reference (a regulation's article or a policy key)."""


class Receipt(BaseModel):
    """What the channel did with a planned send."""

    model_config = _FROZEN
    key: IdempotencyKey
    accepted: int = Field(ge=0)
    """Messages accepted under this key; for a repeated key, those accepted the first time."""
    duplicate: bool = False
    """True when the key had been seen: nothing was sent this time."""
    removed: tuple[Removal, ...] = ()
    """Recipients a send-path guard removed before calling the channel, each with its rule."""


class ChannelEvent(BaseModel):
    """One thing that happened to one message, as an email service reports it."""

    model_config = _FROZEN
    kind: EventKind
    contact_id: ContactId
    campaign_id: CampaignId
    occurred_at: AwareDatetime
    user_agent: str | None = None
    ip: str | None = None
    url: str | None = None
    """The clicked link, for clicks."""
    bounce_type: Literal["hard", "soft"] | None = None
    """For bounces: ``hard`` (the address does not exist) or ``soft`` (a temporary failure)."""


@runtime_checkable
class Channel(Protocol):
    """A way to reach contacts. The simulator and every real connector implement it."""

    name: str

    def send(self, planned: PlannedSend) -> Receipt:
        """Schedule ``planned``; a key already seen sends nothing and returns ``duplicate``."""
        ...

    def events(self, since: datetime, until: datetime) -> Sequence[ChannelEvent]:
        """Events that occurred in ``[since, until)``, in time order."""
        ...
