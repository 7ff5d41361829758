"""The numbered migrations of the customer store and the one function that applies them.

A migration is applied once, inside a transaction, and recorded in ``schema_migrations``.
Migrations are only ever appended: a released one is never edited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from overture.data.sql import machine_open

if TYPE_CHECKING:
    from overture.data.store import CustomerStore

__all__ = [
    "MACHINE_OPEN_WINDOW",
    "MIGRATIONS",
    "Migration",
    "applied_versions",
    "apply_migrations",
]

MACHINE_OPEN_WINDOW = (
    "(SELECT value FROM settings WHERE key = 'machine_open_window_seconds')::DOUBLE"
)
"""SQL for the seconds after delivery within which an open is a machine's (a setting)."""


@dataclass(frozen=True)
class Migration:
    """One schema step: a version number, a name, and its statements."""

    version: int
    name: str
    statements: tuple[str, ...]


_CORE = (
    """CREATE TABLE imports (
        import_id VARCHAR PRIMARY KEY,
        kind VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        fingerprint VARCHAR NOT NULL,
        mapping VARCHAR,
        rows_read BIGINT NOT NULL,
        rows_loaded BIGINT NOT NULL,
        rows_already_present BIGINT NOT NULL,
        rows_quarantined BIGINT NOT NULL,
        imported_at TIMESTAMPTZ NOT NULL
    )""",
    """CREATE TABLE quarantine (
        import_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        line BIGINT,
        reason VARCHAR NOT NULL,
        record VARCHAR
    )""",
    """CREATE TABLE contacts (
        source VARCHAR NOT NULL,
        contact_id VARCHAR NOT NULL,
        email VARCHAR,
        email_normalized VARCHAR,
        first_name VARCHAR,
        last_name VARCHAR,
        phone VARCHAR,
        phone_e164 VARCHAR,
        locale VARCHAR,
        time_zone VARCHAR,
        country VARCHAR,
        region VARCHAR,
        signup_source VARCHAR,
        created_at TIMESTAMPTZ NOT NULL,
        birth_date VARCHAR,
        street_number VARCHAR,
        address_1 VARCHAR,
        address_2 VARCHAR,
        city VARCHAR,
        postcode VARCHAR,
        state VARCHAR,
        national_id VARCHAR,
        import_id VARCHAR NOT NULL,
        PRIMARY KEY (source, contact_id)
    )""",
    """CREATE TABLE consents (
        source VARCHAR NOT NULL,
        contact_id VARCHAR NOT NULL,
        channel VARCHAR NOT NULL,
        purpose VARCHAR NOT NULL,
        legal_basis VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        recorded_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ,
        proof VARCHAR,
        import_id VARCHAR NOT NULL
    )""",
    """CREATE TABLE events (
        source VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        event_id VARCHAR NOT NULL,
        event_type VARCHAR NOT NULL,
        contact_id VARCHAR,
        email VARCHAR,
        anonymous_id VARCHAR,
        campaign_id VARCHAR,
        occurred_at TIMESTAMPTZ NOT NULL,
        subject VARCHAR,
        arm VARCHAR,
        user_agent VARCHAR,
        ip VARCHAR,
        url VARCHAR,
        bounce_type VARCHAR,
        amount DECIMAL(18, 2),
        currency VARCHAR,
        import_id VARCHAR NOT NULL
    )""",
    """CREATE TABLE profiles (
        profile_id VARCHAR PRIMARY KEY,
        email VARCHAR,
        phone_e164 VARCHAR,
        first_name VARCHAR,
        last_name VARCHAR,
        locale VARCHAR,
        time_zone VARCHAR,
        country VARCHAR,
        region VARCHAR,
        created_at TIMESTAMPTZ,
        records INTEGER NOT NULL
    )""",
    """CREATE TABLE identities (
        source VARCHAR NOT NULL,
        contact_id VARCHAR NOT NULL,
        profile_id VARCHAR NOT NULL,
        PRIMARY KEY (source, contact_id)
    )""",
    """CREATE TABLE merges (
        profile_id VARCHAR NOT NULL,
        source_l VARCHAR NOT NULL,
        contact_id_l VARCHAR NOT NULL,
        source_r VARCHAR NOT NULL,
        contact_id_r VARCHAR NOT NULL,
        rule VARCHAR NOT NULL,
        matched_fields VARCHAR NOT NULL,
        match_weight DOUBLE,
        match_probability DOUBLE
    )""",
    """CREATE TABLE segments (
        name VARCHAR PRIMARY KEY,
        description VARCHAR NOT NULL,
        condition VARCHAR NOT NULL
    )""",
    """CREATE TABLE settings (
        key VARCHAR PRIMARY KEY,
        value DOUBLE NOT NULL
    )""",
    "INSERT INTO settings VALUES ('machine_open_window_seconds', 60)",
)

