"""The audit log: append-only and hash-chained (SHA-256), in the runs database.

Each entry says who or what acted (an agent, a tool, the send-path guard, a person), on whose
approval, with what evidence and under which rule. Its hash covers its own fields and the
previous entry's hash, so editing, deleting or reordering any entry breaks the chain from
there on; a separate head row (the last sequence number and hash, written in the same
transaction) catches entries cut off the end. :meth:`AuditLog.verify` checks all of it;
publishing the head hash elsewhere also catches a rewrite of the whole chain.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TextIO

import sqlalchemy as sa
from pydantic import AwareDatetime, BaseModel, ConfigDict, JsonValue, TypeAdapter
from sqlalchemy.orm import Session

from overture.clock import utc
from overture.governance.tables import audit_head_table, audit_table

__all__ = ["GENESIS", "AuditEntry", "AuditLog", "AuditReport", "entry_hash"]

GENESIS = "0" * 64
"""The previous hash of the first entry."""

_JSON: TypeAdapter[JsonValue] = TypeAdapter(JsonValue)


class AuditEntry(BaseModel):
    """One audited act, as stored and exported."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    seq: int
    at: AwareDatetime
    actor: str
    """``agent:NAME``, ``tool:NAME``, ``guard:CHANNEL``, ``reviewer:policy`` or ``person:NAME``."""
    action: str
    run_id: str = ""
    approval_id: str = ""
    """The approval the act rests on, or the gate it opened or decided."""
    rule: str = ""
    evidence: JsonValue = None
    key: str = ""
    """Makes an append idempotent: the same key twice is one entry."""
    prev_hash: str
    hash: str


