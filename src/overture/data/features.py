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
"""The behavioural columns of ``profile_features`` (besides profile_id, as_of, cluster)."""

_ENGAGING = "('opened', 'clicked', 'purchase', 'session', 'page_view', 'form_submit')"


@dataclass(frozen=True)
class FeatureSummary:
    """How many profiles got features, and how many of them ever engaged or bought."""

    as_of: datetime
    profiles: int
    engaged: int
    buyers: int


def features_sql() -> str:
    """The INSERT that fills ``profile_features``; its one parameter is the as-of time.

    Engagement means a human open, a click, a purchase or a web event; machine opens
    never count. Days are fractional. Weekday: 0 = Sunday.
    """
    return f"""
    INSERT INTO profile_features
    WITH ref AS (SELECT CAST(? AS TIMESTAMPTZ) AS t),
    ev AS (
        SELECT i.profile_id, e.kind, e.event_type, e.campaign_id, e.occurred_at, e.amount,
               e.event_id, e.source
        FROM events e JOIN identities i ON i.source = e.source AND i.contact_id = e.contact_id
        WHERE e.occurred_at <= (SELECT t FROM ref)),
    machine AS (SELECT source, event_id FROM opens WHERE is_machine_open),
    human AS (
        SELECT ev.* FROM ev
        WHERE ev.event_type IN {_ENGAGING}
          AND NOT (ev.kind = 'email' AND ev.event_type = 'opened' AND EXISTS (
              SELECT 1 FROM machine m WHERE m.source = ev.source AND m.event_id = ev.event_id))),
    zones AS (SELECT name FROM pg_timezone_names()),
    local AS (
        SELECT h.profile_id,
               timezone(CASE WHEN p.time_zone IN (SELECT name FROM zones) THEN p.time_zone
                             ELSE 'UTC' END, h.occurred_at) AS local_at
        FROM human h JOIN profiles p USING (profile_id)
        WHERE h.kind = 'email'),
    habit AS (
        SELECT profile_id, mode(hour(local_at)) AS preferred_hour,
               mode(dayofweek(local_at)) AS preferred_weekday
        FROM local GROUP BY profile_id),
    mail AS (
        SELECT profile_id,
            count(DISTINCT campaign_id) FILTER (WHERE event_type = 'delivered') AS delivered,
            count(DISTINCT campaign_id) FILTER (WHERE event_type = 'sent') AS sent,
            count(DISTINCT campaign_id) FILTER (WHERE event_type = 'clicked') AS clicked
        FROM ev WHERE kind = 'email' GROUP BY profile_id),
    opened AS (
        SELECT profile_id, count(DISTINCT campaign_id) AS opened
        FROM human WHERE kind = 'email' AND event_type = 'opened' GROUP BY profile_id),
    activity AS (
        SELECT profile_id, max(occurred_at) AS last_at,
            count(*) FILTER (WHERE occurred_at > (SELECT t FROM ref) - INTERVAL 90 DAY) AS f90
        FROM human GROUP BY profile_id),
    bought AS (
        SELECT profile_id, max(occurred_at) AS last_at, count(*) AS n,
               sum(amount)::DOUBLE AS amount
        FROM ev WHERE kind = 'purchase' GROUP BY profile_id),
    base AS (
        SELECT p.profile_id,
            epoch((SELECT t FROM ref) - p.created_at) / 86400.0 AS tenure_days,
            epoch((SELECT t FROM ref) - a.last_at) / 86400.0 AS recency_days,
            coalesce(a.f90, 0) AS frequency_90d,
            coalesce(nullif(m.delivered, 0), m.sent, 0) AS delivered,
            coalesce(o.opened, 0) / nullif(coalesce(nullif(m.delivered, 0), m.sent), 0)
                AS human_open_rate,
            coalesce(m.clicked, 0) / nullif(coalesce(nullif(m.delivered, 0), m.sent), 0)
                AS click_rate,
            h.preferred_hour, h.preferred_weekday,
            epoch((SELECT t FROM ref) - b.last_at) / 86400.0 AS purchase_recency_days,
            coalesce(b.n, 0) AS purchase_count,
            coalesce(b.amount, 0) AS purchase_amount
        FROM profiles p
        LEFT JOIN activity a USING (profile_id)
        LEFT JOIN mail m USING (profile_id)
        LEFT JOIN opened o USING (profile_id)
        LEFT JOIN habit h USING (profile_id)
        LEFT JOIN bought b USING (profile_id))
    SELECT profile_id, (SELECT t FROM ref), tenure_days, recency_days, frequency_90d, delivered,
        least(human_open_rate, 1.0), least(click_rate, 1.0), preferred_hour, preferred_weekday,
        purchase_recency_days, purchase_count, purchase_amount,
        CASE WHEN purchase_count > 0 THEN ntile(5) OVER (
            PARTITION BY purchase_count > 0 ORDER BY purchase_recency_days DESC) END,
        CASE WHEN purchase_count > 0 THEN ntile(5) OVER (
            PARTITION BY purchase_count > 0 ORDER BY purchase_count) END,
        CASE WHEN purchase_count > 0 THEN ntile(5) OVER (
            PARTITION BY purchase_count > 0 ORDER BY purchase_amount) END,
        NULL
    FROM base"""


def compute_features(store: CustomerStore, as_of: datetime) -> FeatureSummary:
    """Recompute ``profile_features`` for every profile as of ``as_of``, in one transaction."""
    if not store.count("SELECT count(*) FROM profiles"):
        raise UsageError(
            "there are no profiles yet",
            "import contacts or events, then run `overture data resolve`",
        )
    with store.transaction():
        store.execute("DELETE FROM profile_features")
        store.execute(features_sql(), [as_of])
    row = store.rows(
        "SELECT count(*), count(recency_days), count(*) FILTER (WHERE purchase_count > 0) "
        "FROM profile_features"
    )[0]
    profiles, engaged, buyers = (int(str(v)) for v in row)
    return FeatureSummary(as_of, profiles, engaged, buyers)