# Views derive from events so they can never disagree with them.
_VIEWS = (
    """CREATE VIEW sends AS
    SELECT source, campaign_id, contact_id, email, subject, arm, occurred_at AS sent_at, event_id
    FROM events WHERE kind = 'email' AND event_type = 'sent'""",
    """CREATE VIEW campaigns AS
    SELECT source, campaign_id, min(occurred_at) AS first_sent_at,
           any_value(subject) FILTER (WHERE subject IS NOT NULL) AS subject,
           count(DISTINCT contact_id) AS recipients
    FROM events WHERE kind = 'email' AND event_type = 'sent' GROUP BY source, campaign_id""",
    """CREATE VIEW deliveries AS
    SELECT source, campaign_id, contact_id, min(occurred_at) AS delivered_at
    FROM events WHERE kind = 'email' AND event_type = 'delivered'
    GROUP BY source, campaign_id, contact_id""",
    f"""CREATE VIEW opens AS
    SELECT o.source, o.event_id, o.campaign_id, o.contact_id, o.email, o.arm,
           o.occurred_at, o.user_agent, o.ip, d.delivered_at,
           {machine_open("o", "d.delivered_at", MACHINE_OPEN_WINDOW)} AS is_machine_open
    FROM events o
    LEFT JOIN deliveries d
      ON d.source = o.source AND d.campaign_id = o.campaign_id AND d.contact_id = o.contact_id
    WHERE o.kind = 'email' AND o.event_type = 'opened'""",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "core tables", _CORE),
    Migration(2, "derived views: sends, campaigns, deliveries, opens", _VIEWS),
    Migration(
        3,
        "profile features",
        (
            # Rebuilt whole each time, one row per profile by construction: no index to keep.
            """CREATE TABLE profile_features (
                profile_id VARCHAR NOT NULL,
                as_of TIMESTAMPTZ NOT NULL,
                tenure_days DOUBLE,
                recency_days DOUBLE,
                frequency_90d BIGINT,
                delivered BIGINT,
                human_open_rate DOUBLE,
                click_rate DOUBLE,
                preferred_hour INTEGER,
                preferred_weekday INTEGER,
                purchase_recency_days DOUBLE,
                purchase_count BIGINT,
                purchase_amount DOUBLE,
                rfm_recency INTEGER,
                rfm_frequency INTEGER,
                rfm_monetary INTEGER
            )""",
            """CREATE TABLE profile_clusters (
                profile_id VARCHAR NOT NULL,
                cluster INTEGER NOT NULL
            )""",
        ),
    ),
)


def applied_versions(store: CustomerStore) -> list[int]:
    """The migration versions already applied, in order."""
    return [
        int(str(row[0])) for row in store.rows("SELECT version FROM schema_migrations ORDER BY 1")
    ]


def apply_migrations(store: CustomerStore) -> list[int]:
    """Apply every migration the store lacks; return the versions applied now."""
    store.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = set(applied_versions(store))
    applied: list[int] = []
    for migration in MIGRATIONS:
        if migration.version in done:
            continue
        with store.transaction():
            for statement in migration.statements:
                store.execute(statement)
            store.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, current_timestamp)",
                [migration.version, migration.name],
            )
        applied.append(migration.version)
    return applied
