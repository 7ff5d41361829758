"""Channels: the protocol every way of reaching contacts implements (email first)."""

from overture.channels.base import (
    Channel,
    ChannelEvent,
    EventKind,
    PlannedSend,
    Receipt,
    Recipient,
    Removal,
)

__all__ = ["Channel", "ChannelEvent", "EventKind", "PlannedSend", "Receipt", "Recipient", "Removal"]
