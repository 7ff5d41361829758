"""Approval gates: opened once, listed while open, answered once, refused when expired."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from governance_support import NOW

from overture.agents import ApprovalAnswer
from overture.clock import VirtualClock
from overture.exceptions import UsageError
from overture.governance import ApprovalBook, AuditLog


def _open(book: ApprovalBook, approval_id: str = "run-1-3-send-abcd", hours: float = 24) -> None:
    book.open(
        approval_id=approval_id,
        run_id="run-1",
        step=3,
        agent="sender",
        tool="send",
        reason="audience of 9000 is over 5000",
        rules=("approvals.audience_over",),
        evidence={"audience": 9000},
        requested_at=NOW,
        deadline=NOW + timedelta(hours=hours),
        opened_at_wall=NOW,
    )


class Outbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str, str]] = []

    def __call__(self, run_id: str, message: str, topic: str) -> None:
        self.messages.append((run_id, message, topic))


def test_a_gate_opens_once_and_is_listed_while_open(engine: sa.Engine) -> None:
    book = ApprovalBook(engine)
    _open(book)
    _open(book)
    gates = book.waiting(NOW + timedelta(hours=1))
    assert [g.approval_id for g in gates] == ["run-1-3-send-abcd"]
    gate = gates[0]
    assert gate.rules == ("approvals.audience_over",)
    assert gate.evidence == {"audience": 9000}
    assert gate.answer_by == NOW + timedelta(hours=24)
    assert book.waiting(NOW + timedelta(hours=24)) == []
    assert book.all("run-2") == [] and len(book.all("run-1")) == 1


def test_an_answer_reaches_the_run_and_is_audited(engine: sa.Engine) -> None:
    book = ApprovalBook(engine)
    _open(book)
    outbox = Outbox()
    gate = book.decide(
        "run-1-3-send-abcd",
        approved=True,
        note="checked the list",
        decided_by="ana",
        clock=VirtualClock(NOW + timedelta(hours=2)),
        send=outbox,
    )
    assert (gate.status, gate.decided_by, gate.note) == ("approved", "ana", "checked the list")
    run_id, message, topic = outbox.messages[0]
    assert (run_id, topic) == ("run-1", "run-1-3-send-abcd")
    assert ApprovalAnswer.model_validate_json(message) == ApprovalAnswer(
        approved=True, note="checked the list", decided_by="ana"
    )
    entry = list(AuditLog(engine).entries())[-1]
    assert (entry.actor, entry.action, entry.approval_id) == (
        "person:ana",
        "approve",
        "run-1-3-send-abcd",
    )
    assert entry.rule == "approvals.audience_over"
    with pytest.raises(UsageError, match="already approved by ana"):
        book.decide(
            "run-1-3-send-abcd",
            approved=False,
            note="",
            decided_by="bo",
            clock=VirtualClock(NOW),
            send=outbox,
        )
    assert len(outbox.messages) == 1


def test_a_rejection(engine: sa.Engine) -> None:
    book = ApprovalBook(engine)
    _open(book)
    outbox = Outbox()
    gate = book.decide(
        "run-1-3-send-abcd",
        approved=False,
        note="not now",
        decided_by="bo",
        clock=VirtualClock(NOW),
        send=outbox,
    )
    assert gate.status == "rejected"
    assert not ApprovalAnswer.model_validate_json(outbox.messages[0][1]).approved


def test_an_expired_or_unknown_gate_cannot_be_answered(engine: sa.Engine) -> None:
    book = ApprovalBook(engine)
    _open(book, hours=1)
    outbox = Outbox()
    with pytest.raises(UsageError, match=r"expired .* treated it as a rejection"):
        book.decide(
            "run-1-3-send-abcd",
            approved=True,
            note="",
            decided_by="ana",
            clock=VirtualClock(NOW + timedelta(hours=1)),
            send=outbox,
        )
    with pytest.raises(UsageError, match="no approval gate 'nope'"):
        book.decide(
            "nope", approved=True, note="", decided_by="ana", clock=VirtualClock(NOW), send=outbox
        )
    assert outbox.messages == []
