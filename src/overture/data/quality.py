"""Data quality: what is wrong with the customer data, with counts and examples.

Each check is a small query that counts the problem and shows a few examples, so a person
can see what to fix before any agent acts on the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from overture.data import sql
from overture.data.store import CustomerStore, Param

__all__ = [
    "EMAIL_PATTERN",
    "ROLE_LOCAL_PARTS",
    "QualityCheck",
    "QualityReport",
    "quality_report",
]

EMAIL_PATTERN = r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)*\.[A-Za-z]{2,}$"
"""What a deliverable address looks like: one @, a dotted domain ending in a 2+ letter TLD."""

ROLE_LOCAL_PARTS = (
    "abuse",
    "admin",
    "billing",
    "contact",
    "hello",
    "help",
    "info",
    "marketing",
    "no-reply",
    "noreply",
    "office",
    "postmaster",
    "sales",
    "support",
    "team",
    "webmaster",
)
"""Local parts of shared mailboxes: they reach a function, not a person."""

_EXAMPLES = 5
_STALE_DAYS = 365


@dataclass(frozen=True)
class QualityCheck:
    """One kind of problem: how many records have it and a few of them."""

    name: str
    description: str
    count: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class QualityReport:
    """Every check, run on the store as of one moment."""

    as_of: datetime
    contacts: int
    events: int
    checks: tuple[QualityCheck, ...]

    def check(self, name: str) -> QualityCheck:
        """The check called ``name``."""
        return next(check for check in self.checks if check.name == name)


def _checks(as_of_param: str) -> list[tuple[str, str, str]]:
    """(name, description, query) for each check; each query returns (example) rows."""
    roles = sql.in_list(ROLE_LOCAL_PARTS)
    pattern = sql.literal(EMAIL_PATTERN)
    return [
        (
            "duplicate_emails",
            "addresses shared by more than one contact record",
            """SELECT email_normalized || ' (' || count(*) || ' records)' FROM contacts
            WHERE email_normalized IS NOT NULL GROUP BY email_normalized HAVING count(*) > 1
            ORDER BY count(*) DESC, email_normalized""",
        ),
        (
            "duplicate_phones",
            "phone numbers (E.164) shared by more than one contact record",
            """SELECT phone_e164 || ' (' || count(*) || ' records)' FROM contacts
            WHERE phone_e164 IS NOT NULL GROUP BY phone_e164 HAVING count(*) > 1
            ORDER BY count(*) DESC, phone_e164""",
        ),
        (
            "invalid_emails",
            "contacts whose email cannot be an address",
            f"""SELECT source || ':' || contact_id || ' ' || email FROM contacts
            WHERE email IS NOT NULL AND NOT regexp_matches(trim(email), {pattern})
            ORDER BY 1""",
        ),
        (
            "role_emails",
            "contacts whose email is a shared mailbox (info@, sales@, ...)",
            f"""SELECT source || ':' || contact_id || ' ' || email FROM contacts
            WHERE split_part(email_normalized, '@', 1) IN {roles} ORDER BY 1""",
        ),
        (
            "invalid_phones",
            "contacts whose phone is not a valid number",
            """SELECT source || ':' || contact_id || ' ' || phone FROM contacts
            WHERE phone IS NOT NULL AND phone_e164 IS NULL ORDER BY 1""",
        ),
        (
            "missing_consent",
            "contacts with no current email consent (none given, withdrawn last, or expired)",
            f"""WITH latest AS (
                SELECT source, contact_id, purpose,
                       arg_max(status, recorded_at) AS status,
                       arg_max(expires_at, recorded_at) AS expires_at
                FROM consents WHERE channel = 'email' AND recorded_at <= {as_of_param}
                GROUP BY ALL),
            ok AS (SELECT DISTINCT source, contact_id FROM latest
                   WHERE status = 'given' AND (expires_at IS NULL OR expires_at > {as_of_param}))
            SELECT c.source || ':' || c.contact_id FROM contacts c
            WHERE NOT EXISTS (
                SELECT 1 FROM ok WHERE ok.source = c.source AND ok.contact_id = c.contact_id)
            ORDER BY 1""",
        ),
        (
            "conflicting_consents",
            "consents given and withdrawn at the same moment for the same purpose",
            """SELECT source || ':' || contact_id || ' ' || channel || '/' || purpose || ' at '
                   || CAST(recorded_at AS VARCHAR)
            FROM consents GROUP BY source, contact_id, channel, purpose, recorded_at
            HAVING count(DISTINCT status) > 1 ORDER BY 1""",
        ),
        (
            "stale_records",
            f"contacts created over {_STALE_DAYS} days ago with no activity in that time",
            f"""WITH last_seen AS (
                SELECT source, contact_id, max(occurred_at) AS at FROM events
                WHERE contact_id IS NOT NULL GROUP BY ALL)
            SELECT c.source || ':' || c.contact_id FROM contacts c
            LEFT JOIN last_seen l USING (source, contact_id)
            WHERE c.created_at < {as_of_param} - INTERVAL {_STALE_DAYS} DAY
              AND (l.at IS NULL OR l.at < {as_of_param} - INTERVAL {_STALE_DAYS} DAY)
            ORDER BY 1""",
        ),
        (
            "orphan_events",
            "events whose contact is in no contact file of their source",
            """SELECT e.source || ':' || e.kind || ':' || e.event_id || ' contact ' || e.contact_id
            FROM events e WHERE e.contact_id IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM contacts c WHERE c.source = e.source AND c.contact_id = e.contact_id)
            ORDER BY 1""",
        ),
        (
            "quarantined_rows",
            "rows of imported files held back, by reason",
            """SELECT reason || ' (' || count(*) || ' rows, e.g. '
                   || min(file || ':' || line) || ')'
            FROM quarantine GROUP BY reason ORDER BY count(*) DESC, reason""",
        ),
    ]


def quality_report(store: CustomerStore, as_of: datetime) -> QualityReport:
    """Run every check against the store as of ``as_of`` (for consent expiry and staleness)."""
    checks: list[QualityCheck] = []
    for name, description, query in _checks("CAST(? AS TIMESTAMPTZ)"):
        params: list[Param] = [as_of] * query.count("CAST(? AS TIMESTAMPTZ)")
        count = store.count(f"SELECT count(*) FROM ({query})", params)
        if name == "quarantined_rows":
            count = store.count("SELECT count(*) FROM quarantine")
        examples = store.rows(f"{query} LIMIT {_EXAMPLES}", params)
        checks.append(
            QualityCheck(name, description, count, tuple(str(row[0]) for row in examples))
        )
    return QualityReport(
        as_of,
        store.count("SELECT count(*) FROM contacts"),
        store.count("SELECT count(*) FROM events"),
        tuple(checks),
    )
