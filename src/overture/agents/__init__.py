"""Agents and tools: the contract every specialist meets, the registry, and brief building."""

from overture.agents.base import (
    MAX_TOOLS,
    Action,
    Agent,
    AgentResult,
    AgentSpec,
    Brief,
    Environment,
    Tool,
    ToolContext,
    ToolHandle,
)
from overture.agents.briefs import build_brief
from overture.agents.registry import (
    ENTRY_POINT_GROUP,
    AgentFactory,
    EnvironmentFactory,
    Measure,
    ModelFactory,
    Registry,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "MAX_TOOLS",
    "Action",
    "Agent",
    "AgentFactory",
    "AgentResult",
    "AgentSpec",
    "Brief",
    "Environment",
    "EnvironmentFactory",
    "Measure",
    "ModelFactory",
    "Registry",
    "Tool",
    "ToolContext",
    "ToolHandle",
    "build_brief",
]
