"""A plugin whose environment fails with an error Overture did not foresee."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from overture.agents import Environment, Registry


def _environment(workspace: Path, seed: int, settings: Mapping[str, str]) -> Environment:
    raise RuntimeError("the email service's server is down")


def register(registry: Registry) -> None:
    registry.add_environment("broken", _environment)
