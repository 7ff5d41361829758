"""The reporter: what the cycle's send did, arm by arm and segment by segment, on human opens.

It first brings the email service's feed into the store (through the store's importer, which
flags machine opens), then counts. Its results feed the next cycle's copy and allocation; the
objective itself is judged separately by the measure, from the same store.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, JsonValue

from overture.agents import AgentResult, AgentSpec, Brief, Environment, Tool, ToolContext
from overture.exceptions import UsageError
from overture.records import Fact
from overture.specialists._facts import as_dict, as_dicts, as_results, results_json
from overture.specialists.base import Specialist
from overture.specialists.compliance import arm_group
from overture.specialists.feed import sync_feed
from overture.specialists.results import campaign_counts, group_totals

__all__ = ["MIN_DELIVERED_TO_RANK", "ArmResults", "Reporter", "SyncRequest", "best_by_segment"]

MIN_DELIVERED_TO_RANK = 100
"""Delivered messages an arm needs in a segment before it can be named what worked there."""


class SyncRequest(BaseModel):
    since: AwareDatetime
    until: AwareDatetime


class Synced(BaseModel):
    events: int


class CountsRequest(BaseModel):
    campaign_id: str


class ArmResults(BaseModel):
    campaign_id: str
    rows: list[dict[str, JsonValue]]
    treated: list[int]
    control: list[int]
    practice: list[int]
    """The A/B-then-winner practice group's human openers and deliveries."""
    treated_raw: int
    control_raw: int


class Reporter(Specialist):
    name = "reporter"

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        self.sync = Tool(
            "sync_feed", "Import the email service's events.", SyncRequest, Synced, self._sync
        )
        self.count = Tool(
            "arm_results", "Openers by arm and segment.", CountsRequest, ArmResults, self._count
        )
        self.spec = AgentSpec(
            name=self.name,
            purpose="Report what the cycle's send did on human opens, arm by arm, against the "
            "holdout",
            needs=frozenset({"send.planned", "segments"}),
            wants=frozenset({"experiment.results"}),
            provides=frozenset({"experiment.results", "report.latest"}),
            tools=(self.sync, self.count),
            per_cycle=True,
        )

    def _sync(self, request: SyncRequest, _: ToolContext) -> Synced:
        channel = self.env.channel
        if channel is None:
            raise UsageError("this environment has no channel to read", "run with --env sim")
        n = sync_feed(
            self.newsletter.store,
            channel,
            request.since,
            request.until,
            self.newsletter.folder,
            self.newsletter.source,
        )
        return Synced(events=n)

    def _count(self, request: CountsRequest, _: ToolContext) -> ArmResults:
        counts = campaign_counts(self.newsletter.store, request.campaign_id)
        groups = group_totals(counts)
        treated, control, practice = (groups[g] for g in ("treated", "holdout", "practice"))
        return ArmResults(
            campaign_id=request.campaign_id,
            rows=[
                {
                    "arm": c.arm,
                    "segment": c.segment,
                    "delivered": c.delivered,
                    "human_openers": c.human_openers,
                    "raw_openers": c.raw_openers,
                }
                for c in counts
            ],
            treated=[treated.human_openers, treated.delivered],
            control=[control.human_openers, control.delivered],
            practice=[practice.human_openers, practice.delivered],
            treated_raw=treated.raw_openers,
            control_raw=control.raw_openers,
        )

    def act(self, brief: Brief) -> AgentResult:
        planned = as_dict(brief.fact("send.planned"))
        campaign = str(planned["campaign_id"])
        first = planned.get("first_send_at")
        since = datetime.fromisoformat(str(first)) if first else brief.now - timedelta(days=7)
        synced = self.use(self.sync, SyncRequest(since=since, until=brief.now), brief)
        results = self.use(self.count, CountsRequest(campaign_id=campaign), brief)
        cumulative = as_results(
            brief.fact("experiment.results") if brief.has("experiment.results") else {}
        )
        for row in results.rows:
            arm, segment = str(row["arm"]), str(row["segment"])
            before = cumulative.setdefault(arm, {}).get(segment, [0, 0])
            cumulative[arm][segment] = [
                before[0] + int(str(row["human_openers"])),
                before[1] + int(str(row["delivered"])),
            ]
        t_rate = _rate(results.treated)
        c_rate = _rate(results.control)
        lift = t_rate / c_rate - 1 if c_rate else None
        latest: dict[str, JsonValue] = {
            "campaign_id": campaign,
            "cycle": brief.cycle,
            "treated": list(results.treated),
            "control": list(results.control),
            "treated_human_rate": round(t_rate, 6),
            "control_human_rate": round(c_rate, 6),
            "practice": list(results.practice),
            "practice_human_rate": round(_rate(results.practice), 6),
            "treated_raw_rate": round(results.treated_raw / results.treated[1], 6)
            if results.treated[1]
            else 0.0,
            "control_raw_rate": round(results.control_raw / results.control[1], 6)
            if results.control[1]
            else 0.0,
            "lift": round(lift, 6) if lift is not None else None,
            "best_by_segment": best_by_segment(cumulative),
        }
        lift_text = f"{lift:+.1%}" if lift is not None else "not measurable yet"
        return AgentResult(
            output=latest,
            facts=(
                Fact(
                    key="experiment.results", value=results_json(cumulative), source="arm_results"
                ),
                Fact(key="report.latest", value=latest, source="arm_results"),
            ),
            text=(
                f"Cycle {brief.cycle} ({synced.events} events imported): treated "
                f"{results.treated[0]} of {results.treated[1]} opened as people ({t_rate:.2%}), "
                f"holdout {results.control[0]} of {results.control[1]} ({c_rate:.2%}); "
                f"lift {lift_text}; the A/B-then-winner practice {results.practice[0]} of "
                f"{results.practice[1]} ({_rate(results.practice):.2%}). "
                "What worked for whom so far: " + _worked(as_dict(latest["best_by_segment"]), brief)
            ),
        )


def _rate(counts: list[int]) -> float:
    return counts[0] / counts[1] if counts[1] else 0.0


def best_by_segment(results: dict[str, dict[str, list[int]]]) -> JsonValue:
    """Per segment, the line with the highest human-open rate over every cycle so far.

    Only Overture's lines with :data:`MIN_DELIVERED_TO_RANK` delivered there are ranked (never
    the holdout's or the practice group's): a handful of sends is not evidence of what works.
    """
    best: dict[str, tuple[float, str, int, int]] = {}
    for arm, by_segment in results.items():
        if arm_group(arm) != "treated":
            continue
        for segment, (opened, delivered) in by_segment.items():
            if delivered < MIN_DELIVERED_TO_RANK:
                continue
            found = best.get(segment)
            if found is None or (opened / delivered, arm) > (found[0], found[1]):
                best[segment] = (opened / delivered, arm, opened, delivered)
    return {
        segment: {"arm": arm, "human_rate": round(rate, 6), "opened": o, "delivered": n}
        for segment, (rate, arm, o, n) in sorted(best.items())
    }


def _worked(best: dict[str, JsonValue], brief: Brief) -> str:
    names = {str(s["id"]): str(s["description"]) for s in as_dicts(brief.fact("segments"))}
    parts = [
        f"{segment} ({names.get(segment, 'segment')}): {as_dict(v)['arm']} at "
        f"{float(str(as_dict(v)['human_rate'])):.1%}"
        for segment, v in best.items()
    ]
    return "; ".join(parts) + "." if parts else "not enough sends per segment yet."
