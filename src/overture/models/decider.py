"""The decider: asks a pydantic-ai model the conductor's two questions and returns typed answers.

Every decision goes through here, whatever the model (the offline policy or a provider), so the
prompt, the output validation and the usage accounting are the same for all of them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pydantic import JsonValue
from pydantic_ai.models import Model

from overture.models.asking import DATA_NOTICE, DecisionError, PromptMask, RunModel
from overture.models.decisions import DecisionInput, NextStep, Plan
from overture.models.offline import OFFLINE_MODEL_NAME, offline_model
from overture.models.providers import build_model
from overture.records import Usage

__all__ = [
    "MODEL_ENV_VAR",
    "Decider",
    "DecisionError",
    "PromptMask",
    "resolve_model",
    "resolve_model_name",
]

MODEL_ENV_VAR = "OVERTURE_MODEL"

_INSTRUCTIONS = (
    "You are the conductor of specialist marketing agents. The user message is a JSON "
    "DecisionInput. For question 'plan', order the agents so each one's needs are provided "
    "before it runs. For question 'next', name the next agent with work left, an instruction "
    "for it and your reason. " + DATA_NOTICE
)


def resolve_model_name(explicit: str | None) -> str:
    """``--model`` if given, else ``$OVERTURE_MODEL``, else the offline model."""
    return explicit or os.environ.get(MODEL_ENV_VAR) or OFFLINE_MODEL_NAME


def resolve_model(name: str, providers: Mapping[str, Callable[[str], Model]]) -> Model:
    """Build the model named ``offline``, ``provider:name`` or a fallback chain ``a:x,b:y``.

    A provider's model comes retried on rate limits and outages, and behind a
    :class:`~overture.models.providers.ProviderModel` (output tokens capped by the run's budget,
    failures reported as :class:`DecisionError`).
    """
    if name == OFFLINE_MODEL_NAME:
        return offline_model()
    return build_model(name, providers)


@dataclass
class Decider(RunModel):
    """The conductor's two questions, the plan and the next step, asked of the run's model.

    The answer is a call to the ``answer`` output tool whose schema is the answer's type; it is
    validated, and an invalid one is sent back once with the validation error to be fixed
    (:meth:`RunModel.ask`).
    """

    def plan(self, view: DecisionInput) -> tuple[Plan, Usage]:
        return self.ask(Plan, _prompt(view), instructions=_INSTRUCTIONS)

    def next_step(self, view: DecisionInput) -> tuple[NextStep, Usage]:
        return self.ask(NextStep, _prompt(view), instructions=_INSTRUCTIONS)


def _prompt(view: DecisionInput) -> JsonValue:
    # Through JSON text, as the run's log keeps it: the prompt is strict JSON (no Infinity), and
    # a replay built from the log sends exactly the same request.
    return json.loads(view.model_dump_json())  # type: ignore[no-any-return]
