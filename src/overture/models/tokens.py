"""Token counting: one deterministic tokenizer, and a model wrapper that counts what it is sent.

Real tokenizers need their vocabularies, which some libraries fetch at run time; Overture must
run offline, so it counts with the rule pydantic-ai's own test models use to estimate usage: a
text's tokens are its pieces once split on whitespace and the characters ``" , . :``. It counts
words and numbers about as a provider's tokenizer does and JSON punctuation less, so it reads
low against a provider's bill (roughly half on JSON-heavy prompts); being the same rule for every
prompt, it compares prompts fairly.

:class:`TokenCountingModel` wraps any pydantic-ai model and sets each response's usage to the
count of exactly what the request carried: every message part, and every tool definition (name,
description and JSON schema), which providers bill as input too; pydantic-ai's estimate leaves
tool definitions out and adds a fixed 50.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from pydantic_ai.messages import (
    ModelMessage,
    ModelResponse,
    ModelResponsePart,
    SystemPromptPart,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models import Model, ModelRequestParameters
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.models.wrapper import WrapperModel
from pydantic_ai.settings import ModelSettings
from pydantic_ai.tools import ToolDefinition
from pydantic_ai.usage import RequestUsage

__all__ = [
    "TOKENIZER",
    "TokenCountingModel",
    "count_tokens",
    "request_tokens",
    "response_tokens",
    "scripted_model",
]

TOKENIZER = "pieces split on whitespace and \" , . : (pydantic-ai's estimate rule)"
"""How tokens are counted, as reports name it."""

_SPLIT = re.compile(r'[\s",.:]+')


def count_tokens(text: str) -> int:
    """Tokens in ``text``: its pieces between whitespace and ``" , . :``; none in blank text."""
    stripped = text.strip()
    return len([piece for piece in _SPLIT.split(stripped) if piece]) if stripped else 0


def _tool_tokens(tool: ToolDefinition) -> int:
    described = {
        "name": tool.name,
        "description": tool.description or "",
        "parameters": tool.parameters_json_schema,
    }
    return count_tokens(json.dumps(described, ensure_ascii=False))


def _response_part_tokens(part: ModelResponsePart) -> int:
    if isinstance(part, TextPart):
        return count_tokens(part.content)
    if isinstance(part, ToolCallPart):
        return count_tokens(part.tool_name) + count_tokens(part.args_as_json_str())
    return 0


def _user_text(content: str | Sequence[object]) -> str:
    if isinstance(content, str):
        return content
    return " ".join(item for item in content if isinstance(item, str))


def request_tokens(messages: Sequence[ModelMessage], params: ModelRequestParameters) -> int:
    """Input tokens of one request: its messages (earlier answers included) and tool definitions."""
    tokens = sum(_tool_tokens(t) for t in (*params.function_tools, *params.output_tools))
    for message in messages:
        if isinstance(message, ModelResponse):
            tokens += sum(_response_part_tokens(part) for part in message.parts)
            continue
        tokens += count_tokens(message.instructions or "")
        for part in message.parts:
            if isinstance(part, SystemPromptPart):
                tokens += count_tokens(part.content)
            elif isinstance(part, UserPromptPart):
                tokens += count_tokens(_user_text(part.content))
            elif isinstance(part, ToolReturnPart):
                tokens += count_tokens(part.model_response_str())
    return tokens


def response_tokens(response: ModelResponse) -> int:
    """Output tokens of one answer: its text and its tool calls (name and arguments)."""
    return sum(_response_part_tokens(part) for part in response.parts)


class TokenCountingModel(WrapperModel):
    """``wrapped``, with each response's usage counted by :func:`count_tokens`.

    ``requests`` and the two token totals add up every request made through this instance.
    """

    def __init__(self, wrapped: Model) -> None:
        super().__init__(wrapped)
        self.requests = 0
        self.input_tokens = 0
        self.output_tokens = 0

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        response = await self.wrapped.request(messages, model_settings, model_request_parameters)
        usage = RequestUsage(
            input_tokens=request_tokens(messages, model_request_parameters),
            output_tokens=response_tokens(response),
        )
        self.requests += 1
        self.input_tokens += usage.input_tokens
        self.output_tokens += usage.output_tokens
        return replace(response, usage=usage)


def scripted_model(answer: Callable[[list[ModelMessage]], ModelResponse]) -> TokenCountingModel:
    """A counting model whose answers come from ``answer`` (a script: no provider, no network)."""

    async def respond(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        return answer(messages)

    return TokenCountingModel(FunctionModel(respond, model_name="scripted"))
