"""What an agent and a tool are: the contract every specialist, built-in or third-party, meets.

An agent is stateless: it gets a :class:`Brief` (only what it declared it needs) and returns an
:class:`AgentResult`. It may call its pure tools freely; a side-effecting tool is never called by
the agent itself: the agent proposes an :class:`Action`, and the conductor executes it through the
outbox, so a retried step never repeats a send.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Generic, Protocol, TypeVar, runtime_checkable

from pydantic import AwareDatetime, BaseModel, ConfigDict, JsonValue

from overture.channels import Channel
from overture.clock import Clock
from overture.exceptions import RegistryError
from overture.ids import IdempotencyKey, RunId, StepId
from overture.records import Evidence, Fact, Usage

__all__ = [
    "MAX_TOOLS",
    "Action",
    "Agent",
    "AgentResult",
    "AgentSpec",
    "Brief",
    "Environment",
    "Tool",
    "ToolContext",
    "ToolHandle",
]

MAX_TOOLS = 5
"""An agent has at most five tools: few enough to choose among reliably, and to audit."""

_FROZEN = ConfigDict(frozen=True, extra="forbid")
InT = TypeVar("InT", bound=BaseModel)
OutT = TypeVar("OutT", bound=BaseModel)
_T = TypeVar("_T")


@dataclass(frozen=True)
class ToolContext:
    """Where a tool call happens. ``key`` is set for side-effecting calls only."""

    run_id: RunId
    step: StepId
    now: datetime
    key: IdempotencyKey | None = None


@dataclass(frozen=True)
class Tool(Generic[InT, OutT]):
    """A typed, deterministic function an agent may use.

    A side-effecting tool receives an idempotency key in its context and must honour it: the
    same key twice does the effect once.
    """

    name: str
    description: str
    input_model: type[InT]
    output_model: type[OutT]
    function: Callable[[InT, ToolContext], OutT]
    side_effect: bool = False

    def __call__(self, value: InT, context: ToolContext) -> OutT:
        if self.side_effect and context.key is None:
            raise RegistryError(
                f"tool '{self.name}' has side effects and was called without an idempotency key",
                "propose it as an Action and let the conductor execute it through the outbox",
            )
        return self.output_model.model_validate(self.function(value, context))

    def call_json(self, payload: JsonValue, context: ToolContext) -> JsonValue:
        """Validate a JSON input, call the tool, return JSON output (the outbox's view)."""
        result = self(self.input_model.model_validate(payload), context)
        return result.model_dump(mode="json")


class Brief(BaseModel):
    """What the conductor hands one agent for one step: the instruction and only what it needs."""

    model_config = _FROZEN
    run_id: str
    step: int
    objective: str
    """The objective in one sentence."""
    instruction: str
    facts: tuple[Fact, ...] = ()
    cycle: int = 0
    cycles_left: int | None = None
    """Cycles the budget allows after this one (0: this is the last); None without a limit."""
    now: AwareDatetime

    def fact(self, key: str) -> JsonValue:
        """The value of the fact ``key``; a KeyError names what the agent forgot to declare."""
        for fact in self.facts:
            if fact.key == key:
                return fact.value
        raise KeyError(f"fact '{key}' is not in this brief (declare it in the agent's needs)")

    def has(self, key: str) -> bool:
        return any(fact.key == key for fact in self.facts)

    @property
    def size(self) -> int:
        """Size in bytes of the brief as sent (its JSON), recorded for every dispatch."""
        return len(self.model_dump_json().encode())


class Action(BaseModel):
    """A side-effecting tool call proposed by an agent, executed by the conductor."""

    model_config = _FROZEN
    tool: str
    input: JsonValue


class AgentResult(BaseModel):
    """A typed output, the evidence it rests on, any free text, model usage and proposed actions."""

    model_config = _FROZEN
    output: JsonValue = None
    facts: tuple[Fact, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    text: str = ""
    usage: Usage = Usage()
    actions: tuple[Action, ...] = ()
    wait_until: AwareDatetime | None = None
    """Ask the conductor to wait (e.g. for results to mature) before the next step."""


@dataclass(frozen=True)
class AgentSpec:
    """What the conductor chooses by and what the brief builder reads."""

    name: str
    purpose: str
    needs: frozenset[str] = frozenset()
    """Fact keys this agent may see. Anything else is withheld from its brief."""
    provides: frozenset[str] = frozenset()
    """Fact keys this agent produces when it succeeds."""
    wants: frozenset[str] = frozenset()
    """Fact keys the agent may see when they are known, but can act without (its own past
    results, say). Planning waits only for ``needs``."""
    tools: tuple[ToolHandle, ...] = ()
    per_cycle: bool = False
    """Whether the agent acts again in every measurement cycle (a send) or once per run."""

    def __post_init__(self) -> None:
        if len(self.tools) > MAX_TOOLS:
            raise RegistryError(
                f"agent '{self.name}' declares {len(self.tools)} tools; at most {MAX_TOOLS}",
                "split the agent in two, or merge tools that always run together",
            )
        names = [tool.name for tool in self.tools]
        if len(set(names)) != len(names):
            raise RegistryError(f"agent '{self.name}' declares a tool name twice: {names}")

    def tool(self, name: str) -> ToolHandle:
        for tool in self.tools:
            if tool.name == name:
                return tool
        raise RegistryError(
            f"agent '{self.name}' has no tool '{name}'",
            f"its tools are: {', '.join(t.name for t in self.tools) or 'none'}",
        )


class ToolHandle(Protocol):
    """Any tool, whatever its input and output types: what agents list and the outbox calls."""

    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def side_effect(self) -> bool: ...
    @property
    def input_model(self) -> type[BaseModel]: ...
    @property
    def output_model(self) -> type[BaseModel]: ...
    def call_json(self, payload: JsonValue, context: ToolContext) -> JsonValue: ...


@runtime_checkable
class Agent(Protocol):
    """A specialist. Stateless: everything it knows comes in its brief."""

    spec: AgentSpec

    def run(self, brief: Brief) -> AgentResult: ...


@dataclass(frozen=True)
class Environment:
    """The world one run acts in: its clock, its channel and whatever the agents' tools read.

    Built by an environment factory from the registry (``sim`` for the simulator, a live one for
    a real email service), the same way on a first start and on recovery.
    """

    clock: Clock
    workspace: Path
    seed: int = 0
    channel: Channel | None = None
    settings: Mapping[str, str] = field(default_factory=dict[str, str])
    resources: Mapping[str, object] = field(default_factory=dict[str, object])
    """Shared objects the environment's factory put here (a customer store, a simulator)."""
    known_values: Callable[[], Mapping[str, Sequence[str]]] | None = None
    """The customer store's personal values by field (``first_name``, ``last_name``, ``phone``,
    ``address_1``, ...), read when first needed: the decider masks them in everything a model
    is shown. None when the environment holds no customer data."""

    def close(self) -> None:
        """Release what the resources hold (a database connection): each one's ``close()``."""
        for value in self.resources.values():
            close = getattr(value, "close", None)
            if callable(close):
                close()

    def resource(self, name: str, kind: type[_T]) -> _T:
        """The resource ``name``, checked to be a ``kind``."""
        value = self.resources.get(name)
        if not isinstance(value, kind):
            raise RegistryError(
                f"this environment has no resource '{name}' of type {kind.__name__}",
                "choose an environment that provides it (overture run --env ...)",
            )
        return value
