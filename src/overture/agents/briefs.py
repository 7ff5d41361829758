"""Briefs: the conductor hands an agent only the facts it declared it needs."""

from __future__ import annotations

from datetime import datetime

from overture.agents.base import AgentSpec, Brief
from overture.records import TaskLedger

__all__ = ["build_brief"]


def build_brief(
    spec: AgentSpec,
    *,
    run_id: str,
    step: int,
    objective: str,
    instruction: str,
    ledger: TaskLedger,
    cycle: int,
    now: datetime,
) -> tuple[Brief, int]:
    """The brief for ``spec`` and how many known facts were withheld from it."""
    visible = spec.needs | spec.wants
    facts = tuple(fact for fact in ledger.facts if fact.key in visible)
    brief = Brief(
        run_id=run_id,
        step=step,
        objective=objective,
        instruction=instruction,
        facts=facts,
        cycle=cycle,
        now=now,
    )
    return brief, len(ledger.facts) - len(facts)
