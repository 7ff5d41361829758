"""The local trace store: finished spans of every run, in the workspace's runs database.

One table, ``observe_spans``, beside the run store's tables, so a run's spans travel with its
event log and ``overture traces RUN`` reads them back without any collector running.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode
from pydantic import BaseModel, ConfigDict, JsonValue, TypeAdapter
from sqlalchemy.orm import Session

from overture.observe import attributes as attr

__all__ = ["SpanRecord", "SpanStore"]

_JSON: TypeAdapter[dict[str, JsonValue]] = TypeAdapter(dict[str, JsonValue])

_metadata = sa.MetaData()

spans_table = sa.Table(
    "observe_spans",
    _metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("span_id", sa.String(16), primary_key=True),
    sa.Column("trace_id", sa.String(32), nullable=False),
    sa.Column("parent_id", sa.String(16)),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("start_ns", sa.BigInteger, nullable=False),
    sa.Column("end_ns", sa.BigInteger, nullable=False),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("attributes", sa.Text, nullable=False),
    sa.Index("observe_spans_by_run", "run_id", "start_ns"),
)


class SpanRecord(BaseModel):
    """One finished span as stored: wall-clock times, what it stood for, its attributes."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    run_id: str
    span_id: str
    trace_id: str
    parent_id: str | None
    name: str
    kind: str
    """``run``, ``step``, ``agent``, ``tool`` or ``model``."""
    start_ns: int
    end_ns: int
    status: str
    """``ok`` or ``error``."""
    attributes: dict[str, JsonValue]

    @property
    def duration_ms(self) -> float:
        return (self.end_ns - self.start_ns) / 1e6

    @property
    def started(self) -> datetime:
        return datetime.fromtimestamp(self.start_ns / 1e9, UTC)

    @property
    def replayed(self) -> bool:
        return self.attributes.get(attr.REPLAYED) is True


def _plain(value: object) -> JsonValue:
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _row(span: ReadableSpan) -> dict[str, Any] | None:
    context = span.context
    attributes = dict(span.attributes or {})
    run_id = attributes.get(attr.RUN_ID)
    if context is None or not isinstance(run_id, str):
        return None  # not one of a run's spans
    return {
        "run_id": run_id,
        "span_id": f"{context.span_id:016x}",
        "trace_id": f"{context.trace_id:032x}",
        "parent_id": None if span.parent is None else f"{span.parent.span_id:016x}",
        "name": span.name,
        "kind": str(attributes.get(attr.SPAN_KIND, "step")),
        "start_ns": span.start_time or 0,
        "end_ns": span.end_time or span.start_time or 0,
        "status": "error" if span.status.status_code is StatusCode.ERROR else "ok",
        "attributes": json.dumps({k: _plain(v) for k, v in attributes.items()}),
    }


class SpanStore:
    """Spans in the runs database (SQLite or PostgreSQL, whatever the run store uses)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        _metadata.create_all(engine)

    def write(self, spans: Sequence[ReadableSpan]) -> int:
        """Store ``spans`` in one transaction; spans without a run id are skipped. Returns how
        many were written (a span already stored is kept as it was)."""
        rows = [row for row in map(_row, spans) if row is not None]
        if not rows:
            return 0
        with Session(self.engine) as session, session.begin():
            known = set(
                session.execute(
                    sa.select(spans_table.c.span_id).where(
                        spans_table.c.run_id.in_({row["run_id"] for row in rows}),
                        spans_table.c.span_id.in_([row["span_id"] for row in rows]),
                    )
                ).scalars()
            )
            fresh = [row for row in rows if row["span_id"] not in known]
            if fresh:
                session.execute(spans_table.insert(), fresh)
        return len(fresh)

    def spans(self, run_id: str) -> list[SpanRecord]:
        """The run's spans in the order they started."""
        with Session(self.engine) as session:
            rows = session.execute(
                sa.select(spans_table)
                .where(spans_table.c.run_id == run_id)
                .order_by(spans_table.c.start_ns, spans_table.c.span_id)
            ).all()
        return [
            SpanRecord(
                run_id=row.run_id,
                span_id=row.span_id,
                trace_id=row.trace_id,
                parent_id=row.parent_id,
                name=row.name,
                kind=row.kind,
                start_ns=row.start_ns,
                end_ns=row.end_ns,
                status=row.status,
                attributes=_JSON.validate_json(row.attributes),
            )
            for row in rows
        ]
