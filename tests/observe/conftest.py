"""Fixtures for observation tests: toy runs (the conductor's toy world) on a temporary workspace."""

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

TOY = Path(__file__).parents[1] / "conductor"
# The conductor's toy plugin is imported by name, as a third-party plugin would be.
if str(TOY) not in sys.path:
    sys.path.insert(0, str(TOY))

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
    agents: tuple[str, ...] = ("analyst", "sender"),
    settings: dict[str, str] | None = None,
    **budgets: float,
) -> RunConfig:
    return RunConfig(
        objective=toy_objective(**budgets),
        environment="toy",
        measure="toy",
        agents=agents,
        plugins=("toy_plugin:register",),
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
        agents: tuple[str, ...] = ("analyst", "sender"),
        settings: dict[str, str] | None = None,
        **budgets: float,
    ) -> RunId:
        run_id, _ = runner.run(toy_config(tmp_path, agents, settings, **budgets))
        return run_id

    return run
