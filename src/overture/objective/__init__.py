"""Objectives: the typed model and the sentence parser (English and French)."""

from overture.objective.model import (
    Budgets,
    Direction,
    Metric,
    Objective,
    Scope,
    Target,
    TargetKind,
)
from overture.objective.model_reading import (
    READING_INSTRUCTIONS,
    AskReading,
    ObjectiveReading,
    parse_or_ask,
    reading_prompt,
)
from overture.objective.parser import SUPPORTED_LANGUAGES, accepted_forms, parse_objective

__all__ = [
    "READING_INSTRUCTIONS",
    "SUPPORTED_LANGUAGES",
    "AskReading",
    "Budgets",
    "Direction",
    "Metric",
    "Objective",
    "ObjectiveReading",
    "Scope",
    "Target",
    "TargetKind",
    "accepted_forms",
    "parse_objective",
    "parse_or_ask",
    "reading_prompt",
]
