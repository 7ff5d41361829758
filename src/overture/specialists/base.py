"""What every newsletter specialist shares: its environment, its tools and the evidence trail.

Each tool call goes through :meth:`Specialist.use`, which records the call's input and output as
:class:`~overture.records.Evidence`, so every number an agent reports can be traced to the tool
output it came from.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

from overture.agents import AgentResult, AgentSpec, Brief, Environment, Tool, ToolContext
from overture.ids import RunId, StepId
from overture.records import Evidence
from overture.specialists.context import NewsletterContext, newsletter_context

__all__ = ["Specialist", "exploration_weight"]

_In = TypeVar("_In", bound=BaseModel)
_Out = TypeVar("_Out", bound=BaseModel)


class Specialist:
    """Base of the newsletter specialists: subclasses set ``spec`` and implement ``act``."""

    name: str
    """The name the agent is registered and known by."""
    spec: AgentSpec

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.newsletter: NewsletterContext = newsletter_context(env)
        self._evidence: list[Evidence] = []

    def run(self, brief: Brief) -> AgentResult:
        self._evidence = []
        result = self.act(brief)
        return result.model_copy(update={"evidence": (*result.evidence, *self._evidence)})

    def act(self, brief: Brief) -> AgentResult:
        raise NotImplementedError

    def use(self, tool: Tool[_In, _Out], value: _In, brief: Brief) -> _Out:
        """Call one of this agent's pure tools and keep the call as evidence."""
        context = ToolContext(run_id=RunId(brief.run_id), step=StepId(brief.step), now=brief.now)
        output = tool(value, context)
        self._evidence.append(
            Evidence(
                tool=tool.name,
                input=value.model_dump(mode="json"),
                output=output.model_dump(mode="json"),
            )
        )
        return output


def exploration_weight(cycle: int, cycles_left: int | None) -> float:
    """How much this cycle's choices should serve learning: the share of the run's sends
    still to come after it. Plain Thompson sampling is tuned for an endless run; within a budget
    of sends, what a send teaches is worth less the fewer sends are left to use it, and nothing
    at the last one."""
    if cycles_left is None:
        return 1.0
    return cycles_left / (cycle + cycles_left) if cycle + cycles_left else 0.0
