"""Models: the decider every decision goes through, the offline policy, model resolution."""

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

__all__ = [
    "DATA_NOTICE",
    "MODEL_ENV_VAR",
    "MODEL_RESOURCE",
    "OFFLINE_MODEL_NAME",
    "AgentCard",
    "Decider",
    "DecisionError",
    "DecisionInput",
    "NextStep",
    "Plan",
    "Question",
    "RunModel",
    "ask_typed",
    "close_loops",
    "offline_model",
    "resolve_model",
    "resolve_model_name",
]
