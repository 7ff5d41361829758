"""Governance: the policy file, authorization (Cedar), consent rules, the send-path guard that
wraps every channel, masking of personal data before model calls, approval gates and the
hash-chained audit log. Compliance as code that no model output can bypass."""

from overture.governance.approvals import REHEARSAL, Approval, ApprovalBook, dbos_sender
from overture.governance.audit import AuditEntry, AuditLog, AuditReport
from overture.governance.authorization import AccessDecision, Authorizer
from overture.governance.consent import RULES, Message, first_block
from overture.governance.facts import (
    Basis,
    ConsentRecord,
    ConsentSource,
    ContactFacts,
    InMemoryFacts,
    StoreFacts,
)
from overture.governance.guard import GuardedChannel, guard_environment_channel
from overture.governance.masking import (
    KnownValues,
    Masker,
    mask,
    masks_with,
    redact_fields,
    store_known_values,
    store_personal_values,
    unmask,
)
from overture.governance.policy import (
    Policy,
    check_model,
    default_policy,
    load_policy,
    parse_policy,
    policy_for_workspace,
)
from overture.governance.reviewer import PolicyReviewer, policy_reviewer
from overture.governance.tables import governance_engine

__all__ = [
    "REHEARSAL",
    "RULES",
    "AccessDecision",
    "Approval",
    "ApprovalBook",
    "AuditEntry",
    "AuditLog",
    "AuditReport",
    "Authorizer",
    "Basis",
    "ConsentRecord",
    "ConsentSource",
    "ContactFacts",
    "GuardedChannel",
    "InMemoryFacts",
    "KnownValues",
    "Masker",
    "Message",
    "Policy",
    "PolicyReviewer",
    "StoreFacts",
    "check_model",
    "dbos_sender",
    "default_policy",
    "first_block",
    "governance_engine",
    "guard_environment_channel",
    "load_policy",
    "mask",
    "masks_with",
    "parse_policy",
    "policy_for_workspace",
    "policy_reviewer",
    "redact_fields",
    "store_known_values",
    "store_personal_values",
    "unmask",
]
