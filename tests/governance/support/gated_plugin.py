"""A test plugin for approval gates: one sender agent, a channel that counts sends, a measure.

The world lives in ``gated.sqlite`` in the workspace so it survives a killed process. Every
name is prefixed ``gated_`` so it never clashes with built-in parts.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel

from overture.agents import (
    Action,
    Agent,
    AgentResult,
    AgentSpec,
    Brief,
    Environment,
    Registry,
    Tool,
    ToolContext,
)
from overture.clock import VirtualClock
from overture.conductor import RunConfig, Runner
from overture.objective import Objective
from overture.objective.model import Direction, Metric, Target, TargetKind
from overture.records import Measurement, TaskLedger
from overture.workspace import Workspace

START = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
AUDIENCE = 100


def world_sends(workspace: Path) -> int:
    """Messages the world's channel accepted (a repeated key counts once)."""
    with sqlite3.connect(workspace / "gated.sqlite", isolation_level=None, timeout=30) as db:
        db.execute("CREATE TABLE IF NOT EXISTS sends (key TEXT PRIMARY KEY, audience INT)")
        return int(db.execute("SELECT count(*) FROM sends").fetchone()[0])


class SendInput(BaseModel):
    audience: int
    subject: str


class SendReceipt(BaseModel):
    accepted: int
    duplicate: bool


class GatedSender:
    def __init__(self, env: Environment) -> None:
        path = env.workspace / "gated.sqlite"

        def send(value: SendInput, context: ToolContext) -> SendReceipt:
            assert context.key is not None
            with sqlite3.connect(path, isolation_level=None, timeout=30) as db:
                db.execute("CREATE TABLE IF NOT EXISTS sends (key TEXT PRIMARY KEY, audience INT)")
                fresh = db.execute(
                    "INSERT OR IGNORE INTO sends VALUES (?, ?)", (context.key, value.audience)
                )
            return SendReceipt(accepted=value.audience, duplicate=fresh.rowcount != 1)

        tool = Tool("send", "Send the newsletter.", SendInput, SendReceipt, send, side_effect=True)
        self.spec = AgentSpec(
            name="gated_sender", purpose="Send the newsletter", tools=(tool,), per_cycle=True
        )

    def run(self, brief: Brief) -> AgentResult:
        return AgentResult(
            actions=(
                Action(tool="send", input={"audience": AUDIENCE, "subject": "Our March news"}),
            ),
            wait_until=brief.now + timedelta(hours=72),
        )


def _sender(env: Environment) -> Agent:
    return GatedSender(env)


def _environment(workspace: Path, seed: int, settings: Mapping[str, str]) -> Environment:
    return Environment(
        clock=VirtualClock(START), workspace=workspace, seed=seed, settings=dict(settings)
    )


def _measure(objective: Objective, env: Environment, ledger: TaskLedger) -> Measurement:
    sends = world_sends(env.workspace)
    return Measurement(
        metric="human_open_rate",
        value=0.2 * (1 + 0.01 * sends),
        baseline=0.2,
        lower=0.19,
        upper=0.21,
        sample_size=1000,
        at=env.clock.now(),
    )


def register(registry: Registry) -> None:
    registry.add_environment("gated_world", _environment)
    registry.add_measure("gated_measure", _measure)
    registry.add_agent("gated_sender", _sender)


def config(workspace: Path) -> RunConfig:
    objective = Objective.model_validate(
        {
            "text": "Increase the open rate of our newsletter by 20%",
            "metric": Metric.HUMAN_OPEN_RATE,
            "direction": Direction.INCREASE,
            "target": Target(kind=TargetKind.RELATIVE, value=0.2),
            "budgets": {"max_cycles": 1},
        }
    )
    return RunConfig(
        objective=objective,
        environment="gated_world",
        measure="gated_measure",
        agents=("gated_sender",),
        reviewers=("policy",),
        plugins=("gated_plugin:register",),
        workspace=str(workspace),
    )


def main() -> None:
    """``python gated_plugin.py WORKSPACE``: run until the gate (the test kills it there)."""
    workspace = Path(sys.argv[1])
    with Runner(Workspace(workspace)) as runner:
        _, outcome = runner.run(config(workspace))
    print(outcome.kind.value, flush=True)


if __name__ == "__main__":
    main()
