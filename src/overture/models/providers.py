"""Real model providers: OpenAI, Anthropic, Google Gemini and OpenAI-compatible servers.

Each factory builds a pydantic-ai model from the part of ``provider:name`` after the colon, with
its key and base URL read from the environment. :func:`build_model` turns a ``--model`` value
into the model a run asks: one provider model, or a fallback chain (``a:x,b:y``), each member
retried on rate limits and outages, all of it behind a :class:`ProviderModel`.

| provider            | key (environment)                    | base URL (environment)            |
|---------------------|--------------------------------------|-----------------------------------|
| `openai`            | OPENAI_API_KEY                       | OPENAI_BASE_URL                   |
| `anthropic`         | ANTHROPIC_API_KEY                    | ANTHROPIC_BASE_URL                |
| `google`            | GOOGLE_API_KEY (or GEMINI_API_KEY)   | GOOGLE_GEMINI_BASE_URL            |
| `openai-compatible` | OVERTURE_OPENAI_API_KEY (optional)   | OVERTURE_OPENAI_BASE_URL (needed) |
| `ollama`            | OLLAMA_API_KEY (optional)            | OLLAMA_BASE_URL                   |
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Protocol

from pydantic_ai.exceptions import (
    FallbackExceptionGroup,
    ModelAPIError,
    UnexpectedModelBehavior,
)
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models import Model, ModelRequestParameters
from pydantic_ai.models.fallback import FallbackModel
from pydantic_ai.models.wrapper import WrapperModel
from pydantic_ai.settings import ModelSettings, merge_model_settings

from overture.exceptions import UsageError
from overture.models.asking import DecisionError
from overture.models.retries import RetryingModel, RetryPolicy
from overture.records import Usage

__all__ = [
    "MAX_OUTPUT_TOKENS",
    "PROVIDERS",
    "ProviderModel",
    "anthropic_model",
    "build_model",
    "chain_names",
    "google_model",
    "limit_tokens",
    "ollama_model",
    "openai_compatible_model",
    "openai_model",
    "register_providers",
]

MAX_OUTPUT_TOKENS = 2048
"""Output tokens one answer may use at most: a decision is a short JSON object."""
_OLLAMA_URL = "http://localhost:11434/v1"
# The SDKs' own retries are off: RetryingModel is the one place that retries.
_SDK_SETTINGS = ModelSettings(max_retries=0, max_tokens=MAX_OUTPUT_TOKENS)


def _env(name: str) -> str | None:
    return os.environ.get(name) or None


def _key(*names: str, provider: str, where: str) -> str:
    for name in names:
        value = _env(name)
        if value is not None:
            return value
    raise UsageError(
        f"the '{provider}' model provider needs an API key in ${names[0]}, which is not set",
        f"export {names[0]}=<your key> (from {where}), or use --model offline",
    )


def openai_model(name: str) -> Model:
    """``openai:<model>`` through the chat completions API."""
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    key = _key("OPENAI_API_KEY", provider="openai", where="https://platform.openai.com/api-keys")
    provider = OpenAIProvider(base_url=_env("OPENAI_BASE_URL"), api_key=key)
    return OpenAIChatModel(name, provider=provider, settings=_SDK_SETTINGS)


def anthropic_model(name: str) -> Model:
    """``anthropic:<model>`` through the messages API."""
    from pydantic_ai.models.anthropic import AnthropicModel
    from pydantic_ai.providers.anthropic import AnthropicProvider

    key = _key(
        "ANTHROPIC_API_KEY",
        provider="anthropic",
        where="https://console.anthropic.com/settings/keys",
    )
    provider = AnthropicProvider(api_key=key, base_url=_env("ANTHROPIC_BASE_URL"))
    return AnthropicModel(name, provider=provider, settings=_SDK_SETTINGS)


def google_model(name: str) -> Model:
    """``google:<model>``: Gemini through the Gemini API (google-genai)."""
    from pydantic_ai.models.google import GoogleModel
    from pydantic_ai.providers.google import GoogleProvider

    key = _key(
        "GOOGLE_API_KEY",
        "GEMINI_API_KEY",
        provider="google",
        where="https://aistudio.google.com/apikey",
    )
    provider = GoogleProvider(api_key=key, base_url=_env("GOOGLE_GEMINI_BASE_URL"))
    # google-genai retries nothing unless asked, so only the output cap is set.
    settings = ModelSettings(max_tokens=MAX_OUTPUT_TOKENS)
    return GoogleModel(name, provider=provider, settings=settings)


def openai_compatible_model(name: str) -> Model:
    """``openai-compatible:<model>``: any server speaking OpenAI's chat completions (vLLM,
    llama.cpp, LM Studio, a gateway) at ``$OVERTURE_OPENAI_BASE_URL``."""
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai_compatible import OpenAICompatibleProvider

    base_url = _env("OVERTURE_OPENAI_BASE_URL")
    if base_url is None:
        raise UsageError(
            "the 'openai-compatible' model provider needs the server's URL in "
            "$OVERTURE_OPENAI_BASE_URL, which is not set",
            "export OVERTURE_OPENAI_BASE_URL=http://localhost:8000/v1 (your server's /v1 URL)",
        )
    # Local servers usually want no key, but the client library sends one regardless.
    key = _env("OVERTURE_OPENAI_API_KEY") or "none"
    provider = OpenAICompatibleProvider("openai-compatible", base_url=base_url, api_key=key)
    return OpenAIChatModel(name, provider=provider, settings=_SDK_SETTINGS)


def ollama_model(name: str) -> Model:
    """``ollama:<model>``: an Ollama server, ``$OLLAMA_BASE_URL`` or the local default."""
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.ollama import OllamaProvider

    provider = OllamaProvider(
        base_url=_env("OLLAMA_BASE_URL") or _OLLAMA_URL, api_key=_env("OLLAMA_API_KEY") or "none"
    )
    return OpenAIChatModel(name, provider=provider, settings=_SDK_SETTINGS)


PROVIDERS: Mapping[str, Callable[[str], Model]] = {
    "openai": openai_model,
    "anthropic": anthropic_model,
    "google": google_model,
    "openai-compatible": openai_compatible_model,
    "ollama": ollama_model,
}
"""The built-in providers, registered by Overture's built-in plugin."""


