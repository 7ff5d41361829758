"""Overture's built-in plugin: registers the built-in parts the same way a third party does."""

from __future__ import annotations

from overture.agents import Registry
from overture.governance import policy_reviewer

__all__ = ["register"]


def register(registry: Registry) -> None:
    """Register Overture's built-in environments, measures and agents."""
    # the built-in simulator environment and specialists register here
    registry.add_reviewer("policy", policy_reviewer)
