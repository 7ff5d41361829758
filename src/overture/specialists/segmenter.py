"""The segmenter: behavioural segments worth treating differently, and why.

Features per profile come from the store (recency, frequency, human-open rate, click rate,
preferred hour and weekday, tenure). Two groupings are on hand: by behaviour (k-means on those
features, each cluster described by where it stands out) and by reading time (when each
profile opens as a person). The newsletter's segments are by reading time when enough
profiles have opened often enough to tell: when people read says when to send, and readers of
one habit tend to answer the same subject lines; otherwise by behaviour.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel

from overture.agents import AgentResult, AgentSpec, Brief, Environment, Tool, ToolContext
from overture.data.features import compute_features
from overture.data.segments import (
    MIN_OPENS_FOR_READING_TIME,
    cluster_profiles,
    cluster_reading_times,
)
from overture.records import Fact
from overture.specialists.base import Specialist

__all__ = ["READING_TIME_SHARE", "ClusterRequest", "SegmentList", "SegmentSummary", "Segmenter"]

READING_TIME_SHARE = 0.2
"""Share of profiles with a known reading time needed to segment by it."""


class FeatureRequest(BaseModel):
    pass


class FeatureCounts(BaseModel):
    profiles: int
    engaged: int
    reading_time_known: int
    """Profiles with enough human opens to tell when they read."""


class ClusterRequest(BaseModel):
    k: int = 4
    seed: int = 0
    by: Literal["behaviour", "reading_time"] = "behaviour"


class SegmentSummary(BaseModel):
    id: str
    size: int
    description: str
    human_open_rate: float


class SegmentList(BaseModel):
    segments: list[SegmentSummary]


class Segmenter(Specialist):
    name = "segmenter"

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        store = self.newsletter.store

        def features(_: FeatureRequest, context: ToolContext) -> FeatureCounts:
            summary = compute_features(store, context.now)
            known = store.rows(
                """SELECT count(*) FROM (
                       SELECT i.profile_id FROM opens o JOIN identities i
                         ON i.source = o.source AND i.contact_id = o.contact_id
                       WHERE NOT o.is_machine_open GROUP BY i.profile_id HAVING count(*) >= ?)""",
                [MIN_OPENS_FOR_READING_TIME],
            )[0][0]
            return FeatureCounts(
                profiles=summary.profiles,
                engaged=summary.engaged,
                reading_time_known=int(str(known)),
            )

        def clusters(request: ClusterRequest, _: ToolContext) -> SegmentList:
            grouping = cluster_reading_times if request.by == "reading_time" else cluster_profiles
            found = grouping(store, request.k, np.random.default_rng(request.seed))
            rates = {
                int(str(c)): float(str(r or 0))
                for c, r in store.rows(
                    "SELECT cluster, avg(coalesce(f.human_open_rate, 0)) FROM profile_clusters "
                    "JOIN profile_features f USING (profile_id) GROUP BY cluster"
                )
            }
            return SegmentList(
                segments=[
                    SegmentSummary(
                        id=f"s{c.index}",
                        size=c.size,
                        description=c.description,
                        human_open_rate=round(rates.get(c.index, 0.0), 4),
                    )
                    for c in found
                ]
            )

        self.features = Tool(
            "profile_features",
            "Behavioural features per profile.",
            FeatureRequest,
            FeatureCounts,
            features,
        )
        self.clusters = Tool(
            "cluster_profiles",
            "Group profiles by behaviour or by when they read.",
            ClusterRequest,
            SegmentList,
            clusters,
        )
        self.spec = AgentSpec(
            name=self.name,
            purpose="Find behavioural segments of the audience worth treating differently",
            needs=frozenset({"baseline"}),
            provides=frozenset({"segments"}),
            tools=(self.features, self.clusters),
        )

    def act(self, brief: Brief) -> AgentResult:
        counts = self.use(self.features, FeatureRequest(), brief)
        by_time = counts.reading_time_known >= READING_TIME_SHARE * counts.profiles
        found = self.use(
            self.clusters,
            ClusterRequest(seed=self.env.seed, by="reading_time" if by_time else "behaviour"),
            brief,
        )
        why = (
            f"by reading time ({counts.reading_time_known} profiles opened often enough to tell)"
            if by_time
            else f"by behaviour (only {counts.reading_time_known} profiles opened often enough "
            "to tell when they read)"
        )
        lines = "; ".join(
            f"{s.id}: {s.size} profiles, {s.description}, human-open rate {s.human_open_rate:.2%}"
            for s in found.segments
        )
        return AgentResult(
            output=found.model_dump(),
            facts=(
                Fact(
                    key="segments",
                    value=found.model_dump()["segments"],
                    source="cluster_profiles",
                ),
            ),
            text=f"{counts.profiles} profiles in {len(found.segments)} segments, {why}. {lines}.",
        )
