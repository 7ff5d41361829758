"""Shared fixtures for the simulator's tests: scenarios and small seeded worlds."""

from __future__ import annotations

import pytest

from overture.sim import Scenario, Simulation, load_scenario


@pytest.fixture(scope="session")
def default_scenario() -> Scenario:
    return load_scenario("default")


@pytest.fixture
def world(default_scenario: Scenario) -> Simulation:
    return Simulation.create(default_scenario, seed=11, contacts=4_000)