class _ModelRegistry(Protocol):
    """What :func:`register_providers` needs of the plugin registry."""

    def add_model(self, provider: str, factory: Callable[[str], Model]) -> None: ...


def register_providers(registry: _ModelRegistry) -> None:
    """Register every built-in provider (called by Overture's built-in plugin)."""
    for provider, factory in PROVIDERS.items():
        registry.add_model(provider, factory)


def chain_names(spec: str) -> tuple[str, ...]:
    """The model names in a ``--model`` value: ``a:x,b:y`` is a fallback chain of two."""
    return tuple(part.strip() for part in spec.split(",") if part.strip())


class ProviderModel(WrapperModel):
    """A provider's model as a run asks it.

    - No request asks for more output tokens than the run's token budget has left
      (:attr:`tokens_left`, kept up to date by the conductor); with nothing left it is not asked.
    - Its HTTP clients are opened for each request and closed after it, so nothing is left open
      between decisions or when the run's event loop closes.
    - A failure that retries and fallbacks could not get past, or a response the client library
      cannot read, is a :class:`DecisionError`, which the conductor answers with the offline
      policy for that step.
    """

    def __init__(self, wrapped: Model, name: str) -> None:
        super().__init__(wrapped)
        self.name = name
        self.tokens_left: int | None = None
        """What the run's token budget has left; None when there is no budget to respect."""

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        if self.tokens_left is not None:
            if self.tokens_left <= 0:
                raise DecisionError(
                    f"model '{self.name}' was not asked: the run's token budget is used up",
                    Usage(cost_usd=None),
                )
            cap = ModelSettings(max_tokens=min(self.tokens_left, MAX_OUTPUT_TOKENS))
            model_settings = merge_model_settings(model_settings, cap)
        try:
            async with self.wrapped:
                return await self.wrapped.request(
                    messages, model_settings, model_request_parameters
                )
        except (ModelAPIError, UnexpectedModelBehavior, FallbackExceptionGroup) as error:
            raise DecisionError(
                f"model '{self.name}' failed: {_describe(error)}", Usage(cost_usd=None)
            ) from error


def _describe(error: ModelAPIError | UnexpectedModelBehavior | FallbackExceptionGroup) -> str:
    if isinstance(error, FallbackExceptionGroup):
        return "; ".join(str(inner) for inner in error.exceptions)
    return str(error)


def build_model(
    spec: str,
    providers: Mapping[str, Callable[[str], Model]],
    retry: RetryPolicy | None = None,
) -> ProviderModel:
    """The model a run asks for ``spec`` (``provider:name`` or a chain ``a:x,b:y``)."""
    names = chain_names(spec)
    if not names:
        raise UsageError(f"model '{spec}' names no model", "use e.g. --model openai:gpt-4o")
    members = [RetryingModel(_one(name, providers), retry) for name in names]
    model: Model = members[0] if len(members) == 1 else FallbackModel(*members)
    return ProviderModel(model, ",".join(names))


def _one(name: str, providers: Mapping[str, Callable[[str], Model]]) -> Model:
    provider, sep, model_name = name.partition(":")
    if not sep or not model_name:
        raise UsageError(
            f"model '{name}' is not of the form provider:name",
            "use --model offline, or e.g. --model openai:gpt-4o",
        )
    factory = providers.get(provider)
    if factory is None:
        known = ", ".join(sorted(providers)) or "none installed"
        raise UsageError(
            f"no model provider '{provider}'",
            f"known providers: {known}; or use --model offline",
        )
    return factory(model_name)


def limit_tokens(model: Model, left: int) -> None:
    """Tell the :class:`ProviderModel` inside ``model`` (if any) what the token budget has left."""
    while isinstance(model, WrapperModel):
        if isinstance(model, ProviderModel):
            model.tokens_left = left
            return
        model = model.wrapped
