"""Token counting: the tokenizer's rule, and a counting model that counts exactly what is sent."""

from __future__ import annotations

import asyncio
import json

from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    SystemPromptPart,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models import ModelRequestParameters
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.tools import ToolDefinition

from overture.models import Decider, DecisionInput, Question, offline_model
from overture.models.decisions import AgentCard
from overture.models.tokens import (
    TokenCountingModel,
    count_tokens,
    request_tokens,
    response_tokens,
    scripted_model,
)


def test_tokens_are_pieces_between_spaces_and_json_punctuation() -> None:
    assert count_tokens("") == 0
    assert count_tokens("   \n") == 0
    assert count_tokens("open rate") == 2
    assert count_tokens('{"rate": 0.25, "n": 100}') == 6  # { rate 0 25 n 100}
    assert count_tokens('a,b.c:d"e f') == 6


@given(st.text(max_size=60), st.text(max_size=60))
def test_counts_add_up_over_text_joined_by_a_space(a: str, b: str) -> None:
    assert count_tokens(f"{a} {b}") == count_tokens(a) + count_tokens(b)


class _Lookup(BaseModel):
    segment: str
    weeks: int


_TOOL = ToolDefinition(
    name="lookup",
    description="Look a segment up.",
    parameters_json_schema=_Lookup.model_json_schema(),
)


def _echo(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    return ModelResponse(parts=[ToolCallPart("answer", {"rate": 0.25}, "c1"), TextPart("done")])


def _request(model: TokenCountingModel, params: ModelRequestParameters) -> ModelResponse:
    messages: list[ModelMessage] = [
        ModelRequest(parts=[SystemPromptPart("You count."), UserPromptPart("open rate please")])
    ]
    return asyncio.run(model.request(messages, None, params))


def test_a_request_is_counted_with_its_tool_definitions() -> None:
    model = TokenCountingModel(FunctionModel(_echo))
    bare = _request(model, ModelRequestParameters())
    with_tool = _request(model, ModelRequestParameters(function_tools=[_TOOL]))
    assert bare.usage.input_tokens == count_tokens("You count.") + count_tokens("open rate please")
    described = {
        "name": "lookup",
        "description": "Look a segment up.",
        "parameters": _Lookup.model_json_schema(),
    }
    schema_tokens = count_tokens(json.dumps(described))
    assert schema_tokens > 10
    assert with_tool.usage.input_tokens == bare.usage.input_tokens + schema_tokens
    # answer + rate 0 25 + done
    assert bare.usage.output_tokens == response_tokens(bare) == 1 + 4 + 1
    assert model.requests == 2
    assert model.input_tokens == bare.usage.input_tokens + with_tool.usage.input_tokens
    assert model.output_tokens == 2 * bare.usage.output_tokens


def test_earlier_answers_and_tool_returns_are_input_when_sent_again() -> None:
    answer = ModelResponse(parts=[ToolCallPart("lookup", {"segment": "new"}, "c1")])
    messages: list[ModelMessage] = [
        ModelRequest(parts=[UserPromptPart("go")], instructions="Be brief."),
        answer,
        ModelRequest(parts=[ToolReturnPart("lookup", "12 contacts", "c1")]),
    ]
    expected = (
        count_tokens("go") + count_tokens("Be brief.") + response_tokens(answer) + 2  # 12 contacts
    )
    assert request_tokens(messages, ModelRequestParameters()) == expected


def test_a_scripted_model_answers_its_script_and_counts_it() -> None:
    reply = ModelResponse(parts=[TextPart("three words here")])
    model = scripted_model(lambda messages: reply)
    response = _request(model, ModelRequestParameters())
    assert response.parts == reply.parts
    assert response.usage.output_tokens == 3


def test_the_decider_reports_the_counting_models_usage() -> None:
    model = TokenCountingModel(offline_model())
    decider = Decider(model, "offline")
    view = DecisionInput(
        question=Question.PLAN,
        objective="Increase the open rate by 20%",
        agents=(AgentCard(name="scout", purpose="Measure", provides=("baseline",)),),
    )
    plan, usage = decider.plan(view)
    assert [step.agent for step in plan.steps] == ["scout"]
    assert usage.requests == 1
    assert (usage.input_tokens, usage.output_tokens) == (model.input_tokens, model.output_tokens)
    # The answer tool's schema is part of what the decider sends.
    assert usage.input_tokens > count_tokens(view.model_dump_json())
