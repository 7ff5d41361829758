"""Overture's built-in plugin: registers the built-in parts the same way a third party does."""

from __future__ import annotations

from overture.agents import Registry
from overture.governance import policy_reviewer
from overture.models.providers import register_providers
from overture.newsletter import sim_environment
from overture.objective import Metric
from overture.specialists.analyst import Analyst
from overture.specialists.compliance import Compliance
from overture.specialists.copywriter import Copywriter
from overture.specialists.experimenter import Experimenter
from overture.specialists.measure import holdout_lift
from overture.specialists.reporter import Reporter
from overture.specialists.scheduler import Scheduler
from overture.specialists.segmenter import Segmenter

__all__ = ["register"]


def register(registry: Registry) -> None:
    """Register Overture's built-in environments, measures, agents and model providers."""
    registry.add_environment("sim", sim_environment)
    registry.add_measure(Metric.HUMAN_OPEN_RATE.value, holdout_lift)
    for agent in (Analyst, Segmenter, Copywriter, Experimenter, Scheduler, Compliance, Reporter):
        registry.add_agent(agent.name, agent)
    registry.add_reviewer("policy", policy_reviewer)
    register_providers(registry)
