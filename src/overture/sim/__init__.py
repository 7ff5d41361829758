"""The audience simulator: a digital twin of a mailing list to rehearse and benchmark strategies.

A seeded :class:`Population` with hidden behaviour, a :class:`SimulatedEmailChannel` that
behaves like an email service (agents see only its events), weeks of history written in the
customer store's import formats, an :class:`Oracle` that scores plans on the hidden traits, and
validated TOML scenarios. :class:`Simulation` bundles one world; its ``truth`` and ``oracle``
are for benchmarks, never for agents.
"""

from overture.sim.behaviour import ResponseModel, SubjectTable, subject_table
from overture.sim.calibration import Calibration, measure_calibration
from overture.sim.channel import EventTable, SendBatch, SimulatedEmailChannel
from overture.sim.history import HistoryFiles, generate_history, write_history
from overture.sim.oracle import Oracle, OracleBest, Plan
from overture.sim.outcome import (
    OutcomeReport,
    OutcomeRun,
    OutcomeSummary,
    run_outcome,
    write_outcome,
)
from overture.sim.policies import (
    OUTCOME_POLICIES,
    CycleContext,
    OutcomePolicy,
    PolicySetup,
    PublicAudience,
    register_policy,
)
from overture.sim.population import DEFAULT_START, Population, generate_population
from overture.sim.scenario import Scenario, load_scenario, scenario_names
from overture.sim.simulation import Simulation
from overture.sim.subjects import SubjectFeatures, render_subject, subject_features
from overture.sim.truth import GroundTruth, SendTruth

__all__ = [
    "DEFAULT_START",
    "OUTCOME_POLICIES",
    "Calibration",
    "CycleContext",
    "EventTable",
    "GroundTruth",
    "HistoryFiles",
    "Oracle",
    "OracleBest",
    "OutcomePolicy",
    "OutcomeReport",
    "OutcomeRun",
    "OutcomeSummary",
    "Plan",
    "PolicySetup",
    "Population",
    "PublicAudience",
    "ResponseModel",
    "Scenario",
    "SendBatch",
    "SendTruth",
    "SimulatedEmailChannel",
    "Simulation",
    "SubjectFeatures",
    "SubjectTable",
    "generate_history",
    "generate_population",
    "load_scenario",
    "measure_calibration",
    "register_policy",
    "render_subject",
    "run_outcome",
    "scenario_names",
    "subject_features",
    "subject_table",
    "write_history",
    "write_outcome",
]
