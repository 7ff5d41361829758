"""The workspace: the folder where one Overture installation keeps its databases.

``--workspace`` wins, then ``$OVERTURE_WORKSPACE``, then ``.overture`` in the current folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["WORKSPACE_ENV", "WORKSPACE_ENV_VAR", "Workspace", "resolve_workspace"]

WORKSPACE_ENV_VAR = "OVERTURE_WORKSPACE"
WORKSPACE_ENV = WORKSPACE_ENV_VAR


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def customers_db(self) -> Path:
        """The customer store (DuckDB)."""
        return self.root / "customers.duckdb"

    @property
    def runs_db(self) -> Path:
        """Runs, event logs, outbox (SQLite)."""
        return self.root / "runs.sqlite"

    @property
    def dbos_db(self) -> Path:
        """DBOS's system database (SQLite): workflow and step checkpoints."""
        return self.root / "dbos.sqlite"

    def ensure(self) -> Workspace:
        """Create the folder if missing, and return self."""
        self.root.mkdir(parents=True, exist_ok=True)
        return self


def resolve_workspace(explicit: Path | None = None) -> Workspace:
    """The workspace named by ``explicit``, the environment, or the default."""
    if explicit is not None:
        return Workspace(explicit)
    return Workspace(Path(os.environ.get(WORKSPACE_ENV_VAR) or ".overture"))
