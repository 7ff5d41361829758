"""Identifiers as distinct types, so a contact id is never passed where a run id belongs."""

from __future__ import annotations

import hashlib
from typing import NewType

__all__ = [
    "AgentName",
    "ApprovalId",
    "CampaignId",
    "ContactId",
    "IdempotencyKey",
    "ProfileId",
    "RunId",
    "StepId",
    "idempotency_key",
]

RunId = NewType("RunId", str)
StepId = NewType("StepId", int)
ContactId = NewType("ContactId", str)
ProfileId = NewType("ProfileId", str)
CampaignId = NewType("CampaignId", str)
AgentName = NewType("AgentName", str)
ApprovalId = NewType("ApprovalId", str)
IdempotencyKey = NewType("IdempotencyKey", str)


def idempotency_key(run_id: RunId, step: StepId, payload: str) -> IdempotencyKey:
    """Derive the key of one side effect from where it happens and what it carries.

    The same run, step and payload always give the same key, so a step re-run after a crash
    asks for the same send and the outbox or channel refuses it.
    """
    digest = hashlib.sha256(f"{run_id}\x1f{step}\x1f{payload}".encode()).hexdigest()
    return IdempotencyKey(f"{run_id}-{step}-{digest[:16]}")
