"""Agent and tool contracts, briefs and the registry."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import BaseModel

from overture.agents import (
    MAX_TOOLS,
    AgentSpec,
    Brief,
    Environment,
    Registry,
    Tool,
    ToolContext,
    build_brief,
)
from overture.clock import VirtualClock
from overture.exceptions import RegistryError
from overture.ids import IdempotencyKey, RunId, StepId
from overture.records import Fact, TaskLedger

NOW = datetime(2026, 1, 5, tzinfo=UTC)


class In(BaseModel):
    n: int


class Out(BaseModel):
    doubled: int


def double(value: In, context: ToolContext) -> Out:
    return Out(doubled=value.n * 2)


def tool(name: str = "double", side_effect: bool = False) -> Tool[In, Out]:
    return Tool(name, "Double a number.", In, Out, double, side_effect=side_effect)


def context(key: str | None = None) -> ToolContext:
    return ToolContext(
        run_id=RunId("run-1"), step=StepId(1), now=NOW, key=IdempotencyKey(key) if key else None
    )


def test_a_tool_is_typed_both_ways() -> None:
    assert tool()(In(n=2), context()) == Out(doubled=4)
    assert tool().call_json({"n": 3}, context()) == {"doubled": 6}


def test_a_side_effecting_tool_needs_an_idempotency_key() -> None:
    with pytest.raises(RegistryError, match="without an idempotency key"):
        tool(side_effect=True)(In(n=1), context())
    assert tool(side_effect=True)(In(n=1), context("k")).doubled == 2


def test_five_tools_at_most_enforced_when_declared() -> None:
    tools = tuple(tool(f"t{i}") for i in range(MAX_TOOLS))
    assert len(AgentSpec("ok", "fine", tools=tools).tools) == MAX_TOOLS
    with pytest.raises(RegistryError, match="at most 5"):
        AgentSpec("greedy", "too much", tools=(*tools, tool("t5")))
    with pytest.raises(RegistryError, match="twice"):
        AgentSpec("twin", "twice", tools=(tool("a"), tool("a")))
    spec = AgentSpec("ok", "fine", tools=tools)
    assert spec.tool("t2").name == "t2"
    with pytest.raises(RegistryError, match="no tool 'zz'"):
        spec.tool("zz")


def test_a_brief_holds_only_declared_facts() -> None:
    ledger = TaskLedger(
        facts=(
            Fact(key="baseline", value=0.2, source="analyst"),
            Fact(key="segments", value=["a"], source="segmenter"),
            Fact(key="secret", value="x", source="crm"),
        )
    )
    spec = AgentSpec("writer", "Write", needs=frozenset({"segments"}))
    brief, withheld = build_brief(
        spec, run_id="r", step=3, objective="o", instruction="go", ledger=ledger, cycle=1, now=NOW
    )
    assert [f.key for f in brief.facts] == ["segments"]
    assert withheld == 2
    assert brief.fact("segments") == ["a"]
    assert brief.has("segments") and not brief.has("secret")
    with pytest.raises(KeyError, match="declare it"):
        brief.fact("secret")
    assert brief.size == len(brief.model_dump_json().encode())
    assert isinstance(brief, Brief)


def test_environment_resources_are_checked(tmp_path: Path) -> None:
    env = Environment(clock=VirtualClock(NOW), workspace=tmp_path, resources={"n": 3})
    assert env.resource("n", int) == 3
    with pytest.raises(RegistryError, match="no resource 'store'"):
        env.resource("store", str)


def test_registry_names_are_unique_and_missing_ones_say_what_exists(tmp_path: Path) -> None:
    registry = Registry()
    registry.add_measure("m", lambda objective, env, ledger: None)  # type: ignore[arg-type, return-value]
    with pytest.raises(RegistryError, match="registered twice"):
        registry.add_measure("m", lambda objective, env, ledger: None)  # type: ignore[arg-type, return-value]
    with pytest.raises(RegistryError, match="known measures: m"):
        registry.measure("other")
    with pytest.raises(RegistryError, match="no environment named 'sim'"):
        registry.environment("sim")
    with pytest.raises(RegistryError, match="no model provider"):
        registry.model("acme")
    with pytest.raises(RegistryError, match="no reviewer"):
        registry.reviewer("policy")


def test_an_agent_must_call_itself_what_it_was_registered_as(tmp_path: Path) -> None:
    class Named:
        spec = AgentSpec("real-name", "x")

        def run(self, brief: Brief) -> object:
            raise NotImplementedError

    registry = Registry()
    registry.add_agent("alias", lambda env: Named())  # type: ignore[arg-type, return-value]
    env = Environment(clock=VirtualClock(NOW), workspace=tmp_path)
    with pytest.raises(RegistryError, match="calls itself 'real-name'"):
        registry.build_agents(["alias"], env)


def test_plugins_load_from_entry_points_and_by_name() -> None:
    registry = Registry.load()  # the built-in plugin registers through its entry point
    assert isinstance(registry, Registry)
    with pytest.raises(RegistryError, match="cannot import plugin module"):
        Registry.load(["no_such_module_here:register"])
    with pytest.raises(RegistryError, match="has no 'nothing'"):
        Registry.load(["overture.builtin:nothing"])
    with pytest.raises(RegistryError, match="is not a function"):
        Registry().install(42, "plugin 'x'")
