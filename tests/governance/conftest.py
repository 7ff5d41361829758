"""Fixtures for governance tests; helpers live in support/governance_support.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from overture.governance import governance_engine

SUPPORT = Path(__file__).parent / "support"
# Helpers are imported by a unique module name; this folder has no conftest of its own.
if str(SUPPORT) not in sys.path:
    sys.path.append(str(SUPPORT))


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    return governance_engine(f"sqlite:///{tmp_path / 'runs.sqlite'}")
