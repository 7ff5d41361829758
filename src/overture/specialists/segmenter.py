"""The segmenter: behavioural segments worth treating differently, and why.

Features per profile come from the store (recency, frequency, human-open rate, click rate,
preferred hour and weekday, tenure); clustering groups profiles and describes each cluster by
where it stands out.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

from overture.agents import AgentResult, AgentSpec, Brief, Environment, Tool, ToolContext
from overture.data.features import compute_features
from overture.data.segments import cluster_profiles
from overture.records import Fact
from overture.specialists.base import Specialist

__all__ = ["ClusterRequest", "SegmentList", "SegmentSummary", "Segmenter"]


class FeatureRequest(BaseModel):
    pass


class FeatureCounts(BaseModel):
    profiles: int
    engaged: int


class ClusterRequest(BaseModel):
    k: int = 4
    seed: int = 0


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
            return FeatureCounts(profiles=summary.profiles, engaged=summary.engaged)

        def clusters(request: ClusterRequest, _: ToolContext) -> SegmentList:
            found = cluster_profiles(store, request.k, np.random.default_rng(request.seed))
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
            "Group profiles by behaviour.",
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
        found = self.use(self.clusters, ClusterRequest(seed=self.env.seed), brief)
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
            text=f"{counts.profiles} profiles in {len(found.segments)} segments. {lines}.",
        )
