"""The one registry: agents, models, environments (clock + channel + resources) and measures.

Built-ins register exactly as a third party does: a function ``register(registry)`` named by an
entry point in the ``overture.plugins`` group (or passed as ``module:function``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from overture.agents.base import Agent, Environment
from overture.agents.review import ActionReviewer
from overture.exceptions import RegistryError
from overture.objective import Objective
from overture.records import Measurement, TaskLedger

if TYPE_CHECKING:
    from pydantic_ai.models import Model

__all__ = [
    "ENTRY_POINT_GROUP",
    "AgentFactory",
    "EnvironmentFactory",
    "Measure",
    "ModelFactory",
    "Registry",
    "ReviewerFactory",
]

ENTRY_POINT_GROUP = "overture.plugins"
_F = TypeVar("_F")

AgentFactory = Callable[[Environment], Agent]
"""Builds an agent for one run's environment."""
EnvironmentFactory = Callable[[Path, int, Mapping[str, str]], Environment]
"""Builds an environment from (workspace, seed, settings); called again on recovery."""
Measure = Callable[[Objective, Environment, TaskLedger], Measurement]
"""Measures the objective's metric on data; the only judge of whether it is met."""
ModelFactory = Callable[[str], "Model"]
"""Builds a pydantic-ai model from the part of ``provider:name`` after the colon."""
ReviewerFactory = Callable[[Environment], ActionReviewer]
"""Builds a reviewer of proposed actions for one run's environment."""


@dataclass
class Registry:
    """Named factories. Names are unique per kind; registering one twice is an error."""

    agents: dict[str, AgentFactory] = field(default_factory=dict[str, AgentFactory])
    models: dict[str, ModelFactory] = field(default_factory=dict[str, ModelFactory])
    environments: dict[str, EnvironmentFactory] = field(
        default_factory=dict[str, EnvironmentFactory]
    )
    measures: dict[str, Measure] = field(default_factory=dict[str, Measure])
    reviewers: dict[str, ReviewerFactory] = field(default_factory=dict[str, ReviewerFactory])

    def add_agent(self, name: str, factory: AgentFactory) -> None:
        _add(self.agents, "agent", name, factory)

    def add_model(self, provider: str, factory: ModelFactory) -> None:
        _add(self.models, "model provider", provider, factory)

    def add_environment(self, name: str, factory: EnvironmentFactory) -> None:
        _add(self.environments, "environment", name, factory)

    def add_measure(self, name: str, measure: Measure) -> None:
        _add(self.measures, "measure", name, measure)

    def add_reviewer(self, name: str, factory: ReviewerFactory) -> None:
        _add(self.reviewers, "reviewer", name, factory)

    def reviewer(self, name: str) -> ReviewerFactory:
        return _get(self.reviewers, "reviewer", name)

    def build_agents(self, names: Iterable[str], environment: Environment) -> dict[str, Agent]:
        """Build the named agents, checking each one's spec against the name it was asked by."""
        built: dict[str, Agent] = {}
        for name in names:
            agent = _get(self.agents, "agent", name)(environment)
            if agent.spec.name != name:
                raise RegistryError(
                    f"agent registered as '{name}' calls itself '{agent.spec.name}'",
                    "register it under the name in its AgentSpec",
                )
            built[name] = agent
        return built

    def environment(self, name: str) -> EnvironmentFactory:
        return _get(self.environments, "environment", name)

    def measure(self, name: str) -> Measure:
        return _get(self.measures, "measure", name)

    def model(self, provider: str) -> ModelFactory:
        return _get(self.models, "model provider", provider)

    @classmethod
    def load(cls, plugins: Iterable[str] = ()) -> Registry:
        """A registry fed by every installed ``overture.plugins`` entry point, then ``plugins``."""
        registry = cls()
        for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
            registry.install(point.load(), f"entry point '{point.name}'")
        for spec in plugins:
            registry.install(_import_plugin(spec), f"plugin '{spec}'")
        return registry

    def install(self, register: object, origin: str) -> None:
        if not callable(register):
            raise RegistryError(f"{origin} is not a function", "point it at register(registry)")
        register(self)


def _import_plugin(spec: str) -> object:
    module_name, _, attribute = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise RegistryError(
            f"cannot import plugin module '{module_name}': {error}",
            "install the package that provides it, or fix the name (module:function)",
        ) from error
    register = getattr(module, attribute or "register", None)
    if register is None:
        raise RegistryError(
            f"plugin module '{module_name}' has no '{attribute or 'register'}'",
            "name the registering function as module:function",
        )
    return register


def _add(table: dict[str, _F], kind: str, name: str, value: _F) -> None:
    if name in table:
        raise RegistryError(f"{kind} '{name}' is registered twice", "give one of them another name")
    table[name] = value


def _get(table: Mapping[str, _F], kind: str, name: str) -> _F:
    try:
        return table[name]
    except KeyError:
        known = ", ".join(sorted(table)) or "none"
        raise RegistryError(
            f"no {kind} named '{name}'", f"known {kind}s: {known}; or install its plugin"
        ) from None
