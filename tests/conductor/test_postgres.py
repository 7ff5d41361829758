"""Durable runs on PostgreSQL: the same conductor, runs and DBOS checkpoints in a server.

Needs a server: ``$OVERTURE_TEST_POSTGRES`` (``postgresql://user:password@host:port``), which
``.ci/run`` starts. Each test creates its own databases there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from conftest import HERE, toy_config
from psycopg import sql
from toy_plugin import World

from overture.conductor import Runner
from overture.records import OutcomeKind
from overture.runs import ActionDone, ActionRecorded, RunStore
from overture.workspace import RUNS_URL_ENV, SYSTEM_URL_ENV, Workspace

SERVER = os.environ.get("OVERTURE_TEST_POSTGRES", "")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not SERVER, reason="set OVERTURE_TEST_POSTGRES=postgresql://user:pw@host:port to run"
    ),
]


@pytest.fixture
def postgres(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    """Fresh runs and system databases, named for this process's runs through the environment."""
    name = f"overture_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        # DBOS creates its own database; the runs database is ours to create.
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(f"{name}_runs")))
    runs = f"{SERVER.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}_runs"
    system = f"{SERVER}/{name}_dbos"
    monkeypatch.setenv(RUNS_URL_ENV, runs)
    monkeypatch.setenv(SYSTEM_URL_ENV, system)
    yield runs, system
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        for database in (f"{name}_runs", f"{name}_dbos"):
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            admin.execute(drop.format(sql.Identifier(database)))


def test_a_durable_run_keeps_its_log_and_checkpoints_in_postgresql(
    tmp_path: Path, postgres: tuple[str, str]
) -> None:
    runs, system = postgres
    with Runner(Workspace(tmp_path)) as runner:
        run_id, outcome = runner.run(toy_config(tmp_path))
        kinds = [e.payload.kind for e in runner.store.events(run_id)]
    assert outcome.kind is OutcomeKind.REACHED
    assert not Workspace(tmp_path).runs_db.exists() and not Workspace(tmp_path).dbos_db.exists()
    # The log and DBOS's record of the workflow are in the servers, read back by plain SQL.
    with psycopg.connect(runs.replace("+psycopg", "")) as db:
        query = "SELECT count(*) FROM overture_events WHERE run_id = %s"
        logged = db.execute(query, [run_id]).fetchone()
    assert logged is not None and logged[0] == len(kinds)
    with psycopg.connect(system) as db:
        status = db.execute(
            "SELECT status FROM dbos.workflow_status WHERE workflow_uuid = %s", [run_id]
        ).fetchone()
    assert status is not None and status[0] == "SUCCESS"


def test_kill_inside_the_outbox_transaction_then_resume_on_postgresql(
    tmp_path: Path, postgres: tuple[str, str]
) -> None:
    runs, _ = postgres
    env = {**os.environ, "PYTHONPATH": str(HERE)}
    env.pop("COVERAGE_PROCESS_START", None)
    started = subprocess.run(
        [sys.executable, str(HERE / "start_run.py"), str(tmp_path), '{"toy.crash_at": "outbox"}'],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert started.returncode == -signal.SIGKILL, started.stderr
    store = RunStore(runs)
    (run,) = store.runs()
    assert run.outcome is None and store.outbox(run.run_id) == []
    resumed = subprocess.run(
        [sys.executable, "-m", "overture.cli", "resume", run.run_id, "-w", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    events = store.events(run.run_id)
    recorded = [e.payload.key for e in events if isinstance(e.payload, ActionRecorded)]
    done = [e.payload for e in events if isinstance(e.payload, ActionDone)]
    assert len(recorded) == len(set(recorded)) == len(done) == 4
    world = World(tmp_path, {})
    assert world.accepted_sends() == 4
    assert max(Counter((a, s) for a, s, _ in world.executions()).values()) == 1
    assert store.run(run.run_id).outcome is OutcomeKind.REACHED
    assert "reached" in (store.run(run.run_id).summary or "")
    store.engine.dispose()
