"""A model provider for CLI tests: ``script:reader`` reads any sentence as +20% human opens."""

from __future__ import annotations

from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart
from pydantic_ai.models import Model
from pydantic_ai.models.function import AgentInfo, FunctionModel

from overture.agents import Registry

ASKED: list[list[ModelMessage]] = []
"""Every request the scripted reader received, in order."""


def _read(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    ASKED.append(list(messages))
    reading = {
        "metric": "human_open_rate",
        "direction": "increase",
        "target_kind": "relative",
        "target_value": 0.2,
        "audience": "Newsletter",
        "language": "en",
    }
    return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, reading)])


def _reader(name: str) -> Model:
    return FunctionModel(_read, model_name=name)


def register(registry: Registry) -> None:
    registry.add_model("script", _reader)
