"""Models: the decider every decision goes through, the offline policy, model resolution,
real providers (retried, chained, capped by budget), and record/replay of their exchanges."""

from overture.models._loop import close_loops
from overture.models.asking import DATA_NOTICE, MODEL_RESOURCE, RunModel, ask_typed
from overture.models.decider import (
    MODEL_ENV_VAR,
    Decider,
    DecisionError,
    resolve_model,
    resolve_model_name,
)
from overture.models.decisions import AgentCard, DecisionInput, NextStep, Plan, Question
from overture.models.offline import OFFLINE_MODEL_NAME, offline_model
from overture.models.providers import PROVIDERS, ProviderModel, build_model, limit_tokens
from overture.models.recording import (
    Exchange,
    RecordingModel,
    ReplayModel,
    recorded,
    take_exchanges,
)
from overture.models.retries import RetryingModel, RetryPolicy
from overture.models.tokens import TokenCountingModel, count_tokens, scripted_model

__all__ = [
    "DATA_NOTICE",
    "MODEL_ENV_VAR",
    "MODEL_RESOURCE",
    "OFFLINE_MODEL_NAME",
    "PROVIDERS",
    "AgentCard",
    "Decider",
    "DecisionError",
    "DecisionInput",
    "Exchange",
    "NextStep",
    "Plan",
    "ProviderModel",
    "Question",
    "RecordingModel",
    "ReplayModel",
    "RetryPolicy",
    "RetryingModel",
    "RunModel",
    "TokenCountingModel",
    "ask_typed",
    "build_model",
    "close_loops",
    "count_tokens",
    "limit_tokens",
    "offline_model",
    "recorded",
    "resolve_model",
    "resolve_model_name",
    "scripted_model",
    "take_exchanges",
]
