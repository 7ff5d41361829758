"""Stall and loop detection: code, not the model's opinion, decides when to replan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Turn", "detect_stall"]


@dataclass(frozen=True)
class Turn:
    """What stall detection looks at for one dispatched step."""

    agent: str
    instruction: str
    estimate: float | None
    provided: bool
    """Whether the agent produced any fact or action."""


def detect_stall(turns: Sequence[Turn], *, max_repeats: int, flat_steps: int) -> str | None:
    """A reason to replan, or None.

    A loop is the same agent with the same instruction ``max_repeats`` times in a row. A stall is
    ``flat_steps`` steps in which the objective's estimate did not move.
    """
    if len(turns) >= max_repeats:
        last = turns[-max_repeats:]
        first = last[0]
        if all(t.agent == first.agent and t.instruction == first.instruction for t in last):
            return (
                f"loop: {first.agent} was given the same instruction {max_repeats} times in a row"
            )
    if len(turns) >= flat_steps:
        window = turns[-flat_steps:]
        estimates = {t.estimate for t in window}
        if len(estimates) == 1 and not any(t.provided for t in window):
            return f"stall: the objective's estimate did not move in {flat_steps} steps"
    return None
