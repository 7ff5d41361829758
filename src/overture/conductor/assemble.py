"""Builds a conductor from a run's configuration: the same way on a first start and on recovery."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

from overture.agents import Registry
from overture.conductor.config import RunConfig
from overture.conductor.loop import Conductor
from overture.conductor.steps import Steps
from overture.governance import check_model, masks_with, policy_for_workspace
from overture.ids import RunId
from overture.models import MODEL_RESOURCE, Decider, RunModel, recorded, resolve_model
from overture.models.providers import chain_names
from overture.observe import trace_run
from overture.runs import RunStore

__all__ = ["build_conductor", "registry_for"]


@cache
def registry_for(plugins: tuple[str, ...]) -> Registry:
    """The registry with every installed plugin plus ``plugins`` (built once per process)."""
    return Registry.load(plugins)


def build_conductor(run_id: RunId, config: RunConfig, store: RunStore, steps: Steps) -> Conductor:
    registry = registry_for(config.plugins)
    # The run id is handed to the environment so it can find (and, on recovery, reopen) the
    # world it built for this run.
    settings = {**config.settings, "run_id": run_id}
    environment = registry.environment(config.environment)(
        Path(config.workspace), config.seed, settings
    )
    # Governance decides which models may decide at all, before any is built.
    policy = policy_for_workspace(Path(config.workspace), dict(environment.settings))
    for name in chain_names(config.model):  # every model of a fallback chain must be allowed
        check_model(policy, name)
    names = config.agents or tuple(registry.agents)
    reviewers = registry.reviewers if config.reviewers is None else config.reviewers
    # Personal data is masked in everything a model is shown (the store's known values, and
    # patterns: emails, phones, addresses, names after a salutation), and restored in its answer.
    masks = masks_with(environment.known_values)
    model = resolve_model(config.model, registry.models)
    # A provider's exchanges are recorded for the run's log, so replay needs no provider.
    decider = Decider(recorded(model, config.model), config.model, masks=masks)
    # Agents that write with the run's model (the copywriter) reach it as a resource; their
    # exchanges are recorded apart from the decider's and kept in the agent's evidence.
    run_model = RunModel(recorded(model, config.model), config.model, masks=masks)
    environment = replace(
        environment, resources={**environment.resources, MODEL_RESOURCE: run_model}
    )
    steps, decider = trace_run(run_id, config.objective, store, steps, decider)
    return Conductor(
        run_id=run_id,
        config=config,
        store=store,
        steps=steps,
        decider=decider,
        environment=environment,
        agents=registry.build_agents(names, environment),
        measure=registry.measure(config.measure or config.objective.metric.value),
        reviewers=tuple(registry.reviewer(name)(environment) for name in reviewers),
    )
