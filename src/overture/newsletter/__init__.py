"""The flagship newsletter objective: the simulated environment, registration, the demo, and
the email-service baselines it is benchmarked against."""

from overture.newsletter.environment import DEFAULT_CONTACTS, SIM_SOURCE, SimWorld, sim_environment
from overture.newsletter.policies import (
    BASELINE_POLICIES,
    ABThenWinner,
    SendTimeOptimizer,
    SubjectLineBandit,
    raw_open_counts,
    register_baselines,
)

__all__ = [
    "BASELINE_POLICIES",
    "DEFAULT_CONTACTS",
    "SIM_SOURCE",
    "ABThenWinner",
    "SendTimeOptimizer",
    "SimWorld",
    "SubjectLineBandit",
    "raw_open_counts",
    "register_baselines",
    "sim_environment",
]
