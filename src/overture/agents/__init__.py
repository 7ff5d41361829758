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
    ReviewerFactory,
)
from overture.agents.review import ActionReviewer, ApprovalAnswer, Review, ReviewVerdict

__all__ = [
    "ENTRY_POINT_GROUP",
    "MAX_TOOLS",
    "Action",
    "ActionReviewer",
    "Agent",
    "AgentFactory",
    "AgentResult",
    "AgentSpec",
    "ApprovalAnswer",
    "Brief",
    "Environment",
    "EnvironmentFactory",
    "Measure",
    "ModelFactory",
    "Registry",
    "Review",
    "ReviewVerdict",
    "ReviewerFactory",
    "Tool",
    "ToolContext",
    "ToolHandle",
    "build_brief",
]
