"""The send-path guard: a channel that wraps any channel and lets through only lawful sends.

Whatever a model or an agent planned, :class:`GuardedChannel` removes, before the inner
channel is called, every recipient the rules block: no valid basis for this channel and
purpose, withdrawn or expired consent, opted out, suppressed, bounced or complained, over
the frequency cap, or inside quiet hours in their own time zone; and every recipient of a
message whose copy is blocked or that does not identify its sender. Each removal comes back
in the :class:`~overture.channels.Receipt` with its rule, so it lands in the run's event log,
and the guard writes one audit entry per send.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from functools import cache
from pathlib import Path

from pydantic import JsonValue

from overture.channels import Channel, ChannelEvent, PlannedSend, Receipt, Recipient, Removal
from overture.clock import Clock, WallClock
from overture.governance.audit import AuditLog
from overture.governance.consent import Message, first_block
from overture.governance.facts import ConsentSource, ContactFacts
from overture.governance.policy import Policy, policy_for_workspace
from overture.governance.tables import governance_engine
from overture.ids import ContactId
from overture.workspace import Workspace

__all__ = [
    "BLOCKED_COPY",
    "SENDER_IDENTIFICATION",
    "UNKNOWN_CONTACT",
    "GuardedChannel",
    "find_terms",
    "guard_environment_channel",
]

SENDER_IDENTIFICATION = "sender-identification (CAN-SPAM 15 U.S.C. 7704(a)(5); CASL s. 6(2))"
BLOCKED_COPY = "blocked-copy (policy copy.blocked)"
UNKNOWN_CONTACT = "unknown-contact (no facts, so no basis)"


@cache
def _pattern(term: str) -> re.Pattern[str]:
    # Whole words where the term starts or ends with a word character ("sale" not "wholesale").
    left = r"(?<!\w)" if re.match(r"\w", term) else ""
    right = r"(?!\w)" if re.search(r"\w$", term) else ""
    return re.compile(left + re.escape(term) + right, re.IGNORECASE)


def find_terms(texts: Iterable[str], terms: Sequence[str]) -> tuple[str, ...]:
    """The ``terms`` found in any of ``texts`` (case-insensitive, whole words)."""
    joined = "\n".join(texts)
    return tuple(term for term in terms if term and _pattern(term).search(joined))


class GuardedChannel:
    """A :class:`~overture.channels.Channel` that enforces the policy's send-path rules."""

    def __init__(
        self,
        inner: Channel,
        facts: ConsentSource,
        policy: Policy,
        *,
        purpose: str | None = None,
        medium: str = "email",
        audit: AuditLog | None = None,
        clock: Clock | None = None,
        run_id: str = "",
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.medium = medium
        """What consents are recorded for (``email``, ``sms``): a channel's name says which
        service it is (``sim-email``), not which medium."""
        self.facts = facts
        self.policy = policy
        self.purpose = purpose or policy.sends.purpose
        self.audit = audit
        self.clock = clock or WallClock()
        self.run_id = run_id
        self._sent: dict[ContactId, list[datetime]] = {}
        """Sends this guard let through, for the cap before the facts' source hears of them."""
        self._pending: dict[ContactId, list[datetime]] = {}
        """Sends passed so far in the send being screened."""

    def screen(self, planned: PlannedSend) -> tuple[list[Recipient], list[Removal]]:
        """Split the planned recipients into those who may be sent to and those removed."""
        message_block = self._message_block(planned)
        if message_block is not None:
            return [], [
                Removal(contact_id=r.contact_id, rule=message_block) for r in planned.recipients
            ]
        known = self.facts.facts([r.contact_id for r in planned.recipients], self.medium)
        kept: list[Recipient] = []
        removed: list[Removal] = []
        self._pending = {}
        for recipient in planned.recipients:
            rule = self._recipient_block(recipient, known.get(recipient.contact_id))
            if rule is None:
                kept.append(recipient)
                self._pending.setdefault(recipient.contact_id, []).append(recipient.send_at)
            else:
                removed.append(Removal(contact_id=recipient.contact_id, rule=rule))
        return kept, removed

    def send(self, planned: PlannedSend) -> Receipt:
        kept, removed = self.screen(planned)
        if kept:
            receipt = self.inner.send(planned.model_copy(update={"recipients": tuple(kept)}))
            if not receipt.duplicate:
                for contact_id, times in self._pending.items():
                    self._sent.setdefault(contact_id, []).extend(times)
        else:
            receipt = Receipt(key=planned.key, accepted=0)
        receipt = receipt.model_copy(update={"removed": tuple(removed)})
        if self.audit is not None:
            by_rule: dict[str, list[JsonValue]] = {}
            for removal in removed:
                by_rule.setdefault(removal.rule, []).append(removal.contact_id)
            removed_by_rule: dict[str, JsonValue] = dict(sorted(by_rule.items()))
            evidence: dict[str, JsonValue] = {
                "key": str(planned.key),
                "campaign_id": str(planned.campaign_id),
                "purpose": self.purpose,
                "planned": len(planned.recipients),
                "passed": len(kept),
                "accepted": receipt.accepted,
                "duplicate": receipt.duplicate,
                "removed": removed_by_rule,
            }
            self.audit.append(
                actor=f"guard:{self.name}",
                action="send",
                at=self.clock.now(),
                run_id=self.run_id,
                rule=", ".join(sorted(by_rule)),
                evidence=evidence,
                key=f"guard:{self.name}:{planned.key}",
            )
        return receipt

    def events(self, since: datetime, until: datetime) -> Sequence[ChannelEvent]:
        return self.inner.events(since, until)

    def _message_block(self, planned: PlannedSend) -> str | None:
        sender = self.policy.sender
        if sender.required and not (
            planned.sender.strip()
            and sender.postal_address.strip()
            and sender.unsubscribe_url.strip()
        ):
            return SENDER_IDENTIFICATION
        if find_terms([planned.content], self.policy.copy_rules.blocked):
            return BLOCKED_COPY
        return None

    def _recipient_block(self, recipient: Recipient, contact: ContactFacts | None) -> str | None:
        if contact is None:
            return UNKNOWN_CONTACT
        if find_terms([recipient.subject], self.policy.copy_rules.blocked):
            return BLOCKED_COPY
        extra = [
            *self._sent.get(recipient.contact_id, ()),
            *self._pending.get(recipient.contact_id, ()),
        ]
        if extra:
            # A send this guard let through may also be in the facts' source by now (the
            # sender logged it): count each moment once, or the cap would count it twice.
            known = set(contact.sends)
            contact = replace(
                contact, sends=(*contact.sends, *(t for t in extra if t not in known))
            )
        message = Message(channel=self.medium, purpose=self.purpose, at=recipient.send_at)
        return first_block(contact, message, self.policy)


def guard_environment_channel(
    channel: Channel,
    facts: ConsentSource,
    *,
    workspace: Path,
    clock: Clock,
    settings: Mapping[str, str] | None = None,
    purpose: str | None = None,
) -> GuardedChannel:
    """Wrap an environment's channel under the workspace's policy, audited in its runs
    database: what an environment factory calls before handing the channel to agents."""
    named = dict(settings or {})
    url = named.get("governance.runs_url") or Workspace(workspace).runs_url
    workspace.mkdir(parents=True, exist_ok=True)
    return GuardedChannel(
        channel,
        facts,
        policy_for_workspace(workspace, named),
        purpose=purpose,
        audit=AuditLog(governance_engine(url)),
        clock=clock,
        run_id=named.get("run_id", ""),
    )
