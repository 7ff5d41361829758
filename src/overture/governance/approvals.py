"""Approval gates: what waits for a person, and how a person's answer reaches the waiting run.

The policy reviewer opens a gate (a row in ``governance_approvals``) when it returns an
``approval`` verdict; the run then waits durably on a DBOS message whose topic is the
approval id. :meth:`ApprovalBook.decide` checks the gate is still open, sends the person's
:class:`~overture.agents.ApprovalAnswer` to the run through DBOS, records the decision and
audits it. A gate not answered by its deadline is a rejection: the run decides that itself.
People answer in wall time whatever the run's clock: a gate's ``answer_by`` is wall time, and
the run waits until then. A simulated run whose policy sets ``[approvals] rehearsal`` has its
gates answered by code instead (:meth:`ApprovalBook.rehearse`), recorded and audited as such.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic import JsonValue, TypeAdapter
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from overture.agents.review import ApprovalAnswer
from overture.clock import Clock, utc
from overture.exceptions import UsageError
from overture.governance.audit import AuditLog
from overture.governance.tables import approvals_table

__all__ = ["REHEARSAL", "Approval", "ApprovalBook", "MessageSender", "dbos_sender"]

_JSON: TypeAdapter[JsonValue] = TypeAdapter(JsonValue)

REHEARSAL = "rehearsal"
"""Who answered a gate a rehearsal's policy answered by code (``decided_by``)."""

MessageSender = Callable[[str, str, str], None]
"""Delivers ``(run_id, message, topic)`` to a waiting run (DBOS in production)."""


@dataclass(frozen=True)
class Approval:
    approval_id: str
    run_id: str
    step: int
    agent: str
    tool: str
    reason: str
    rules: tuple[str, ...]
    evidence: JsonValue
    requested_at: datetime
    deadline: datetime
    """On the run's clock (a simulated run has its own time)."""
    wait_seconds: float
    status: str
    """``pending``, ``approved`` or ``rejected``."""
    decided_at: datetime | None
    decided_by: str
    note: str

    opened_wall: datetime
    """When the gate opened, in wall time: how long a person has is counted from here."""

    @property
    def answer_by(self) -> datetime:
        """The wall time after which the waiting run has taken silence as a rejection."""
        return utc(self.opened_wall) + timedelta(seconds=self.wait_seconds)

    def open_at(self, now: datetime) -> bool:
        """Whether a person may still answer at wall time ``now``."""
        return self.status == "pending" and utc(now) < self.answer_by


