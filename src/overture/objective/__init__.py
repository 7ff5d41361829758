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
from overture.objective.parser import SUPPORTED_LANGUAGES, accepted_forms, parse_objective

__all__ = [
    "SUPPORTED_LANGUAGES",
    "Budgets",
    "Direction",
    "Metric",
    "Objective",
    "Scope",
    "Target",
    "TargetKind",
    "accepted_forms",
    "parse_objective",
]
