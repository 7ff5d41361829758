"""The conductor: the loop, its ledgers and budgets, stall detection, outcomes, durable runs."""

from overture.conductor.budgets import Spent, check_budgets
from overture.conductor.config import RunConfig
from overture.conductor.context import ContextMode, ScriptedAgent
from overture.conductor.durable import CONDUCTOR_VERSION
from overture.conductor.judge import Verdict, judge
from overture.conductor.loop import Conductor
from overture.conductor.runner import Runner, new_run_id
from overture.conductor.stall import Turn, detect_stall
from overture.conductor.steps import PlainSteps, Steps

__all__ = [
    "CONDUCTOR_VERSION",
    "Conductor",
    "ContextMode",
    "PlainSteps",
    "RunConfig",
    "Runner",
    "ScriptedAgent",
    "Spent",
    "Steps",
    "Turn",
    "Verdict",
    "check_budgets",
    "detect_stall",
    "judge",
    "new_run_id",
]
