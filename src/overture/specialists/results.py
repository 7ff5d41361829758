"""Counts of one campaign by arm and segment, on human opens, straight from the store.

Shared by the reporter (which learns from them) and the measure (which judges the objective
with them), so both read the same numbers the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from overture.data import CustomerStore
from overture.data.metrics import audience_sql

__all__ = ["ArmCounts", "campaign_counts"]


@dataclass(frozen=True)
class ArmCounts:
    arm: str
    segment: str
    delivered: int
    human_openers: int
    raw_openers: int


def campaign_counts(store: CustomerStore, campaign_id: str) -> list[ArmCounts]:
    """Delivered recipients of ``campaign_id`` and their openers, by arm and segment."""
    audience, params = audience_sql(campaign_ids=[campaign_id])
    rows = store.rows(
        f"""WITH scoped AS ({audience}),
        opened AS (
            SELECT source, campaign_id, contact_id, bool_or(NOT is_machine_open) AS human
            FROM opens WHERE campaign_id = ? GROUP BY ALL),
        arms AS (
            SELECT source, campaign_id, contact_id, any_value(arm) AS arm FROM events
            WHERE kind = 'email' AND event_type = 'sent' AND campaign_id = ? GROUP BY ALL)
        SELECT coalesce(nullif(a.arm, ''), 'unknown'), 's' || coalesce(pc.cluster, -1)::VARCHAR,
               count(*), count(o.contact_id) FILTER (WHERE o.human), count(o.contact_id)
        FROM scoped s
        LEFT JOIN opened o USING (source, campaign_id, contact_id)
        LEFT JOIN arms a USING (source, campaign_id, contact_id)
        LEFT JOIN identities i ON i.source = s.source AND i.contact_id = s.contact_id
        LEFT JOIN profile_clusters pc ON pc.profile_id = i.profile_id
        GROUP BY 1, 2 ORDER BY 1, 2""",
        [*params, campaign_id, campaign_id],
    )
    return [
        ArmCounts(str(arm), str(seg), int(str(d)), int(str(h)), int(str(r)))
        for arm, seg, d, h, r in rows
    ]
