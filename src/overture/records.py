"""The typed records that cross package boundaries and are stored in a run's event log.

Agents return facts and evidence, deciders return ledgers, measures return measurements, and the
run store persists all of them; so they live here, below every package that uses them. The logic
that updates ledgers lives in :mod:`overture.conductor`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue

__all__ = [
    "Evidence",
    "Fact",
    "Measurement",
    "Outcome",
    "OutcomeKind",
    "PlanStep",
    "ProgressLedger",
    "TaskLedger",
    "Usage",
    "jsonable",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Fact(BaseModel):
    """Something known, with where it came from (a step, a tool call, a query)."""

    model_config = _FROZEN
    key: str
    value: JsonValue
    source: str


class Evidence(BaseModel):
    """A tool output or query result that an agent's claims rest on."""

    model_config = _FROZEN
    tool: str
    input: JsonValue = None
    output: JsonValue = None


class Usage(BaseModel):
    """Model usage of one call or summed over many. ``cost_usd`` is None when unpriced."""

    model_config = _FROZEN
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = 0.0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        cost = (
            None
            if self.cost_usd is None or other.cost_usd is None
            else self.cost_usd + other.cost_usd
        )
        return Usage(
            requests=self.requests + other.requests,
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cost_usd=cost,
        )


class Measurement(BaseModel):
    """The objective's metric as measured by code on the store.

    ``lower``/``upper`` bound the value at the measure's confidence (anytime-valid where the
    measure says so). ``baseline`` is the level the objective is relative to.
    """

    model_config = _FROZEN
    metric: str
    value: float | None
    """None until there is data to measure on."""
    baseline: float
    lower: float | None = None
    upper: float | None = None
    sample_size: int = 0
    at: AwareDatetime
    detail: dict[str, JsonValue] = Field(default_factory=dict[str, JsonValue])
    """Counts and intermediate figures, so the measurement can be checked."""


class PlanStep(BaseModel):
    model_config = _FROZEN
    agent: str
    instruction: str


class TaskLedger(BaseModel):
    """The conductor's outer memory: facts with their sources, open questions, the plan."""

    model_config = _FROZEN
    facts: tuple[Fact, ...] = ()
    open_questions: tuple[str, ...] = ()
    plan: tuple[PlanStep, ...] = ()

    def fact(self, key: str) -> Fact | None:
        """The newest fact with ``key``, or None."""
        for fact in reversed(self.facts):
            if fact.key == key:
                return fact
        return None

    def with_facts(self, new: tuple[Fact, ...]) -> TaskLedger:
        """A ledger with ``new`` facts added; a newer fact replaces an older one of the same key."""
        keys = {fact.key for fact in new}
        kept = tuple(fact for fact in self.facts if fact.key not in keys)
        return self.model_copy(update={"facts": kept + new})


class ProgressLedger(BaseModel):
    """The conductor's inner loop, answered each turn.

    ``met`` is computed by code from a measurement; the decider answers the rest.
    """

    model_config = _FROZEN
    met: bool = False
    progressing: bool = True
    looping: bool = False
    next_agent: str
    instruction: str
    reason: str


class OutcomeKind(StrEnum):
    """How a run ended."""

    REACHED = "reached"
    """The measured lower bound cleared the target."""
    UNREACHABLE = "unreachable"
    """The measured upper bound stayed below the target at the run's horizon."""
    BUDGET_EXHAUSTED = "budget_exhausted"
    """A budget ran out first; the summary says what had been reached, without a verdict."""
    STOPPED = "stopped"
    """A person stopped the run, or the plan had nothing left to try with the target undecided."""
    FAILED = "failed"
    """An error ended the run."""


class Outcome(BaseModel):
    """The end of a run, with a summary a person can read and the evidence behind it."""

    model_config = _FROZEN
    kind: OutcomeKind
    summary: str
    measurement: Measurement | None = None
    budget: str | None = None
    """The budget that ran out, for ``budget_exhausted``."""


def jsonable(value: Any) -> JsonValue:
    """A JSON-compatible copy of a pydantic model or plain value (for event payloads)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value
