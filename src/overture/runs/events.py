"""The typed events of a run's log: a discriminated union on ``kind``.

The event log is the only record of what a run did. Reports, KPIs, traces and replay read it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue, TypeAdapter

from overture.models.recording import Exchange
from overture.objective import Objective
from overture.records import Evidence, Fact, Measurement, Outcome, ProgressLedger, TaskLedger, Usage

__all__ = [
    "ActionDone",
    "ActionRecorded",
    "ActionReviewed",
    "AgentFinished",
    "ApprovalDecided",
    "BriefIssued",
    "CycleEnded",
    "Decided",
    "Event",
    "EventPayload",
    "Measured",
    "PlanMade",
    "Replanned",
    "RunEnded",
    "RunStarted",
    "Waited",
    "parse_payload",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class RunStarted(BaseModel):
    model_config = _FROZEN
    kind: Literal["run_started"] = "run_started"
    objective: Objective
    config: dict[str, JsonValue]


class PlanMade(BaseModel):
    """The task ledger after a plan or replan, with what the decider saw and used."""

    model_config = _FROZEN
    kind: Literal["plan_made"] = "plan_made"
    ledger: TaskLedger
    reason: str
    model: str
    decider_input: dict[str, JsonValue]
    usage: Usage
    exchanges: tuple[Exchange, ...] = ()
    """What a provider's model was asked and answered for this plan (none for ``offline``,
    whose answers are re-derived on replay)."""


class Decided(BaseModel):
    """The progress ledger of one turn, with what the decider saw and used."""

    model_config = _FROZEN
    kind: Literal["decided"] = "decided"
    progress: ProgressLedger
    model: str
    decider_input: dict[str, JsonValue]
    usage: Usage
    exchanges: tuple[Exchange, ...] = ()
    """What a provider's model was asked and answered for this turn (none for ``offline``)."""


class BriefIssued(BaseModel):
    model_config = _FROZEN
    kind: Literal["brief_issued"] = "brief_issued"
    agent: str
    instruction: str
    fact_keys: tuple[str, ...]
    size_bytes: int
    withheld_keys: int
    """How many known facts were kept out of the brief because the agent did not declare them."""


class AgentFinished(BaseModel):
    model_config = _FROZEN
    kind: Literal["agent_finished"] = "agent_finished"
    agent: str
    output: JsonValue
    facts: tuple[Fact, ...]
    evidence: tuple[Evidence, ...] = ()
    """The tool outputs and query results the agent's output and text rest on."""
    text: str
    usage: Usage
    error: str | None = None


class ActionReviewed(BaseModel):
    """What governance decided about a proposed side effect, before any outbox row exists."""

    model_config = _FROZEN
    kind: Literal["action_reviewed"] = "action_reviewed"
    agent: str
    tool: str
    verdict: str
    """``allow``, ``deny`` or ``approval``."""
    reasons: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    approval_id: str | None = None
    deadline: AwareDatetime | None = None


class ApprovalDecided(BaseModel):
    """A person's answer to an approval gate, or its expiry (a rejection)."""

    model_config = _FROZEN
    kind: Literal["approval_decided"] = "approval_decided"
    approval_id: str
    approved: bool
    note: str = ""
    decided_by: str = ""
    expired: bool = False


class ActionRecorded(BaseModel):
    """A side effect written to the outbox, in the same transaction as this event."""

    model_config = _FROZEN
    kind: Literal["action_recorded"] = "action_recorded"
    key: str
    agent: str
    tool: str
    input: JsonValue


class ActionDone(BaseModel):
    model_config = _FROZEN
    kind: Literal["action_done"] = "action_done"
    key: str
    tool: str
    result: JsonValue
    sends: int = 0
    """Messages this action handed to a channel (counted against the sends budget)."""


class Measured(BaseModel):
    """The objective's metric measured by code, and the verdict code drew from it."""

    model_config = _FROZEN
    kind: Literal["measured"] = "measured"
    measurement: Measurement
    target: float | None
    met: bool
    shown_unreachable: bool


class Waited(BaseModel):
    model_config = _FROZEN
    kind: Literal["waited"] = "waited"
    until: AwareDatetime
    requested_by: str


class CycleEnded(BaseModel):
    model_config = _FROZEN
    kind: Literal["cycle_ended"] = "cycle_ended"
    cycle: int


class Replanned(BaseModel):
    model_config = _FROZEN
    kind: Literal["replanned"] = "replanned"
    reason: str
    replans: int
    excluded: tuple[str, ...]


class RunEnded(BaseModel):
    model_config = _FROZEN
    kind: Literal["run_ended"] = "run_ended"
    outcome: Outcome
    usage: Usage
    steps: int


EventPayload = Annotated[
    RunStarted
    | PlanMade
    | Decided
    | BriefIssued
    | AgentFinished
    | ActionReviewed
    | ApprovalDecided
    | ActionRecorded
    | ActionDone
    | Measured
    | Waited
    | CycleEnded
    | Replanned
    | RunEnded,
    Field(discriminator="kind"),
]

_PAYLOAD: TypeAdapter[EventPayload] = TypeAdapter(EventPayload)


def parse_payload(raw: str | bytes) -> EventPayload:
    """Parse a stored payload back into its typed event."""
    return _PAYLOAD.validate_json(raw)


class Event(BaseModel):
    """One entry of a run's log."""

    model_config = _FROZEN
    run_id: str
    seq: int
    at: AwareDatetime
    """Clock time: simulated in a simulated run."""
    payload: EventPayload
