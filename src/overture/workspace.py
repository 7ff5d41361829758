"""Where Overture keeps its files: one workspace folder per project.

The folder is ``.overture/`` in the current directory unless ``--workspace`` or the
``OVERTURE_WORKSPACE`` environment variable says otherwise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["WORKSPACE_ENV", "Workspace", "resolve_workspace"]

WORKSPACE_ENV = "OVERTURE_WORKSPACE"


@dataclass(frozen=True)
class Workspace:
    """A workspace folder and the databases inside it."""

    root: Path

    @property
    def customers_db(self) -> Path:
        """The customer store (DuckDB)."""
        return self.root / "customers.duckdb"

    @property
    def runs_db(self) -> Path:
        """The run store: event log, outbox, approvals, audit (SQLite)."""
        return self.root / "runs.sqlite"

    @property
    def dbos_db(self) -> Path:
        """DBOS's system database (SQLite)."""
        return self.root / "dbos.sqlite"


def resolve_workspace(explicit: Path | None) -> Workspace:
    """The workspace named on the command line, else by the environment, else ``./.overture``."""
    if explicit is not None:
        return Workspace(explicit)
    from_env = os.environ.get(WORKSPACE_ENV, "").strip()
    return Workspace(Path(from_env) if from_env else Path.cwd() / ".overture")
