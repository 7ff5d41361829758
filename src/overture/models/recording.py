"""Record and replay: what a model was asked and what it answered, kept so a run can be re-derived.

A provider's answers are not reproducible (sampling, model updates, outages), so every exchange
with one is stored in the run's event log. Replay then answers each request from the log instead
of the provider, and reports a request that is not the one recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, JsonValue
from pydantic_ai.messages import ModelMessage, ModelMessagesTypeAdapter, ModelResponse
from pydantic_ai.models import Model, ModelRequestParameters
from pydantic_ai.models.wrapper import WrapperModel
from pydantic_ai.settings import ModelSettings

from overture.exceptions import ReplayDivergence
from overture.models.asking import DecisionError
from overture.models.offline import OFFLINE_MODEL_NAME
from overture.records import Usage

__all__ = [
    "Exchange",
    "RecordingModel",
    "ReplayModel",
    "dump_messages",
    "load_response",
    "recorded",
    "take_exchanges",
]

# Timestamps say when a message was built, not what was asked: leaving them out makes a request
# recorded in a run and the same request re-built on replay compare equal.
_VOLATILE = frozenset({"timestamp"})
_FAILED = "failed"


class Exchange(BaseModel):
    """One request to a model and its response, as pydantic-ai serializes them."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    model: str
    """The model asked (``provider:name``)."""
    request: JsonValue
    """The messages sent, oldest first, without their timestamps."""
    response: JsonValue
    """The model's response, or ``{"failed": reason}`` when the request failed."""


def _without_volatile(value: JsonValue) -> JsonValue:
    if isinstance(value, list):
        return [_without_volatile(item) for item in value]
    if isinstance(value, dict):
        return {k: _without_volatile(v) for k, v in value.items() if k not in _VOLATILE}
    return value


def dump_messages(messages: Sequence[ModelMessage]) -> JsonValue:
    """``messages`` as JSON, without timestamps (the form requests are recorded and compared in)."""
    dumped: JsonValue = ModelMessagesTypeAdapter.dump_python(list(messages), mode="json")
    return _without_volatile(dumped)


def load_response(response: JsonValue) -> ModelResponse:
    """The :class:`ModelResponse` a recorded exchange holds."""
    (message,) = ModelMessagesTypeAdapter.validate_python([response])
    if not isinstance(message, ModelResponse):
        raise ValueError(f"a recorded response is a '{message.kind}' message, not a response")
    return message


class RecordingModel(WrapperModel):
    """Passes every request to the wrapped model and keeps the exchange."""

    def __init__(self, wrapped: Model, name: str | None = None) -> None:
        super().__init__(wrapped)
        self.name = name or f"{wrapped.system}:{wrapped.model_name}"
        self.exchanges: list[Exchange] = []

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        # Serialized before the call: the caller may append to ``messages`` afterwards.
        sent = dump_messages(messages)
        try:
            response = await self.wrapped.request(
                messages, model_settings, model_request_parameters
            )
        except Exception as error:
            # A failure is part of what happened: replay must fail (and fall back) the same way.
            self.exchanges.append(
                Exchange(model=self.name, request=sent, response={_FAILED: str(error)})
            )
            raise
        self.exchanges.append(
            Exchange(
                model=self.name,
                request=sent,
                response=ModelMessagesTypeAdapter.dump_python([response], mode="json")[0],
            )
        )
        return response

    def take(self) -> tuple[Exchange, ...]:
        """The exchanges recorded since the last call, oldest first; forgets them."""
        taken, self.exchanges = tuple(self.exchanges), []
        return taken


class ReplayModel(Model):
    """Answers each request with the next recorded response, never calling a provider.

    Raises :class:`ReplayDivergence` when asked more than was recorded, or when a request is not
    the one recorded at that point (the prompt, the input or an earlier answer changed).
    """

    # The recorded responses were already post-processed when the provider's model produced them.
    _answers_requests_itself: ClassVar[bool] = False

    def __init__(self, exchanges: Sequence[Exchange], name: str = "replay", strict: bool = True):
        super().__init__()
        self.recorded = tuple(exchanges)
        self.used = 0
        """How many recorded exchanges have been replayed."""
        self.strict = strict
        self._name = name

    @property
    def model_name(self) -> str:
        return self._name

    @property
    def system(self) -> str:
        return "replay"

    @property
    def remaining(self) -> int:
        """Recorded exchanges not yet replayed."""
        return len(self.recorded) - self.used

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        if self.used >= len(self.recorded):
            raise ReplayDivergence(
                f"model '{self._name}' was asked {self.used + 1} time(s) "
                f"but only {len(self.recorded)} exchange(s) were recorded"
            )
        exchange = self.recorded[self.used]
        self.used += 1
        if self.strict and dump_messages(messages) != exchange.request:
            raise ReplayDivergence(
                f"request {self.used} to model '{self._name}' differs from the recorded one"
            )
        if isinstance(exchange.response, dict) and _FAILED in exchange.response:
            raise DecisionError(str(exchange.response[_FAILED]), Usage(cost_usd=None))
        return load_response(exchange.response)


def take_exchanges(model: Model) -> tuple[Exchange, ...]:
    """The exchanges ``model`` recorded since last asked (none when it does not record)."""
    return model.take() if isinstance(model, RecordingModel) else ()


def recorded(model: Model, name: str) -> Model:
    """``model`` recording its exchanges, unless it is the offline model: that one is
    deterministic and simply asked again on replay, so recording it would only cost time."""
    return model if name == OFFLINE_MODEL_NAME else RecordingModel(model, name)