def entry_hash(
    prev_hash: str,
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    run_id: str,
    approval_id: str,
    rule: str,
    evidence: JsonValue,
    key: str,
) -> str:
    """SHA-256 over the previous hash and the entry's fields in a canonical JSON form."""
    body = json.dumps(
        [seq, utc(at).isoformat(), actor, action, run_id, approval_id, rule, evidence, key],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(f"{prev_hash}\x1f{body}".encode()).hexdigest()


@dataclass(frozen=True)
class AuditReport:
    """The verdict of :meth:`AuditLog.verify`."""

    entries: int
    head_hash: str
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


class AuditLog:
    """Appends to and checks the audit chain in one database."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def append(
        self,
        *,
        actor: str,
        action: str,
        at: datetime,
        run_id: str = "",
        approval_id: str = "",
        rule: str = "",
        evidence: JsonValue = None,
        key: str = "",
        session: Session | None = None,
    ) -> AuditEntry:
        """Append one entry (in ``session`` if given, so it commits with the caller's writes)."""
        if session is not None:
            return self._append(
                session, actor, action, at, run_id, approval_id, rule, evidence, key
            )
        with Session(self.engine) as own, own.begin():
            return self._append(own, actor, action, at, run_id, approval_id, rule, evidence, key)

    def _append(
        self,
        session: Session,
        actor: str,
        action: str,
        at: datetime,
        run_id: str,
        approval_id: str,
        rule: str,
        evidence: JsonValue,
        key: str,
    ) -> AuditEntry:
        # Touching the head first takes the write lock, so two writers never chain from the
        # same previous entry.
        session.execute(audit_head_table.update().where(audit_head_table.c.id == 1).values(id=1))
        if key:
            found = session.execute(sa.select(audit_table).where(audit_table.c.key == key)).first()
            if found is not None:
                return _entry(found)
        head = session.execute(
            sa.select(audit_head_table.c.seq, audit_head_table.c.hash).where(
                audit_head_table.c.id == 1
            )
        ).one()
        seq, prev = int(head.seq) + 1, str(head.hash)
        evidence = _JSON.validate_python(evidence)
        digest = entry_hash(
            prev,
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            run_id=run_id,
            approval_id=approval_id,
            rule=rule,
            evidence=evidence,
            key=key,
        )
        row: dict[str, Any] = {
            "seq": seq,
            "at": utc(at).isoformat(),
            "actor": actor,
            "action": action,
            "run_id": run_id,
            "approval_id": approval_id,
            "rule": rule,
            "evidence": json.dumps(evidence, sort_keys=True, ensure_ascii=False),
            "key": key or None,
            "prev_hash": prev,
            "hash": digest,
        }
        session.execute(audit_table.insert().values(**row))
        session.execute(
            audit_head_table.update().where(audit_head_table.c.id == 1).values(seq=seq, hash=digest)
        )
        return _entry_from(row)

    def entries(self) -> Iterator[AuditEntry]:
        """Every entry in sequence order."""
        with Session(self.engine) as session:
            for row in session.execute(sa.select(audit_table).order_by(audit_table.c.seq)):
                yield _entry(row)

    def verify(self) -> AuditReport:
        """Recompute the chain; report every edit, deletion, insertion or reordering found."""
        problems: list[str] = []
        prev, expected_seq, count = GENESIS, 1, 0
        for entry in self.entries():
            count += 1
            if entry.seq != expected_seq:
                problems.append(
                    f"entry {entry.seq}: expected entry {expected_seq} here "
                    "(an entry was deleted, inserted or moved)"
                )
            if entry.prev_hash != prev:
                problems.append(
                    f"entry {entry.seq}: does not chain to the entry before it "
                    "(an entry before it was deleted, edited or moved)"
                )
            recomputed = entry_hash(
                entry.prev_hash,
                seq=entry.seq,
                at=entry.at,
                actor=entry.actor,
                action=entry.action,
                run_id=entry.run_id,
                approval_id=entry.approval_id,
                rule=entry.rule,
                evidence=entry.evidence,
                key=entry.key,
            )
            if recomputed != entry.hash:
                problems.append(f"entry {entry.seq}: its content does not match its hash (edited)")
            prev, expected_seq = entry.hash, entry.seq + 1
        with Session(self.engine) as session:
            head = session.execute(
                sa.select(audit_head_table.c.seq, audit_head_table.c.hash).where(
                    audit_head_table.c.id == 1
                )
            ).first()
        head_seq, head_hash = (int(head.seq), str(head.hash)) if head else (0, GENESIS)
        if head_seq != expected_seq - 1 or head_hash != prev:
            problems.append(
                f"the log ends at entry {expected_seq - 1} but its head records entry {head_seq} "
                "(entries were cut off the end, or the head was edited)"
            )
        return AuditReport(entries=count, head_hash=prev, problems=tuple(problems))

    def export(self, out: TextIO, fmt: Literal["csv", "json"]) -> int:
        """Write every entry to ``out`` as CSV or a JSON array; return how many."""
        entries = list(self.entries())
        if fmt == "json":
            json.dump([e.model_dump(mode="json") for e in entries], out, indent=2)
            out.write("\n")
            return len(entries)
        writer = csv.writer(out)
        fields = list(AuditEntry.model_fields)
        writer.writerow(fields)
        for entry in entries:
            data = entry.model_dump(mode="json")
            writer.writerow(
                [
                    json.dumps(data[f], sort_keys=True) if f == "evidence" else data[f]
                    for f in fields
                ]
            )
        return len(entries)


def _entry_from(row: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        seq=int(row["seq"]),
        at=datetime.fromisoformat(str(row["at"])),
        actor=str(row["actor"]),
        action=str(row["action"]),
        run_id=str(row["run_id"] or ""),
        approval_id=str(row["approval_id"] or ""),
        rule=str(row["rule"] or ""),
        evidence=_JSON.validate_python(json.loads(str(row["evidence"]))),
        key=str(row["key"] or ""),
        prev_hash=str(row["prev_hash"]),
        hash=str(row["hash"]),
    )


def _entry(row: sa.Row[Any]) -> AuditEntry:
    return _entry_from(dict(zip(audit_table.columns.keys(), row, strict=True)))
