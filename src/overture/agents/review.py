"""Review of proposed actions: the hook through which governance allows, denies or gates a
side effect before it reaches the outbox. No model output can skip it: the conductor calls
every configured reviewer on every action, and any denial wins.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, JsonValue

from overture.objective import Objective

__all__ = ["ActionReviewer", "ApprovalAnswer", "Review", "ReviewVerdict"]


class ReviewVerdict(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    APPROVAL = "approval"
    """Allowed only once a person approves it before ``deadline``; no answer is a rejection."""


class ApprovalAnswer(BaseModel):
    """The message a person's approval or rejection sends to a waiting run (as JSON)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    approved: bool
    note: str = ""
    decided_by: str = ""


class Review(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    verdict: ReviewVerdict
    reason: str = ""
    rule: str | None = None
    """The rule that decided (a policy key or a regulation's reference)."""
    approval_id: str | None = None
    deadline: AwareDatetime | None = None
    """When the gate expires, on the run's clock (simulated time in a simulated run)."""
    answer_by: AwareDatetime | None = None
    """When the gate expires in wall time: people answer in wall time whatever the run's clock,
    so this, when given, is what the run waits until."""
    answer: ApprovalAnswer | None = None
    """An answer given already, by code (a rehearsal's policy): the run takes it without
    waiting, and records it like a person's."""

    def __setstate__(self, state: dict[Any, Any]) -> None:
        # Reviews are kept pickled in a durable run's steps: one recorded by an older version (a
        # run paused at a gate across an upgrade) lacks the newer fields, which take defaults.
        values = state.get("__dict__", {})
        for name, info in type(self).model_fields.items():
            if name not in values and not info.is_required():
                values[name] = info.get_default(call_default_factory=True)
        super().__setstate__(state)


class ActionReviewer(Protocol):
    """Reviews one proposed side effect. Must be deterministic: reviews are replayed."""

    def review(
        self,
        *,
        run_id: str,
        step: int,
        agent: str,
        tool: str,
        input: JsonValue,
        objective: Objective,
    ) -> Review: ...
