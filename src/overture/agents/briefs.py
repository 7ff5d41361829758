"""Briefs: the conductor hands an agent only the facts it declared it needs.

For comparison with broadcast-style orchestration, a brief can instead carry every fact in the
ledger plus the conductor's wider memory (``memory``); see :mod:`overture.conductor.context`.
"""

from __future__ import annotations

from datetime import datetime

from overture.agents.base import AgentSpec, Brief
from overture.records import Fact, TaskLedger

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
    cycles_left: int | None = None,
    memory: tuple[Fact, ...] | None = None,
) -> tuple[Brief, int]:
    """The brief for ``spec`` and how many known facts were withheld from it.

    With ``memory``, nothing is withheld: the brief carries every fact in the ledger, then
    ``memory``."""
    if memory is not None:
        facts = (*ledger.facts, *memory)
    else:
        visible = spec.needs | spec.wants
        facts = tuple(fact for fact in ledger.facts if fact.key in visible)
    brief = Brief(
        run_id=run_id,
        step=step,
        objective=objective,
        instruction=instruction,
        facts=facts,
        cycle=cycle,
        cycles_left=cycles_left,
        now=now,
    )
    withheld = 0 if memory is not None else len(ledger.facts) - len(facts)
    return brief, withheld
