"""The decider: asks a pydantic-ai model the conductor's two questions and returns typed answers.

Every decision goes through here, whatever the model (the offline policy or a provider), so the
prompt, the output validation and the usage accounting are the same for all of them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import BaseModel
from pydantic_ai.models import Model

from overture.models._loop import run_coroutine
from overture.models.asking import DATA_NOTICE, DecisionError, PromptMask, ask_typed
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
_T = TypeVar("_T", bound=BaseModel)

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
class Decider:
    """Asks one model the plan and next-step questions through pydantic-ai's model interface.

    The answer is a call to the ``answer`` output tool whose schema is the answer's type; it is
    validated here, and an invalid one is sent back once with the validation error to be fixed.
    """

    model: Model
    model_name: str
    retries: int = 1
    masks: Callable[[], PromptMask] | None = None
    """A fresh mask per exchange; personal data in the decider's input never reaches the model."""
    _clean: set[str] = field(default_factory=set[str], init=False, repr=False)
    """Strings a mask left unchanged: the same text is clean again (most of a decider's input
    repeats from turn to turn: purposes, plans, instructions)."""

    def plan(self, view: DecisionInput) -> tuple[Plan, Usage]:
        return run_coroutine(self._ask(Plan, view))

    def next_step(self, view: DecisionInput) -> tuple[NextStep, Usage]:
        return run_coroutine(self._ask(NextStep, view))

    async def _ask(self, output: type[_T], view: DecisionInput) -> tuple[_T, Usage]:
        return await ask_typed(
            self.model,
            self.model_name,
            output,
            # Through JSON text, as the run's log keeps it: the prompt is strict JSON (no
            # Infinity), and a replay built from the log sends exactly the same request.
            json.loads(view.model_dump_json()),
            instructions=_INSTRUCTIONS,
            retries=self.retries,
            masker=self.masks() if self.masks is not None else None,
            clean=self._clean,
        )
