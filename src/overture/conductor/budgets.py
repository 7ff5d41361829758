"""Budgets: what a run has used, and the one check that ends it when a limit is reached."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from overture.exceptions import BudgetExhausted
from overture.objective import Budgets
from overture.records import Usage

__all__ = ["Spent", "check_budgets"]


@dataclass(frozen=True)
class Spent:
    """What a run has used so far."""

    steps: int = 0
    usage: Usage = field(default_factory=Usage)
    unpriced_requests: int = 0
    """Model requests whose cost is unknown: counted in tokens, reported, never called free."""
    sends: int = 0
    wall_seconds: float = 0.0
    replans: int = 0
    cycles: int = 0

    def add_usage(self, usage: Usage) -> Spent:
        priced = usage if usage.cost_usd is not None else usage.model_copy(update={"cost_usd": 0.0})
        unpriced = usage.requests if usage.cost_usd is None else 0
        return replace(
            self,
            usage=self.usage + priced,
            unpriced_requests=self.unpriced_requests + unpriced,
        )


def check_budgets(limits: Budgets, spent: Spent) -> None:
    """Raise :class:`BudgetExhausted` for the first budget used up. The one budget check."""
    checks: tuple[tuple[str, float, float], ...] = (
        ("steps", spent.steps, limits.max_steps),
        ("tokens", spent.usage.total_tokens, limits.max_tokens),
        ("cost_usd", spent.usage.cost_usd or 0.0, limits.max_cost_usd),
        ("sends", spent.sends, limits.max_sends),
        ("wall_seconds", spent.wall_seconds, limits.max_wall_seconds),
        ("replans", spent.replans, limits.max_replans),
        ("cycles", spent.cycles, limits.max_cycles),
    )
    for name, used, limit in checks:
        over = used > limit if name == "replans" else used >= limit
        if over:
            raise BudgetExhausted(name, used, limit)
