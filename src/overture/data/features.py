"""Behavioural features per profile, and RFM scores for purchases.

One query computes, for each resolved profile as of a moment: tenure, recency and
frequency of engagement, human-open rate and click rate over delivered campaigns, the
hour and weekday it usually engages at in its own time zone, and purchase recency,
count and amount with their RFM quintile scores (5 = best). The result is the
``profile_features`` table that segments and clusters read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from overture.clock import utc
from overture.data.migrations import MACHINE_OPEN_WINDOW
from overture.data.sql import literal, machine_open
from overture.data.store import CustomerStore
from overture.exceptions import UsageError

__all__ = ["FEATURE_COLUMNS", "FeatureSummary", "compute_features", "features_sql"]

FEATURE_COLUMNS = (
    "tenure_days",
    "recency_days",
    "frequency_90d",
    "delivered",
    "human_open_rate",
    "click_rate",
    "preferred_hour",
    "preferred_weekday",
    "purchase_recency_days",
    "purchase_count",
    "purchase_amount",
    "rfm_recency",
    "rfm_frequency",
    "rfm_monetary",
)
"""The behavioural columns of ``profile_features`` (besides profile_id and as_of)."""

_ENGAGING = "('opened', 'clicked', 'purchase', 'session', 'page_view', 'form_submit')"


@dataclass(frozen=True)
class FeatureSummary:
    """How many profiles got features, and how many of them ever engaged or bought."""

    as_of: datetime
    profiles: int
    engaged: int
    buyers: int


def features_sql(as_of: datetime) -> tuple[str, ...]:
    """The statements that fill ``profile_features`` as of ``as_of``.

    Engagement means a human open, a click, a purchase or a web event; machine opens
    never count. Days are fractional. Weekday: 0 = Sunday. Each step is materialized in a
    temporary table so every later step reads events once, not once per feature.
    """
    # A literal, not a parameter or a subquery: the planner folds it into every comparison.
    now = f"TIMESTAMPTZ {literal(utc(as_of).isoformat())}"
    return (
        # The opens view's rule, inlined: joining the view back on event ids costs more.
        f"""CREATE OR REPLACE TEMP TABLE _f_ev AS
        WITH d AS (
            SELECT source, campaign_id, contact_id, min(occurred_at) AS delivered_at
            FROM events WHERE kind = 'email' AND event_type = 'delivered' GROUP BY ALL),
        flagged AS (
            SELECT i.profile_id, e.kind, e.event_type, e.campaign_id, e.occurred_at, e.amount,
                e.kind = 'email' AND e.event_type = 'opened'
                    AND {machine_open("e", "d.delivered_at", MACHINE_OPEN_WINDOW)} AS machine
            FROM events e
            JOIN identities i ON i.source = e.source AND i.contact_id = e.contact_id
            LEFT JOIN d ON e.kind = 'email' AND e.event_type = 'opened'
                AND d.source = e.source AND d.campaign_id = e.campaign_id
                AND d.contact_id = e.contact_id
            WHERE e.occurred_at <= {now})
        SELECT *, event_type IN {_ENGAGING} AND NOT machine AS engaging FROM flagged""",
        """CREATE OR REPLACE TEMP TABLE _f_mail AS
        SELECT profile_id,
            count(*) FILTER (WHERE event_type = 'delivered') AS delivered,
            count(*) FILTER (WHERE event_type = 'sent') AS sent,
            count(*) FILTER (WHERE event_type = 'opened') AS opened,
            count(*) FILTER (WHERE event_type = 'clicked') AS clicked
        FROM (SELECT DISTINCT profile_id, campaign_id, event_type FROM _f_ev
              WHERE kind = 'email' AND NOT machine)
        GROUP BY profile_id""",
        f"""CREATE OR REPLACE TEMP TABLE _f_act AS
        SELECT profile_id,
            max(occurred_at) FILTER (WHERE engaging) AS last_at,
            count(*) FILTER (WHERE engaging AND occurred_at > {now} - INTERVAL 90 DAY) AS f90,
            max(occurred_at) FILTER (WHERE kind = 'purchase') AS bought_at,
            count(*) FILTER (WHERE kind = 'purchase') AS bought,
            sum(amount) FILTER (WHERE kind = 'purchase')::DOUBLE AS spent
        FROM _f_ev GROUP BY profile_id""",
        # Histograms and arg_max rather than mode(): twice as fast, and ties go to the
        # earliest hour or day, so the answer never depends on row order.
        """CREATE OR REPLACE TEMP TABLE _f_habit AS
        WITH zone AS (
            SELECT p.profile_id,
                CASE WHEN p.time_zone IN (SELECT name FROM pg_timezone_names())
                     THEN p.time_zone ELSE 'UTC' END AS tz
            FROM profiles p),
        local AS (
            SELECT f.profile_id, timezone(z.tz, f.occurred_at) AS local_at
            FROM _f_ev f JOIN zone z USING (profile_id)
            WHERE f.kind = 'email' AND f.engaging),
        cells AS (
            SELECT profile_id, hour(local_at) AS h, dayofweek(local_at) AS d, count(*) AS n
            FROM local GROUP BY ALL),
        hours AS (
            SELECT profile_id, arg_max(h, n * 100 - h) AS preferred_hour
            FROM (SELECT profile_id, h, sum(n) AS n FROM cells GROUP BY ALL) GROUP BY ALL),
        days AS (
            SELECT profile_id, arg_max(d, n * 10 - d) AS preferred_weekday
            FROM (SELECT profile_id, d, sum(n) AS n FROM cells GROUP BY ALL) GROUP BY ALL)
        SELECT profile_id, preferred_hour, preferred_weekday
        FROM hours JOIN days USING (profile_id)""",
        f"""INSERT INTO profile_features
        WITH base AS (
            SELECT p.profile_id,
                epoch({now} - p.created_at) / 86400.0 AS tenure_days,
                epoch({now} - a.last_at) / 86400.0 AS recency_days,
                coalesce(a.f90, 0) AS frequency_90d,
                coalesce(nullif(m.delivered, 0), m.sent, 0) AS delivered,
                coalesce(m.opened, 0) / nullif(coalesce(nullif(m.delivered, 0), m.sent), 0)
                    AS human_open_rate,
                coalesce(m.clicked, 0) / nullif(coalesce(nullif(m.delivered, 0), m.sent), 0)
                    AS click_rate,
                h.preferred_hour, h.preferred_weekday,
                epoch({now} - a.bought_at) / 86400.0 AS purchase_recency_days,
                coalesce(a.bought, 0) AS purchase_count,
                coalesce(a.spent, 0) AS purchase_amount
            FROM profiles p
            LEFT JOIN _f_act a USING (profile_id)
            LEFT JOIN _f_mail m USING (profile_id)
            LEFT JOIN _f_habit h USING (profile_id)),
        rfm AS (
            SELECT profile_id,
                ntile(5) OVER (ORDER BY purchase_recency_days DESC) AS r,
                ntile(5) OVER (ORDER BY purchase_count) AS f,
                ntile(5) OVER (ORDER BY purchase_amount) AS m
            FROM base WHERE purchase_count > 0)
        SELECT b.profile_id, {now}, tenure_days, recency_days, frequency_90d, delivered,
            least(human_open_rate, 1.0), least(click_rate, 1.0), preferred_hour,
            preferred_weekday, purchase_recency_days, purchase_count, purchase_amount,
            r.r, r.f, r.m
        FROM base b LEFT JOIN rfm r USING (profile_id)""",
        "DROP TABLE _f_ev",
        "DROP TABLE _f_mail",
        "DROP TABLE _f_act",
        "DROP TABLE _f_habit",
    )


def compute_features(store: CustomerStore, as_of: datetime) -> FeatureSummary:
    """Recompute ``profile_features`` for every profile as of ``as_of``, in one transaction."""
    if not store.count("SELECT count(*) FROM profiles"):
        raise UsageError(
            "there are no profiles yet",
            "import contacts or events, then run `overture data resolve`",
        )
    with store.transaction():
        store.execute("DELETE FROM profile_features")
        store.execute("DELETE FROM profile_clusters")
        for statement in features_sql(as_of):
            store.execute(statement)
    row = store.rows(
        "SELECT count(*), count(recency_days), count(*) FILTER (WHERE purchase_count > 0) "
        "FROM profile_features"
    )[0]
    profiles, engaged, buyers = (int(str(v)) for v in row)
    return FeatureSummary(as_of, profiles, engaged, buyers)
