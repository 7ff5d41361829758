"""The run store: runs, their append-only event log and the send outbox, in one database.

SQLite in WAL mode by default (a file in the workspace); PostgreSQL by URL. Every write takes a
SQLAlchemy ``Session`` so that a step's events and its outbox rows commit together, whether the
session is a plain one or a DBOS datasource transaction that also records the step exactly once.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import JsonValue, TypeAdapter
from sqlalchemy import event as sa_event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from overture.clock import utc
from overture.exceptions import RunNotFound
from overture.objective import Objective
from overture.records import OutcomeKind
from overture.runs.events import Event, EventPayload, parse_payload

__all__ = ["OutboxEntry", "RunStore", "RunSummary", "create_engine", "create_tables"]

_JSON: TypeAdapter[JsonValue] = TypeAdapter(JsonValue)

metadata = sa.MetaData()

runs_table = sa.Table(
    "overture_runs",
    metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("objective", sa.Text, nullable=False),
    sa.Column("config", sa.Text, nullable=False),
    sa.Column("started_at", sa.String(40), nullable=False),
    sa.Column("ended_at", sa.String(40)),
    sa.Column("outcome", sa.String(32)),
    sa.Column("summary", sa.Text),
)

events_table = sa.Table(
    "overture_events",
    metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
)

outbox_table = sa.Table(
    "overture_outbox",
    metadata,
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("run_id", sa.String(64), nullable=False, index=True),
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("agent", sa.String(128), nullable=False),
    sa.Column("tool", sa.String(128), nullable=False),
    sa.Column("input", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.String(40), nullable=False),
    sa.Column("done_at", sa.String(40)),
    sa.Column("result", sa.Text),
)


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    # DBOS gives a custom engine none of its own settings, so set all of them here
    # (see docs: WAL, NORMAL sync, a long busy timeout, and IMMEDIATE transactions).
    dbapi_connection.isolation_level = "IMMEDIATE"
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_tables(tables: sa.MetaData, engine: sa.Engine) -> None:
    """Create missing tables. Two processes opening one new workspace at once can both find a
    table missing; the loser's CREATE fails with "already exists", and a second look finds it."""
    for attempt in range(3):
        try:
            tables.create_all(engine)
            return
        except OperationalError as error:
            if "already exists" not in str(error) or attempt == 2:
                raise


