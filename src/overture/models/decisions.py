"""What a decider is asked and what it answers: the typed exchange with any model.

Two questions: *plan* (build or rebuild the task ledger's plan) and *next* (answer the progress
ledger's questions: who acts next, with what instruction, and why). Whether the objective is met
is never asked: code measures it.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from overture.records import Measurement, PlanStep, ProgressLedger, TaskLedger

__all__ = ["AgentCard", "DecisionInput", "NextStep", "Plan", "Question"]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Question(StrEnum):
    PLAN = "plan"
    NEXT = "next"


class AgentCard(BaseModel):
    """An agent as the decider sees it: what it is for, what it needs and provides."""

    model_config = _FROZEN
    name: str
    purpose: str
    needs: tuple[str, ...] = ()
    provides: tuple[str, ...] = ()
    per_cycle: bool = False


class DecisionInput(BaseModel):
    """Everything a decider may see for one decision. Serialized as the model's prompt."""

    model_config = _FROZEN
    question: Question
    objective: str
    agents: tuple[AgentCard, ...]
    ledger: TaskLedger = TaskLedger()
    cycle: int = 0
    done_this_cycle: tuple[str, ...] = ()
    """Agents that have acted in the current cycle."""
    excluded: tuple[str, ...] = ()
    """Agents the conductor took out of the plan after they stalled."""
    recent: tuple[ProgressLedger, ...] = ()
    measurement: Measurement | None = None
    replan_reason: str = ""


class Plan(BaseModel):
    """The answer to :attr:`Question.PLAN`."""

    model_config = _FROZEN
    steps: tuple[PlanStep, ...]
    open_questions: tuple[str, ...] = ()


class NextStep(BaseModel):
    """The answer to :attr:`Question.NEXT`. An empty ``next_agent`` means nothing is left to do."""

    model_config = _FROZEN
    next_agent: str
    instruction: str
    reason: str
    progressing: bool = True
    looping: bool = False
