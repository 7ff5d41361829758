"""The workspace: the folder where one Overture installation keeps its databases.

``--workspace`` wins, then ``$OVERTURE_WORKSPACE``, then ``.overture`` in the current folder.
Runs and DBOS's checkpoints live in SQLite files there unless ``$OVERTURE_RUNS_URL`` and
``$OVERTURE_SYSTEM_URL`` name other databases (PostgreSQL, for a team or several workers).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "RUNS_URL_ENV",
    "SYSTEM_URL_ENV",
    "WORKSPACE_ENV",
    "WORKSPACE_ENV_VAR",
    "Workspace",
    "resolve_workspace",
]

WORKSPACE_ENV_VAR = "OVERTURE_WORKSPACE"
WORKSPACE_ENV = WORKSPACE_ENV_VAR
RUNS_URL_ENV = "OVERTURE_RUNS_URL"
"""SQLAlchemy URL of the runs database, e.g. ``postgresql+psycopg://user:pw@host/overture``."""
SYSTEM_URL_ENV = "OVERTURE_SYSTEM_URL"
"""URL of DBOS's system database, e.g. ``postgresql://user:pw@host/overture_dbos``."""


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

    @property
    def runs_url(self) -> str:
        """Where runs, event logs, the outbox, approvals and audit live: ``$OVERTURE_RUNS_URL``,
        else the workspace's SQLite file."""
        return os.environ.get(RUNS_URL_ENV) or f"sqlite:///{self.runs_db}"

    @property
    def system_url(self) -> str:
        """Where DBOS keeps its checkpoints: ``$OVERTURE_SYSTEM_URL``, else the workspace's
        SQLite file."""
        return os.environ.get(SYSTEM_URL_ENV) or f"sqlite:///{self.dbos_db}"

    @property
    def local_runs(self) -> bool:
        """Whether the runs database is the workspace's own file (it may not exist yet)."""
        return not os.environ.get(RUNS_URL_ENV)

    @property
    def local_system(self) -> bool:
        """Whether DBOS's system database is the workspace's own file (it may not exist yet)."""
        return not os.environ.get(SYSTEM_URL_ENV)

    def ensure(self) -> Workspace:
        """Create the folder if missing, and return self."""
        self.root.mkdir(parents=True, exist_ok=True)
        return self


def resolve_workspace(explicit: Path | None = None) -> Workspace:
    """The workspace named by ``explicit``, the environment, or the default."""
    if explicit is not None:
        return Workspace(explicit)
    return Workspace(Path(os.environ.get(WORKSPACE_ENV_VAR) or ".overture"))
