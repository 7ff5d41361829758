"""The analyst: what the newsletter does today, measured on human opens, with intervals.

Machine opens (mail privacy proxies) are flagged by the store and never counted as people;
raw opens are reported beside human opens so the difference is visible.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel

from overture.agents import AgentResult, AgentSpec, Brief, Environment, Tool, ToolContext
from overture.data.metrics import human_open_rate
from overture.records import Fact
from overture.specialists.base import Specialist
from overture.stats import wilson_interval

__all__ = ["Analyst", "BaselineQuery", "HourProfile", "RateSummary", "SendPattern"]


class BaselineQuery(BaseModel):
    weeks: int = 8
    """How many weeks before now the baseline covers."""


class RateSummary(BaseModel):
    delivered: int
    human_openers: int
    raw_openers: int
    human_rate: float
    lower: float
    upper: float
    raw_rate: float


class Empty(BaseModel):
    pass


class SendPattern(BaseModel):
    """When the newsletter usually goes out, and what it usually says."""

    weekday: int
    """0 is Monday."""
    minute_of_day_utc: int
    campaigns: int
    subject: str
    """The latest campaign's subject line (as recipients saw it)."""


class HourProfile(BaseModel):
    human_opens_by_local_hour: list[int]
    peak_hours: list[int]


class Analyst(Specialist):
    name = "analyst"

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        store, source = self.newsletter.store, self.newsletter.source

        def baseline(query: BaselineQuery, context: ToolContext) -> RateSummary:
            counts = human_open_rate(
                store, since=context.now - timedelta(weeks=query.weeks), until=context.now
            )
            interval = wilson_interval(counts.human_openers, counts.delivered)
            return RateSummary(
                delivered=counts.delivered,
                human_openers=counts.human_openers,
                raw_openers=counts.raw_openers,
                human_rate=round(counts.human_rate, 6),
                lower=round(interval.lower, 6),
                upper=round(interval.upper, 6),
                raw_rate=round(counts.raw_rate, 6),
            )

        def pattern(_: Empty, __: ToolContext) -> SendPattern:
            # The latest campaign's moment: a send at a fixed local time moves in UTC with
            # daylight saving, and the latest one is on the current side of the change.
            rows = store.rows(
                """SELECT isodow(first_sent_at AT TIME ZONE 'UTC') - 1,
                          hour(first_sent_at AT TIME ZONE 'UTC') * 60
                            + minute(first_sent_at AT TIME ZONE 'UTC'), 1
                   FROM campaigns WHERE source = ? ORDER BY first_sent_at DESC LIMIT 1""",
                [source],
            )
            latest = store.rows(
                "SELECT subject FROM campaigns WHERE source = ? ORDER BY first_sent_at DESC "
                "LIMIT 1",
                [source],
            )
            total = store.count("SELECT count(*) FROM campaigns WHERE source = ?", [source])
            weekday, minute, _n = rows[0] if rows else (3, 600, 0)
            return SendPattern(
                weekday=int(str(weekday)),
                minute_of_day_utc=int(str(minute)),
                campaigns=total,
                subject=str(latest[0][0]) if latest else "",
            )

        def hours(_: Empty, __: ToolContext) -> HourProfile:
            rows = store.rows(
                """SELECT hour(timezone(coalesce(c.time_zone, 'UTC'), o.occurred_at)) AS h,
                          count(*) FROM opens o
                   JOIN contacts c ON c.source = o.source AND c.contact_id = o.contact_id
                   WHERE NOT o.is_machine_open AND o.source = ? GROUP BY h""",
                [source],
            )
            by_hour = [0] * 24
            for hour, count in rows:
                by_hour[int(str(hour))] = int(str(count))
            peaks = sorted(range(24), key=lambda h: -by_hour[h])[:3]
            return HourProfile(human_opens_by_local_hour=by_hour, peak_hours=peaks)

        self.baseline = Tool(
            "baseline_open_rate",
            "Human-open rate over recent weeks.",
            BaselineQuery,
            RateSummary,
            baseline,
        )
        self.pattern = Tool("send_pattern", "The usual send moment.", Empty, SendPattern, pattern)
        self.hours = Tool("opens_by_hour", "Human opens by local hour.", Empty, HourProfile, hours)
        self.spec = AgentSpec(
            name=self.name,
            purpose="Measure the newsletter's baseline human-open rate, its send pattern and "
            "when people open",
            provides=frozenset({"baseline", "send_pattern", "opens_by_hour"}),
            tools=(self.baseline, self.pattern, self.hours),
        )

    def act(self, brief: Brief) -> AgentResult:
        baseline = self.use(self.baseline, BaselineQuery(), brief)
        pattern = self.use(self.pattern, Empty(), brief)
        hours = self.use(self.hours, Empty(), brief)
        text = (
            f"Over the last 8 weeks {baseline.human_openers} of {baseline.delivered} delivered "
            f"recipients opened as people: {baseline.human_rate:.2%} "
            f"(95% interval {baseline.lower:.2%} to {baseline.upper:.2%}); raw opens, machine "
            f"opens included, were {baseline.raw_rate:.2%}."
        )
        return AgentResult(
            output={"baseline": baseline.model_dump(), "send_pattern": pattern.model_dump()},
            facts=(
                Fact(key="baseline", value=baseline.model_dump(), source="baseline_open_rate"),
                Fact(key="send_pattern", value=pattern.model_dump(), source="send_pattern"),
                Fact(
                    key="opens_by_hour",
                    value=hours.model_dump()["peak_hours"],
                    source="opens_by_hour",
                ),
            ),
            text=text,
        )
