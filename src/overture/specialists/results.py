"""Counts of one campaign by arm and segment, on human opens, straight from the store.

Shared by the reporter (which learns from them) and the measure (which judges the objective
with them), so both read the same numbers the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from overture.data import CustomerStore
from overture.data.metrics import audience_sql
from overture.specialists.compliance import arm_group

__all__ = [
    "ArmCounts",
    "GroupTotals",
    "PersonOutcomes",
    "campaign_counts",
    "group_totals",
    "person_outcomes",
]


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


@dataclass(frozen=True)
class GroupTotals:
    """One group's delivered recipients and openers in a campaign, over every arm and segment."""

    delivered: int = 0
    human_openers: int = 0
    raw_openers: int = 0


def group_totals(counts: list[ArmCounts]) -> dict[str, GroupTotals]:
    """``counts`` totalled by :func:`.compliance.arm_group` (every group present, maybe empty)."""
    totals = {group: GroupTotals() for group in ("treated", "holdout", "practice")}
    for c in counts:
        group = arm_group(c.arm)
        t = totals[group]
        totals[group] = GroupTotals(
            t.delivered + c.delivered,
            t.human_openers + c.human_openers,
            t.raw_openers + c.raw_openers,
        )
    return totals


@dataclass(frozen=True, eq=False)
class PersonOutcomes:
    """One entry per recipient delivered at least once in the window."""

    group: npt.NDArray[np.str_]
    """``holdout``, ``practice`` or ``treated``, as :func:`.compliance.arm_group` says."""
    opened: npt.NDArray[np.float64]
    """Share of their deliveries in the window they opened as a person."""
    before: npt.NDArray[np.float64]
    """The same share before ``history_before`` (the mean of everyone's, when they had none)."""


def person_outcomes(
    store: CustomerStore, campaign_ids: list[str], history_before: datetime
) -> PersonOutcomes:
    """Each recipient's human-open share over ``campaign_ids`` and over the history before.

    Machine opens never count; a message opened several times counts once.
    """
    marks = ", ".join("?" for _ in campaign_ids)
    rows = store.execute(
        f"""WITH delivered AS (
               SELECT source, campaign_id, contact_id FROM deliveries
               WHERE campaign_id IN ({marks})),
           human AS (
               SELECT DISTINCT source, campaign_id, contact_id FROM opens
               WHERE NOT is_machine_open AND campaign_id IN ({marks})),
           arms AS (
               SELECT source, contact_id, any_value(arm) AS arm FROM events
               WHERE kind = 'email' AND event_type = 'sent' AND campaign_id IN ({marks})
               GROUP BY ALL),
           window_counts AS (
               SELECT d.source, d.contact_id, count(*) AS n, count(h.contact_id) AS k
               FROM delivered d LEFT JOIN human h USING (source, campaign_id, contact_id)
               GROUP BY ALL),
           past_delivered AS (
               SELECT source, contact_id, count(*) AS n FROM deliveries
               WHERE delivered_at < ? GROUP BY ALL),
           past_human AS (
               SELECT source, contact_id, count(DISTINCT campaign_id) AS k FROM opens
               WHERE NOT is_machine_open AND delivered_at < ? GROUP BY ALL)
           SELECT coalesce(a.arm, '') AS arm, w.k / w.n AS opened,
                  coalesce(coalesce(ph.k, 0) / pd.n, -1.0) AS before
           FROM window_counts w
           LEFT JOIN arms a USING (source, contact_id)
           LEFT JOIN past_delivered pd USING (source, contact_id)
           LEFT JOIN past_human ph USING (source, contact_id)
           ORDER BY w.source, w.contact_id""",
        [*campaign_ids, *campaign_ids, *campaign_ids, history_before, history_before],
    ).fetchnumpy()
    before = np.asarray(rows["before"], dtype=np.float64)  # -1 where there is no history
    known = before >= 0
    before[~known] = float(before[known].mean()) if known.any() else 0.0
    return PersonOutcomes(
        group=np.array([arm_group(str(arm)) for arm in rows["arm"]], dtype=np.str_),
        opened=np.asarray(rows["opened"], dtype=np.float64),
        before=before,
    )
