"""Fixtures for conductor tests: the toy plugin and runners on a temporary workspace."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from overture.conductor import RunConfig, Runner
from overture.objective import Objective
from overture.objective.model import Direction, Metric, Target, TargetKind
from overture.workspace import Workspace

HERE = Path(__file__).parent
TOY_PLUGIN = "toy_plugin:register"

# The toy plugin is imported by name, as a third-party plugin would be.
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


def objective(relative: float = 0.20, **budgets: float) -> Objective:
    return Objective.model_validate(
        {
            "text": "Increase the open rate of our newsletter by 20%",
            "metric": Metric.HUMAN_OPEN_RATE,
            "direction": Direction.INCREASE,
            "target": Target(kind=TargetKind.RELATIVE, value=relative),
            "budgets": budgets,
        }
    )


def toy_config(
    workspace: Path,
    *,
    agents: tuple[str, ...] = ("scout", "mailer"),
    goal: Objective | None = None,
    settings: dict[str, str] | None = None,
) -> RunConfig:
    return RunConfig(
        objective=goal or objective(),
        environment="toy",
        measure="toy",
        agents=agents,
        plugins=(TOY_PLUGIN,),
        workspace=str(workspace),
        settings=settings or {},
    )


@pytest.fixture
def plain_runner(tmp_path: Path) -> Iterator[Runner]:
    with Runner(Workspace(tmp_path), durable=False) as runner:
        yield runner
