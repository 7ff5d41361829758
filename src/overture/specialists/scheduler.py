"""The scheduler: each contact's send hour, learned from when they open as people.

A contact's own human opens by local hour are shrunk toward their segment's pattern
(a Dirichlet prior of strength :data:`PRIOR_STRENGTH`), so a thin history borrows from people
like them. Machine opens are never used: a privacy proxy fetches at delivery, not when anyone
reads. Hours stay inside the sending window in the contact's own time zone (quiet hours
outside it), and a random exploration slice gets a random hour so the estimates keep learning;
the slice shrinks with the share of the budget's sends still to come, and the last send has none.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from pydantic import BaseModel, Field

from overture.agents import AgentResult, AgentSpec, Brief, Environment, Tool, ToolContext
from overture.records import Fact
from overture.specialists.base import Specialist, exploration_weight
from overture.specialists.context import bucket_of

__all__ = ["EXPLORE_SHARE", "PRIOR_STRENGTH", "SEND_WINDOW", "ScheduleRequest", "Scheduler"]

PRIOR_STRENGTH = 4.0
"""Pseudo-opens of the segment's pattern added to each contact's own."""
EXPLORE_SHARE = 0.10
"""Share of contacts sent at a random hour while the whole run is ahead (scaled down after)."""
SEND_WINDOW = (8, 21)
"""First and last local hour a newsletter may go out (quiet hours are outside)."""


class ScheduleRequest(BaseModel):
    run_id: str
    cycle: int
    seed: int
    explore_share: float = Field(default=EXPLORE_SHARE, ge=0.0, le=1.0)


class Schedule(BaseModel):
    contacts: int
    with_history: int
    explored: int
    hours: list[int]
    """How many contacts were given each local hour, 0 to 23."""


class Scheduler(Specialist):
    name = "scheduler"

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        self.plan_hours = Tool(
            "plan_send_hours",
            "Each contact's local send hour from human opens, shrunk to the segment.",
            ScheduleRequest,
            Schedule,
            self._plan,
        )
        self.spec = AgentSpec(
            name=self.name,
            purpose="Choose each contact's send hour from when they open as people",
            needs=frozenset({"segments", "send_pattern"}),
            provides=frozenset({"schedule"}),
            tools=(self.plan_hours,),
            per_cycle=True,
        )

    def _plan(self, request: ScheduleRequest, _: ToolContext) -> Schedule:
        store, source = self.newsletter.store, self.newsletter.source
        people = store.rows(
            """SELECT c.contact_id, coalesce(pc.cluster, -1) FROM contacts c
               LEFT JOIN identities i ON i.source = c.source AND i.contact_id = c.contact_id
               LEFT JOIN profile_clusters pc ON pc.profile_id = i.profile_id
               WHERE c.source = ? ORDER BY c.contact_id""",
            [source],
        )
        ids = [str(row[0]) for row in people]
        index = {contact: k for k, contact in enumerate(ids)}
        segment = np.array([int(str(row[1])) for row in people], dtype=np.int64)
        counts = np.zeros((len(ids), 24))
        for contact, hour, n in store.rows(
            """SELECT o.contact_id, hour(timezone(coalesce(c.time_zone, 'UTC'), o.occurred_at)),
                      count(*)
               FROM opens o JOIN contacts c ON c.source = o.source AND c.contact_id = o.contact_id
               WHERE NOT o.is_machine_open AND o.source = ? GROUP BY ALL""",
            [source],
        ):
            counts[index[str(contact)], int(str(hour))] = float(str(n))
        allowed = np.zeros(24, dtype=bool)
        allowed[SEND_WINDOW[0] : SEND_WINDOW[1] + 1] = True
        shrunk = counts.copy()
        for seg in np.unique(segment):
            members = segment == seg
            pattern = counts[members].sum(axis=0) + 1.0  # +1: no hour is impossible
            shrunk[members] += PRIOR_STRENGTH * pattern / pattern.sum()
        shrunk[:, ~allowed] = -1.0
        hours = shrunk.argmax(axis=1).astype(np.float64)
        rng = np.random.default_rng(request.seed)
        explore = np.array(
            [
                bucket_of(c, f"{request.run_id}-explore-{request.cycle}") < request.explore_share
                for c in ids
            ],
            dtype=bool,
        )
        hours[explore] = rng.integers(SEND_WINDOW[0], SEND_WINDOW[1] + 1, int(explore.sum()))
        table = pa.table(
            {
                "run_id": pa.array([request.run_id] * len(ids), pa.string()),
                "cycle": pa.array([request.cycle] * len(ids), pa.int32()),
                "contact_id": pa.array(ids, pa.string()),
                "local_hour": pa.array(hours, pa.float64()),
                "explore": pa.array(explore, pa.bool_()),
            }
        )
        store.connection.register("_nl_schedule", table)
        try:
            with store.transaction():
                store.execute(
                    "DELETE FROM nl_schedule WHERE run_id = ? AND cycle = ?",
                    [request.run_id, request.cycle],
                )
                store.execute("INSERT INTO nl_schedule SELECT * FROM _nl_schedule")
        finally:
            store.connection.unregister("_nl_schedule")
        histogram = np.bincount(hours.astype(np.int64), minlength=24)
        return Schedule(
            contacts=len(ids),
            with_history=int((counts.sum(axis=1) > 0).sum()),
            explored=int(explore.sum()),
            hours=[int(v) for v in histogram],
        )

    def act(self, brief: Brief) -> AgentResult:
        self.newsletter.ensure_tables()
        schedule = self.use(
            self.plan_hours,
            ScheduleRequest(
                run_id=brief.run_id,
                cycle=brief.cycle,
                seed=self.env.seed + brief.cycle,
                explore_share=EXPLORE_SHARE * exploration_weight(brief.cycle, brief.cycles_left),
            ),
            brief,
        )
        top = sorted(range(24), key=lambda h: -schedule.hours[h])[:3]
        value = {"cycle": brief.cycle, **schedule.model_dump()}
        return AgentResult(
            output=value,
            facts=(Fact(key="schedule", value=value, source="plan_send_hours"),),
            text=(
                f"{schedule.contacts} contacts scheduled, {schedule.with_history} from their own "
                f"human opens, {schedule.explored} at a random hour to keep learning; most "
                f"common local hours: {', '.join(f'{h}:00' for h in top)}."
            ),
        )
