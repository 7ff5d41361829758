"""What the newsletter specialists share: the customer store, its email source, a scratch folder,
and the working tables they hand each other data through (plans too large for a brief).

A brief carries small facts; per-contact data (schedules, plans) lives in these tables, keyed
by run and cycle, and a fact names the key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from overture.agents import Environment
from overture.data import CustomerStore
from overture.records import Measurement

__all__ = ["NewsletterContext", "assign_buckets", "bucket_of", "newsletter_context"]

_TABLES = (
    """CREATE TABLE IF NOT EXISTS nl_buckets (
        run_id VARCHAR NOT NULL, profile_id VARCHAR NOT NULL, bucket DOUBLE NOT NULL,
        PRIMARY KEY (run_id, profile_id))""",
    """CREATE TABLE IF NOT EXISTS nl_schedule (
        run_id VARCHAR NOT NULL, cycle INTEGER NOT NULL, contact_id VARCHAR NOT NULL,
        local_hour DOUBLE NOT NULL, explore BOOLEAN NOT NULL,
        PRIMARY KEY (run_id, cycle, contact_id))""",
    """CREATE TABLE IF NOT EXISTS nl_plan (
        run_id VARCHAR NOT NULL, cycle INTEGER NOT NULL, contact_id VARCHAR NOT NULL,
        email VARCHAR NOT NULL, arm VARCHAR NOT NULL, subject VARCHAR NOT NULL,
        send_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (run_id, cycle, contact_id))""",
)


@dataclass(frozen=True)
class NewsletterContext:
    """The store and where the newsletter's email events live in it."""

    store: CustomerStore
    source: str
    """The store source the email service's events are imported under."""
    folder: Path
    """Scratch space for files handed to the store's importer."""
    brand: str = "Northwind"
    measured: dict[str, Measurement] = field(default_factory=dict[str, Measurement])
    """The measure's reading for each reported campaign: the conductor measures after every
    turn, and the store changes only when the next campaign is reported."""

    def close(self) -> None:
        self.store.close()

    def ensure_tables(self) -> None:
        for statement in _TABLES:
            self.store.execute(statement)


def newsletter_context(env: Environment) -> NewsletterContext:
    """The newsletter context an environment provides (as resource ``newsletter``)."""
    return env.resource("newsletter", NewsletterContext)


def bucket_of(profile_id: str, salt: str) -> float:
    """A stable number in [0, 1) per person and run: one person, one bucket, on every device."""
    digest = hashlib.sha256(f"{salt}\x1f{profile_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_buckets(context: NewsletterContext, run_id: str) -> int:
    """Give every resolved profile its bucket for ``run_id`` (once); returns how many exist."""
    store = context.store
    existing = store.count("SELECT count(*) FROM nl_buckets WHERE run_id = ?", [run_id])
    if existing:
        return existing
    ids = [str(row[0]) for row in store.rows("SELECT profile_id FROM profiles ORDER BY 1")]
    table = pa.table(
        {
            "run_id": pa.array([run_id] * len(ids), pa.string()),
            "profile_id": pa.array(ids, pa.string()),
            "bucket": pa.array([bucket_of(p, run_id) for p in ids], pa.float64()),
        }
    )
    store.connection.register("_nl_buckets", table)
    try:
        with store.transaction():
            store.execute("INSERT INTO nl_buckets SELECT * FROM _nl_buckets")
    finally:
        store.connection.unregister("_nl_buckets")
    return len(ids)
