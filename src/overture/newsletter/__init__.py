"""The flagship newsletter objective: the simulated environment, registration, the demo."""

from overture.newsletter.environment import DEFAULT_CONTACTS, SIM_SOURCE, SimWorld, sim_environment

__all__ = ["DEFAULT_CONTACTS", "SIM_SOURCE", "SimWorld", "sim_environment"]
