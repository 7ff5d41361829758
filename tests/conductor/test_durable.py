"""Durable runs: kill -9 part-way, resume, and prove no completed step or send was repeated."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import HERE, toy_config
from toy_plugin import World

from overture.conductor import Runner
from overture.records import OutcomeKind
from overture.runs import ActionDone, ActionRecorded, RunStore
from overture.workspace import Workspace

pytestmark = pytest.mark.slow


def _env(plugin_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(plugin_dir), str(HERE)])
    env.pop("COVERAGE_PROCESS_START", None)
    return env


def _start_and_kill(workspace: Path, settings: dict[str, str], plugin_dir: Path = HERE) -> str:
    done = subprocess.run(
        [sys.executable, str(HERE / "start_run.py"), str(workspace), json.dumps(settings)],
        env=_env(plugin_dir),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    runs = RunStore(f"sqlite:///{Workspace(workspace).runs_db}").runs()
    assert len(runs) == 1
    assert runs[0].outcome is None  # interrupted, not ended
    return runs[0].run_id


def _resume(
    workspace: Path, run_id: str, plugin_dir: Path = HERE
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "overture.cli", "resume", run_id, "--workspace", str(workspace)],
        env=_env(plugin_dir),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _assert_nothing_done_twice(workspace: Path, run_id: str) -> None:
    store = RunStore(f"sqlite:///{Workspace(workspace).runs_db}")
    events = store.events(run_id)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    recorded = [e.payload.key for e in events if isinstance(e.payload, ActionRecorded)]
    done = [e.payload for e in events if isinstance(e.payload, ActionDone)]
    assert len(recorded) == len(set(recorded)) == len(done) == 4
    assert all(d.sends == 100 for d in done)
    world = World(workspace, {})
    assert world.accepted_sends() == 4
    executions = Counter((agent, step) for agent, step, _ in world.executions())
    assert max(executions.values()) == 1, executions
    assert store.run(run_id).outcome is OutcomeKind.REACHED


def test_a_durable_run_matches_a_plain_one(tmp_path: Path) -> None:
    plain_ws, durable_ws = tmp_path / "plain", tmp_path / "durable"
    with Runner(Workspace(plain_ws), durable=False) as runner:
        plain_id, plain = runner.run(toy_config(plain_ws))
        plain_kinds = [e.payload.kind for e in runner.store.events(plain_id)]
    with Runner(Workspace(durable_ws)) as runner:
        durable_id, durable = runner.run(toy_config(durable_ws))
        durable_kinds = [e.payload.kind for e in runner.store.events(durable_id)]
    assert durable.kind is plain.kind is OutcomeKind.REACHED
    assert durable_kinds == plain_kinds


def test_kill_inside_the_outbox_transaction_then_resume(tmp_path: Path) -> None:
    run_id = _start_and_kill(tmp_path, {"toy.crash_at": "outbox"})
    store = RunStore(f"sqlite:///{Workspace(tmp_path).runs_db}")
    assert store.outbox(run_id) == []  # the transaction died uncommitted: no row, no event
    assert not any(isinstance(e.payload, ActionRecorded) for e in store.events(run_id))
    assert World(tmp_path, {}).accepted_sends() == 0

    resumed = _resume(tmp_path, run_id)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "reached" in resumed.stdout
    _assert_nothing_done_twice(tmp_path, run_id)


def test_kill_between_send_and_mark_relies_on_the_channel_key(tmp_path: Path) -> None:
    run_id = _start_and_kill(tmp_path, {"toy.crash_at": "after-send"})
    world = World(tmp_path, {})
    assert world.accepted_sends() == 1
    resumed = _resume(tmp_path, run_id)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    # The delivery step was in flight: it ran again with the same key and the channel refused it.
    attempts = Counter(world.attempts())
    assert sorted(attempts.values()) == [1, 1, 1, 2]
    _assert_nothing_done_twice(tmp_path, run_id)


def test_a_run_started_by_one_version_finishes_after_a_code_change(tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    shutil.copy(HERE / "toy_plugin.py", code / "toy_plugin.py")
    workspace = tmp_path / "ws"
    run_id = _start_and_kill(workspace, {"toy.crash_at": "after-send"}, plugin_dir=code)
    source = (code / "toy_plugin.py").read_text()
    (code / "toy_plugin.py").write_text(source.replace('CODE_VERSION = "1"', 'CODE_VERSION = "2"'))

    resumed = _resume(workspace, run_id, plugin_dir=code)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    versions = [version for _, _, version in World(workspace, {}).executions()]
    assert versions[0] == "1"
    assert versions[-1] == "2"
    _assert_nothing_done_twice(workspace, run_id)
