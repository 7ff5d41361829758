"""Fixtures for observation tests: runs of a small world (observe_plugin.py) on a temp workspace."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from overture.conductor import RunConfig, Runner
from overture.ids import RunId
from overture.objective import Objective
from overture.objective.model import Direction, Metric, Target, TargetKind
from overture.workspace import Workspace

# The plugins are imported by name, as third-party plugins would be: this folder's, which builds
# on the conductor's toy world.
for folder in (Path(__file__).parent, Path(__file__).parents[1] / "conductor"):
    if str(folder) not in sys.path:
        sys.path.append(str(folder))

ToyRun = Callable[..., RunId]


def toy_objective(**budgets: float) -> Objective:
    return Objective.model_validate(
        {
            "text": "Increase the open rate of our newsletter by 20%",
            "metric": Metric.HUMAN_OPEN_RATE,
            "direction": Direction.INCREASE,
            "target": Target(kind=TargetKind.RELATIVE, value=0.20),
            "budgets": budgets,
        }
    )


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[Runner]:
    with Runner(Workspace(tmp_path), durable=False) as plain:
        yield plain


def toy_config(
    workspace: Path,
    agents: tuple[str, ...] = ("scout", "mailer"),
    settings: dict[str, str] | None = None,
    **budgets: float,
) -> RunConfig:
    return RunConfig(
        objective=toy_objective(**budgets),
        environment="observe-toy",
        measure="observe-toy",
        agents=agents,
        reviewers=("observe-toy",),
        plugins=("observe_plugin:register",),
        workspace=str(workspace),
        settings=settings or {},
    )


@pytest.fixture
def toy_settings() -> Callable[..., RunConfig]:
    """``toy_settings(workspace, agents=..., settings=..., **budgets)``: a toy run's config."""
    return toy_config


@pytest.fixture
def toy_run(runner: Runner, tmp_path: Path) -> ToyRun:
    """Run the toy world to its outcome: ``toy_run(agents=..., settings=..., **budgets)``."""

    def run(
        agents: tuple[str, ...] = ("scout", "mailer"),
        settings: dict[str, str] | None = None,
        **budgets: float,
    ) -> RunId:
        run_id, _ = runner.run(toy_config(tmp_path, agents, settings, **budgets))
        return run_id

    return run