def create_engine(url: str) -> sa.Engine:
    """An engine for ``url``; SQLite gets WAL and the settings DBOS expects of its databases."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, pool_size=20, max_overflow=20, pool_timeout=60)
        sa_event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    objective: Objective
    started_at: datetime
    ended_at: datetime | None
    outcome: OutcomeKind | None
    summary: str | None


@dataclass(frozen=True)
class OutboxEntry:
    key: str
    run_id: str
    step: int
    agent: str
    tool: str
    input: JsonValue
    done: bool
    result: JsonValue


class RunStore:
    """Runs, events and outbox. Reads open their own session; writes take the caller's."""

    def __init__(self, url: str, engine: sa.Engine | None = None) -> None:
        self.url = url
        self.engine = engine or create_engine(url)
        create_tables(metadata, self.engine)

    @contextmanager
    def transaction(self) -> Generator[Session]:
        """A session whose writes commit together (or not at all)."""
        with Session(self.engine) as session, session.begin():
            yield session

    # -- writes ------------------------------------------------------------------------------

    def create_run(
        self, session: Session, run_id: str, objective: Objective, config: str, at: datetime
    ) -> None:
        exists = session.execute(
            sa.select(runs_table.c.run_id).where(runs_table.c.run_id == run_id)
        ).first()
        if exists is None:
            session.execute(
                runs_table.insert().values(
                    run_id=run_id,
                    objective=objective.model_dump_json(),
                    config=config,
                    started_at=utc(at).isoformat(),
                )
            )

    def append(
        self,
        session: Session,
        run_id: str,
        events: Sequence[tuple[int, datetime, EventPayload]],
    ) -> None:
        """Append ``(seq, at, payload)`` events. Appending a ``seq`` already in the log (a
        re-executed workflow writing the same event again) leaves the log as it was."""
        if not events:
            return
        rows = [
            {
                "run_id": run_id,
                "seq": seq,
                "at": utc(at).isoformat(),
                "kind": payload.kind,
                "payload": payload.model_dump_json(),
            }
            for seq, at, payload in events
        ]
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(events_table).on_conflict_do_nothing(), rows)

    def record_action(
        self,
        session: Session,
        *,
        key: str,
        run_id: str,
        step: int,
        agent: str,
        tool: str,
        input: JsonValue,
        at: datetime,
    ) -> bool:
        """Write an outbox row; False if the key was already there (nothing written)."""
        if self._outbox_row(session, key) is not None:
            return False
        session.execute(
            outbox_table.insert().values(
                key=key,
                run_id=run_id,
                step=step,
                agent=agent,
                tool=tool,
                input=_JSON.dump_json(input).decode(),
                recorded_at=utc(at).isoformat(),
            )
        )
        return True

    def mark_done(self, session: Session, key: str, result: JsonValue, at: datetime) -> None:
        session.execute(
            outbox_table.update()
            .where(outbox_table.c.key == key, outbox_table.c.done_at.is_(None))
            .values(done_at=utc(at).isoformat(), result=_JSON.dump_json(result).decode())
        )

    def finish_run(
        self, session: Session, run_id: str, outcome: OutcomeKind, summary: str, at: datetime
    ) -> None:
        session.execute(
            runs_table.update()
            .where(runs_table.c.run_id == run_id)
            .values(outcome=outcome.value, summary=summary, ended_at=utc(at).isoformat())
        )

    # -- reads -------------------------------------------------------------------------------

    def action(self, key: str) -> OutboxEntry | None:
        with Session(self.engine) as session:
            row = self._outbox_row(session, key)
        return None if row is None else _outbox_entry(row)

    def outbox(self, run_id: str) -> list[OutboxEntry]:
        with Session(self.engine) as session:
            rows = session.execute(
                sa.select(outbox_table)
                .where(outbox_table.c.run_id == run_id)
                .order_by(outbox_table.c.step, outbox_table.c.key)
            ).all()
        return [_outbox_entry(row) for row in rows]

    def events(self, run_id: str, *, after: int = 0) -> list[Event]:
        """The run's events in order; only those with ``seq > after`` when following a run."""
        with Session(self.engine) as session:
            rows = session.execute(
                sa.select(events_table)
                .where(events_table.c.run_id == run_id, events_table.c.seq > after)
                .order_by(events_table.c.seq)
            ).all()
        return [
            Event(
                run_id=row.run_id,
                seq=row.seq,
                at=datetime.fromisoformat(row.at),
                payload=parse_payload(row.payload),
            )
            for row in rows
        ]

    def run(self, run_id: str) -> RunSummary:
        with Session(self.engine) as session:
            row = session.execute(
                sa.select(runs_table).where(runs_table.c.run_id == run_id)
            ).first()
        if row is None:
            raise RunNotFound(f"no run '{run_id}' in {self.url}", run_id)
        return _summary(row)

    def runs(self, limit: int = 50) -> list[RunSummary]:
        with Session(self.engine) as session:
            rows = session.execute(
                sa.select(runs_table).order_by(runs_table.c.started_at.desc()).limit(limit)
            ).all()
        return [_summary(row) for row in rows]

    def config(self, run_id: str) -> str:
        with Session(self.engine) as session:
            value = session.execute(
                sa.select(runs_table.c.config).where(runs_table.c.run_id == run_id)
            ).scalar()
        if value is None:
            raise RunNotFound(f"no run '{run_id}' in {self.url}", run_id)
        return value

    @staticmethod
    def _outbox_row(session: Session, key: str) -> sa.Row[Any] | None:
        return session.execute(sa.select(outbox_table).where(outbox_table.c.key == key)).first()


def _outbox_entry(row: sa.Row[Any]) -> OutboxEntry:
    return OutboxEntry(
        key=row.key,
        run_id=row.run_id,
        step=row.step,
        agent=row.agent,
        tool=row.tool,
        input=_JSON.validate_json(row.input),
        done=row.done_at is not None,
        result=None if row.result is None else _JSON.validate_json(row.result),
    )


def _summary(row: sa.Row[Any]) -> RunSummary:
    return RunSummary(
        run_id=row.run_id,
        objective=Objective.model_validate_json(row.objective),
        started_at=datetime.fromisoformat(row.started_at),
        ended_at=None if row.ended_at is None else datetime.fromisoformat(row.ended_at),
        outcome=None if row.outcome is None else OutcomeKind(row.outcome),
        summary=row.summary,
    )
