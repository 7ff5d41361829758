"""The run store: the append-only event log of every run and the send outbox."""

from overture.runs.events import (
    ActionDone,
    ActionRecorded,
    AgentFinished,
    BriefIssued,
    CycleEnded,
    Decided,
    Event,
    EventPayload,
    Measured,
    PlanMade,
    Replanned,
    RunEnded,
    RunStarted,
    Waited,
    parse_payload,
)
from overture.runs.store import OutboxEntry, RunStore, RunSummary, create_engine

__all__ = [
    "ActionDone",
    "ActionRecorded",
    "AgentFinished",
    "BriefIssued",
    "CycleEnded",
    "Decided",
    "Event",
    "EventPayload",
    "Measured",
    "OutboxEntry",
    "PlanMade",
    "Replanned",
    "RunEnded",
    "RunStarted",
    "RunStore",
    "RunSummary",
    "Waited",
    "create_engine",
    "parse_payload",
]
