"""A run's configuration: everything needed to build the run again on recovery, by name."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from overture.conductor.context import ContextMode
from overture.objective import Objective

__all__ = ["RunConfig"]


class RunConfig(BaseModel):
    """Stored with the run; a recovered run is rebuilt from it exactly."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    objective: Objective
    model: str = "offline"
    """``offline`` or ``provider:name``."""
    environment: str = "sim"
    """The registered environment (clock, channel, data) the run acts in."""
    measure: str = ""
    """The registered measure that judges the objective; empty means the one named after the
    objective's metric (e.g. ``human_open_rate``)."""
    agents: tuple[str, ...] = ()
    """Agents the conductor may dispatch; empty means every registered agent."""
    reviewers: tuple[str, ...] | None = None
    """Reviewers of proposed actions; None means every registered reviewer (governance)."""
    plugins: tuple[str, ...] = ()
    """Extra ``module:function`` plugins to register before building the run."""
    seed: int = 0
    workspace: str = ".overture"
    settings: dict[str, str] = Field(default_factory=dict[str, str])
    max_repeats: int = Field(default=3, ge=2)
    """The same agent with the same instruction this many times in a row is a loop."""
    flat_steps: int = Field(default=12, ge=2)
    """This many steps with no change in the objective's estimate is a stall."""
    context: ContextMode = ContextMode.SCOPED
    """What each agent's brief carries: ``scoped`` (only the facts its spec declares) or
    ``full`` (the conductor's whole memory, to measure what scoping saves)."""
