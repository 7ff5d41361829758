"""Email metrics as counts, computed on human opens, for measurement and intervals.

Each function returns counts, not only a ratio, so the caller can put an interval around
the rate. The denominator is the recipients a campaign was delivered to (a campaign whose
feed has no ``delivered`` events counts sends that did not bounce). Opens come from the
``opens`` view, where privacy-proxy fetches are flagged ``is_machine_open``; raw opens are
returned beside human opens, never instead of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from overture.data import sql
from overture.data.store import CustomerStore, Param
from overture.exceptions import UsageError

__all__ = [
    "EngagementCounts",
    "OpenCounts",
    "audience_sql",
    "click_rate",
    "human_open_rate",
    "unsubscribe_rate",
]


@dataclass(frozen=True)
class OpenCounts:
    """Recipients delivered, and how many of them opened: as people, and as raw opens."""

    delivered: int
    human_openers: int
    raw_openers: int

    @property
    def human_rate(self) -> float:
        """Human openers / delivered (0 when nothing was delivered)."""
        return self.human_openers / self.delivered if self.delivered else 0.0

    @property
    def raw_rate(self) -> float:
        """Recipients with any open, machine or human / delivered."""
        return self.raw_openers / self.delivered if self.delivered else 0.0


@dataclass(frozen=True)
class EngagementCounts:
    """Recipients delivered, and how many of them did the thing counted (click, unsubscribe)."""

    delivered: int
    engaged: int

    @property
    def rate(self) -> float:
        """Engaged / delivered (0 when nothing was delivered)."""
        return self.engaged / self.delivered if self.delivered else 0.0


def audience_sql(
    *,
    campaign_ids: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    segment_condition: str | None = None,
    arm: str | None = None,
) -> tuple[str, list[Param]]:
    """The delivered recipients in scope: (source, campaign_id, contact_id) rows, and params.

    ``since``/``until`` bound the delivery time (half-open); ``segment_condition`` is a
    segment's condition over profiles and their features.
    """
    params: list[Param] = []
    campaign_filter = f" AND {_campaigns(campaign_ids)}"
    scope: list[str] = []
    if since is not None:
        scope.append("a.at >= ?")
        params.append(since)
    if until is not None:
        scope.append("a.at < ?")
        params.append(until)
    if arm is not None:
        scope.append("a.arm = ?")
        params.append(arm)
    if segment_condition is not None:
        scope.append(
            "EXISTS (SELECT 1 FROM identities i "
            "JOIN profiles p USING (profile_id) JOIN profile_features f USING (profile_id) "
            f"WHERE i.source = a.source AND i.contact_id = a.contact_id AND {segment_condition})"
        )
    where = (" WHERE " + " AND ".join(scope)) if scope else ""
    email = f"kind = 'email'{campaign_filter}"
    text = f"""
        WITH sent AS (
            SELECT source, campaign_id, contact_id, min(occurred_at) AS at, any_value(arm) AS arm
            FROM events WHERE {email} AND event_type = 'sent' GROUP BY ALL),
        delivered AS (
            SELECT source, campaign_id, contact_id, min(occurred_at) AS at, any_value(arm) AS arm
            FROM events WHERE {email} AND event_type = 'delivered' GROUP BY ALL),
        bounced AS (
            SELECT DISTINCT source, campaign_id, contact_id
            FROM events WHERE {email} AND event_type = 'bounced'),
        fed AS (SELECT DISTINCT source, campaign_id FROM delivered),
        audience AS (
            SELECT d.source, d.campaign_id, d.contact_id, d.at, coalesce(d.arm, s.arm) AS arm
            FROM delivered d LEFT JOIN sent s USING (source, campaign_id, contact_id)
            UNION ALL
            SELECT s.source, s.campaign_id, s.contact_id, s.at, s.arm FROM sent s
            WHERE NOT EXISTS (SELECT 1 FROM fed f
                              WHERE f.source = s.source AND f.campaign_id = s.campaign_id)
              AND NOT EXISTS (SELECT 1 FROM bounced b WHERE b.source = s.source
                              AND b.campaign_id = s.campaign_id AND b.contact_id = s.contact_id))
        SELECT a.source, a.campaign_id, a.contact_id FROM audience a{where}"""
    return text, params


def _campaigns(campaign_ids: Sequence[str] | None) -> str:
    """A condition on ``campaign_id`` that keeps the campaigns in scope (all when None)."""
    if campaign_ids is None:
        return "true"
    return f"campaign_id IN {sql.in_list(campaign_ids)}" if campaign_ids else "false"


def _segment_condition(store: CustomerStore, segment: str | None) -> str | None:
    if segment is None:
        return None
    rows = store.rows("SELECT condition FROM segments WHERE name = ?", [segment])
    if not rows:
        raise UsageError(
            f"no segment called '{segment}'",
            "list them with `overture data segments`, or define it first",
        )
    return f"({rows[0][0]})"


def human_open_rate(
    store: CustomerStore,
    *,
    campaign_ids: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    segment: str | None = None,
    arm: str | None = None,
) -> OpenCounts:
    """Delivered recipients in scope, those who opened as people, and those with any open.

    A recipient counts once however many times they opened (a proxy's repeated fetches of
    one message are one opener).
    """
    audience, params = audience_sql(
        campaign_ids=campaign_ids,
        since=since,
        until=until,
        segment_condition=_segment_condition(store, segment),
        arm=arm,
    )
    row = store.rows(
        f"""WITH scoped AS ({audience}),
        opened AS (
            SELECT source, campaign_id, contact_id, bool_or(NOT is_machine_open) AS human
            FROM opens WHERE {_campaigns(campaign_ids)} GROUP BY ALL)
        SELECT count(*), count(o.contact_id) FILTER (WHERE o.human), count(o.contact_id)
        FROM scoped s LEFT JOIN opened o USING (source, campaign_id, contact_id)""",
        params,
    )[0]
    delivered, human, raw = (int(str(value)) for value in row)
    return OpenCounts(delivered=delivered, human_openers=human, raw_openers=raw)


def _engaged(
    store: CustomerStore,
    event_type: str,
    campaign_ids: Sequence[str] | None,
    since: datetime | None,
    until: datetime | None,
    segment: str | None,
    arm: str | None,
) -> EngagementCounts:
    audience, params = audience_sql(
        campaign_ids=campaign_ids,
        since=since,
        until=until,
        segment_condition=_segment_condition(store, segment),
        arm=arm,
    )
    row = store.rows(
        f"""WITH scoped AS ({audience}),
        did AS (SELECT DISTINCT source, campaign_id, contact_id FROM events
                WHERE kind = 'email' AND event_type = {sql.literal(event_type)}
                  AND {_campaigns(campaign_ids)})
        SELECT count(*), count(d.contact_id)
        FROM scoped s LEFT JOIN did d USING (source, campaign_id, contact_id)""",
        params,
    )[0]
    delivered, engaged = (int(str(value)) for value in row)
    return EngagementCounts(delivered=delivered, engaged=engaged)


def click_rate(
    store: CustomerStore,
    *,
    campaign_ids: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    segment: str | None = None,
    arm: str | None = None,
) -> EngagementCounts:
    """Delivered recipients in scope and how many of them clicked at least once."""
    return _engaged(store, "clicked", campaign_ids, since, until, segment, arm)


def unsubscribe_rate(
    store: CustomerStore,
    *,
    campaign_ids: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    segment: str | None = None,
    arm: str | None = None,
) -> EngagementCounts:
    """Delivered recipients in scope and how many of them unsubscribed from it."""
    return _engaged(store, "unsubscribed", campaign_ids, since, until, segment, arm)