class ApprovalBook:
    """The gates of every run in one runs database."""

    def __init__(self, engine: sa.Engine, audit: AuditLog | None = None) -> None:
        self.engine = engine
        self.audit = audit or AuditLog(engine)

    def open(
        self,
        *,
        approval_id: str,
        run_id: str,
        step: int,
        agent: str,
        tool: str,
        reason: str,
        rules: Sequence[str],
        evidence: JsonValue,
        requested_at: datetime,
        deadline: datetime,
        opened_at_wall: datetime,
    ) -> Approval:
        """Open a gate, or return the one already opened under this id (a re-run step)."""
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        wait = (utc(deadline) - utc(requested_at)).total_seconds()
        with Session(self.engine) as session, session.begin():
            session.execute(
                insert(approvals_table)
                .values(
                    approval_id=approval_id,
                    run_id=run_id,
                    step=step,
                    agent=agent,
                    tool=tool,
                    reason=reason,
                    rules=json.dumps(list(rules)),
                    evidence=json.dumps(evidence, sort_keys=True),
                    requested_at=utc(requested_at).isoformat(),
                    deadline=utc(deadline).isoformat(),
                    wait_seconds=wait,
                    status="pending",
                    opened_wall=utc(opened_at_wall).isoformat(),
                )
                .on_conflict_do_nothing()
            )
        found = self.get(approval_id)
        assert found is not None
        return found

    def get(self, approval_id: str) -> Approval | None:
        with Session(self.engine) as session:
            row = session.execute(
                sa.select(approvals_table).where(approvals_table.c.approval_id == approval_id)
            ).first()
        return None if row is None else _approval(row)

    def all(self, run_id: str | None = None) -> list[Approval]:
        query = sa.select(approvals_table).order_by(approvals_table.c.opened_wall)
        if run_id is not None:
            query = query.where(approvals_table.c.run_id == run_id)
        with Session(self.engine) as session:
            return [_approval(row) for row in session.execute(query)]

    def waiting(self, now: datetime) -> list[Approval]:
        """Gates a person may still answer at wall time ``now``, oldest first."""
        return [a for a in self.all() if a.open_at(now)]

    def decide(
        self,
        approval_id: str,
        *,
        approved: bool,
        note: str,
        decided_by: str,
        clock: Clock,
        send: MessageSender,
    ) -> Approval:
        """Answer a gate: send the answer to the waiting run, record and audit it."""
        gate = self.get(approval_id)
        if gate is None:
            raise UsageError(
                f"no approval gate '{approval_id}'", "list the open ones with: overture approvals"
            )
        now = clock.now()
        if gate.status != "pending":
            raise UsageError(
                f"approval gate '{approval_id}' was already {gate.status} by "
                f"{gate.decided_by or 'someone'}",
                "nothing to do; open gates are listed by: overture approvals",
            )
        if not gate.open_at(now):
            raise UsageError(
                f"approval gate '{approval_id}' expired at {gate.answer_by:%Y-%m-%d %H:%M} UTC; "
                "the run treated it as a rejection",
                "nothing to do; the action was not taken",
            )
        answer = ApprovalAnswer(approved=approved, note=note, decided_by=decided_by)
        send(gate.run_id, answer.model_dump_json(), approval_id)
        return self._record(gate, approved, note, decided_by, f"person:{decided_by}", now)

    def rehearse(self, approval_id: str, *, approved: bool, note: str, at: datetime) -> Approval:
        """Answer a gate by code, for a rehearsal (a simulated run whose policy says so):
        recorded and audited as the rehearsal's answer, never as a person's. A gate already
        answered (a re-run review) is returned as it is."""
        gate = self.get(approval_id)
        if gate is None:
            raise UsageError(f"no approval gate '{approval_id}'", "open it before answering it")
        if gate.status != "pending":
            return gate
        return self._record(gate, approved, note, REHEARSAL, f"policy:{REHEARSAL}", at)

    def _record(
        self,
        gate: Approval,
        approved: bool,
        note: str,
        decided_by: str,
        actor: str,
        at: datetime,
    ) -> Approval:
        status = "approved" if approved else "rejected"
        with Session(self.engine) as session, session.begin():
            session.execute(
                approvals_table.update()
                .where(approvals_table.c.approval_id == gate.approval_id)
                .values(
                    status=status,
                    decided_at=utc(at).isoformat(),
                    decided_by=decided_by,
                    note=note,
                )
            )
            self.audit.append(
                actor=actor,
                action="approve" if approved else "reject",
                at=at,
                run_id=gate.run_id,
                approval_id=gate.approval_id,
                rule=", ".join(gate.rules),
                evidence={"note": note, "tool": gate.tool, "agent": gate.agent},
                key=f"decision:{gate.approval_id}",
                session=session,
            )
        decided = self.get(gate.approval_id)
        assert decided is not None
        return decided


def dbos_sender(system_url: str) -> MessageSender:
    """A sender through DBOS's client, on the workspace's DBOS system database."""

    def send(run_id: str, message: str, topic: str) -> None:
        from dbos import DBOSClient

        from overture.runs import create_engine

        engine = create_engine(system_url) if system_url.startswith("sqlite") else None
        client = DBOSClient(system_database_url=system_url, system_database_engine=engine)
        try:
            # Keyed by the gate: answering twice (a retry) delivers one message.
            client.send(run_id, message, topic=topic, idempotency_key=f"answer:{topic}")
        finally:
            client.destroy()
            if engine is not None:
                engine.dispose()

    return send


def _approval(row: sa.Row[Any]) -> Approval:
    data = dict(zip(approvals_table.columns.keys(), row, strict=True))
    decided = data["decided_at"]
    return Approval(
        approval_id=str(data["approval_id"]),
        run_id=str(data["run_id"]),
        step=int(data["step"]),
        agent=str(data["agent"]),
        tool=str(data["tool"]),
        reason=str(data["reason"]),
        rules=tuple(json.loads(str(data["rules"]))),
        evidence=_JSON.validate_python(json.loads(str(data["evidence"]))),
        requested_at=datetime.fromisoformat(str(data["requested_at"])),
        deadline=datetime.fromisoformat(str(data["deadline"])),
        wait_seconds=float(data["wait_seconds"]),
        status=str(data["status"]),
        decided_at=None if decided is None else datetime.fromisoformat(str(decided)),
        decided_by=str(data["decided_by"] or ""),
        note=str(data["note"] or ""),
        opened_wall=datetime.fromisoformat(str(data["opened_wall"])),
    )
