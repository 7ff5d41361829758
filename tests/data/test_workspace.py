"""Where the workspace is."""

from __future__ import annotations

from pathlib import Path

import pytest

from overture.workspace import (
    RUNS_URL_ENV,
    SYSTEM_URL_ENV,
    WORKSPACE_ENV,
    Workspace,
    resolve_workspace,
)


def test_explicit_wins_over_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WORKSPACE_ENV, str(tmp_path / "env"))
    assert resolve_workspace(tmp_path / "cli") == Workspace(tmp_path / "cli")


def test_environment_then_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WORKSPACE_ENV, str(tmp_path / "env"))
    assert resolve_workspace(None).root == tmp_path / "env"
    monkeypatch.delenv(WORKSPACE_ENV)
    monkeypatch.chdir(tmp_path)
    assert resolve_workspace(None).root.resolve() == tmp_path / ".overture"


def test_database_files_live_in_the_folder(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    assert workspace.customers_db == tmp_path / "customers.duckdb"
    assert workspace.runs_db == tmp_path / "runs.sqlite"
    assert workspace.dbos_db == tmp_path / "dbos.sqlite"
    nested = Workspace(tmp_path / "a" / "b").ensure()
    assert nested.root.is_dir()


def test_runs_and_checkpoints_are_local_files_unless_urls_name_servers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(RUNS_URL_ENV, raising=False)
    monkeypatch.delenv(SYSTEM_URL_ENV, raising=False)
    ws = Workspace(tmp_path)
    assert ws.runs_url == f"sqlite:///{tmp_path / 'runs.sqlite'}" and ws.local_runs
    assert ws.system_url == f"sqlite:///{tmp_path / 'dbos.sqlite'}"
    monkeypatch.setenv(RUNS_URL_ENV, "postgresql+psycopg://u:p@db/overture")
    monkeypatch.setenv(SYSTEM_URL_ENV, "postgresql://u:p@db/overture_dbos")
    assert ws.runs_url == "postgresql+psycopg://u:p@db/overture" and not ws.local_runs
    assert ws.system_url == "postgresql://u:p@db/overture_dbos"
