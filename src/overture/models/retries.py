"""Retries with backoff: a provider that is rate limited or briefly down is asked again.

One wrapper for every provider, around the model rather than its HTTP client: pydantic-ai sorts
each provider's errors into the same categories and reads the wait the provider asked for
(``Retry-After``, ``retry-after-ms``, Gemini's ``RetryInfo``) into ``retry_after``, so the
policy is written once. The provider SDKs' own retries are switched off where they are built
(see :mod:`overture.models.providers`) so that attempts are not multiplied.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pydantic_ai.exceptions import (
    ModelAPIError,
    ModelConnectionError,
    ModelRateLimitError,
    ModelServerError,
    ModelUnavailableError,
)
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models import Model, ModelRequestParameters
from pydantic_ai.models.wrapper import WrapperModel
from pydantic_ai.settings import ModelSettings

__all__ = ["RetryPolicy", "RetryingModel", "retry_delay"]

_TRANSIENT = (ModelRateLimitError, ModelUnavailableError, ModelServerError, ModelConnectionError)
"""Worth another attempt: 429, 5xx and dropped connections. A rejected request (400, 401, 404)
or an exhausted quota will fail the same way again."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a transient failure is retried."""

    attempts: int = 4
    """Requests in all, the first included."""
    base_delay: float = 1.0
    """Seconds before the first retry when the provider does not say; doubled each time."""
    max_delay: float = 60.0
    """No wait is longer, whatever the provider asks: a run should rather fall back."""


def retry_delay(error: ModelAPIError, attempt: int, policy: RetryPolicy) -> float | None:
    """Seconds to wait before attempt ``attempt + 1`` after ``error``; None when not to retry."""
    if not isinstance(error, _TRANSIENT) or attempt >= policy.attempts:
        return None
    asked = error.retry_after
    wait = asked if asked is not None else policy.base_delay * 2 ** (attempt - 1)
    return min(max(wait, 0.0), policy.max_delay)


class RetryingModel(WrapperModel):
    """Asks the wrapped model again after a transient failure, waiting as :func:`retry_delay`
    says."""

    def __init__(
        self,
        wrapped: Model,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(wrapped)
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.waits: list[float] = []
        """Every wait so far, in seconds (what a run's log or a test can show)."""

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        attempt = 1
        while True:
            try:
                return await self.wrapped.request(
                    messages, model_settings, model_request_parameters
                )
            except ModelAPIError as error:
                wait = retry_delay(error, attempt, self.policy)
                if wait is None:
                    raise
            self.waits.append(wait)
            await self.sleep(wait)
            attempt += 1
