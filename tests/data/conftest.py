"""Shared fixtures: an in-memory store, a fixed clock, and generated dirty customer data."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))  # so tests can import dirty_data

from dirty_data import NOW, DirtyData, make_dirty_people

from overture.clock import VirtualClock
from overture.data import CustomerStore


@pytest.fixture
def store() -> Iterator[CustomerStore]:
    with CustomerStore() as opened:
        yield opened


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(NOW)


@pytest.fixture
def dirty(tmp_path: Path) -> DirtyData:
    return make_dirty_people(tmp_path, np.random.default_rng(7))
