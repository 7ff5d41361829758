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

__all__ = ["Budgets", "Direction", "Metric", "Objective", "Scope", "Target", "TargetKind"]
