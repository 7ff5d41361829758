"""Governance's own tables in the runs database (all prefixed ``governance_``).

The audit chain and its head, and the approval gates a person can answer. They live beside
the run store's tables so a run's events, its gates and their audit share one database.
"""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from overture.runs import create_engine, create_tables

__all__ = [
    "approvals_table",
    "audit_head_table",
    "audit_table",
    "governance_engine",
    "metadata",
    "prepare",
]

metadata = sa.MetaData()

audit_table = sa.Table(
    "governance_audit",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(200), nullable=False),
    sa.Column("run_id", sa.String(64), nullable=False, default=""),
    sa.Column("approval_id", sa.String(200), nullable=False, default=""),
    sa.Column("rule", sa.Text, nullable=False, default=""),
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Column("key", sa.String(300), unique=True),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

audit_head_table = sa.Table(
    "governance_audit_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

approvals_table = sa.Table(
    "governance_approvals",
    metadata,
    sa.Column("approval_id", sa.String(200), primary_key=True),
    sa.Column("run_id", sa.String(64), nullable=False, index=True),
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("agent", sa.String(128), nullable=False),
    sa.Column("tool", sa.String(128), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("rules", sa.Text, nullable=False),
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Column("requested_at", sa.String(40), nullable=False),
    sa.Column("deadline", sa.String(40), nullable=False),
    sa.Column("wait_seconds", sa.Float, nullable=False),
    sa.Column("opened_wall", sa.String(40), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("decided_at", sa.String(40)),
    sa.Column("decided_by", sa.String(200)),
    sa.Column("note", sa.Text),
)


def prepare(engine: sa.Engine) -> sa.Engine:
    """Create the governance tables (if missing) and the audit head row."""
    create_tables(metadata, engine)
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    with engine.begin() as connection:
        connection.execute(
            insert(audit_head_table).values(id=1, seq=0, hash="0" * 64).on_conflict_do_nothing()
        )
    return engine


@cache
def governance_engine(url: str) -> sa.Engine:
    """One prepared engine per runs-database URL in this process."""
    return prepare(create_engine(url))
