"""An approval gate survives kill -9: the run waits again on resume, and a person's answer,
given while no process was running, decides what it does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from gated_plugin import AUDIENCE, START, config, world_sends

from overture.cli import ExitCode, run_cli
from overture.conductor import Runner
from overture.governance import ApprovalBook, AuditLog, governance_engine
from overture.runs import ActionDone, ActionReviewed, ApprovalDecided, RunStore
from overture.workspace import Workspace

pytestmark = pytest.mark.slow

SUPPORT = Path(__file__).parent / "support"
GATED = "[approvals]\naudience_over = 50\nwait_hours = 1\n"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SUPPORT)
    env.pop("COVERAGE_PROCESS_START", None)
    return env


def _start_and_kill_at_the_gate(workspace: Path) -> tuple[str, str]:
    workspace.mkdir()
    (workspace / "policy.toml").write_text(GATED)
    child = subprocess.Popen(
        [sys.executable, str(SUPPORT / "gated_plugin.py"), str(workspace)],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        gate = None
        for _ in range(600):
            if (workspace / "runs.sqlite").is_file():
                book = ApprovalBook(governance_engine(f"sqlite:///{workspace / 'runs.sqlite'}"))
                waiting = book.all()
                store = RunStore(f"sqlite:///{Workspace(workspace).runs_db}")
                runs = store.runs()
                reviewed = runs and any(
                    isinstance(e.payload, ActionReviewed) and e.payload.approval_id
                    for e in store.events(runs[0].run_id)
                )
                store.engine.dispose()
                if waiting and reviewed:
                    gate = waiting[0]
                    break
            assert child.poll() is None, child.communicate()
            time.sleep(0.1)
        assert gate is not None, "the run never reached its approval gate"
        time.sleep(0.5)  # let it settle into its durable wait
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.communicate()
    assert child.returncode == -signal.SIGKILL
    return gate.run_id, gate.approval_id


def _resume(workspace: Path, run_id: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "overture.cli", "resume", run_id, "--workspace", str(workspace)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_an_approval_given_after_a_kill_lets_the_resumed_run_send(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace = tmp_path / "ws"
    run_id, approval_id = _start_and_kill_at_the_gate(workspace)
    store = RunStore(f"sqlite:///{Workspace(workspace).runs_db}")
    assert store.run(run_id).outcome is None
    assert world_sends(workspace) == 0

    assert run_cli(["approvals", "-w", str(workspace)]) == ExitCode.OK
    assert approval_id in capsys.readouterr().out
    code = run_cli(["approve", approval_id, "--note", "list checked", "--by", "ana",
                    "-w", str(workspace)])  # fmt: skip
    assert code == ExitCode.OK, capsys.readouterr().err
    assert run_cli(["approve", approval_id, "-w", str(workspace)]) == ExitCode.USAGE
    assert "already approved by ana" in " ".join(capsys.readouterr().err.split())

    resumed = _resume(workspace, run_id)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    events = [e.payload for e in store.events(run_id)]
    decided = [e for e in events if isinstance(e, ApprovalDecided)]
    assert [(d.approved, d.decided_by, d.note) for d in decided] == [(True, "ana", "list checked")]
    assert [e.sends for e in events if isinstance(e, ActionDone)] == [AUDIENCE]
    assert world_sends(workspace) == 1
    assert store.run(run_id).outcome is not None

    log = AuditLog(governance_engine(f"sqlite:///{workspace / 'runs.sqlite'}"))
    assert log.verify().ok
    actions = [(e.actor, e.action) for e in log.entries()]
    assert ("person:ana", "approve") in actions
    assert ("agent:gated_sender", "propose:send") in actions
    assert run_cli(["audit", "verify", "-w", str(workspace)]) == ExitCode.OK
    store.engine.dispose()


def _run_in_process(workspace: Path, policy_text: str, answer: list[str]) -> str:
    """Run durably in this process; ``answer`` (CLI arguments) is given once the gate opens."""
    workspace.mkdir()
    (workspace / "policy.toml").write_text(policy_text)
    with Runner(Workspace(workspace)) as runner:
        run_id = runner.start(config(workspace))
        book = ApprovalBook(governance_engine(f"sqlite:///{workspace / 'runs.sqlite'}"))

        def person() -> None:
            for _ in range(600):
                gates = book.all(run_id)
                if gates:
                    if answer:
                        run_cli([*answer, gates[0].approval_id, "-w", str(workspace)])
                    return
                time.sleep(0.05)

        helper = threading.Thread(target=person)
        helper.start()
        runner.wait(run_id)
        helper.join()
    return run_id


def test_a_rejection_means_no_send(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    run_id = _run_in_process(workspace, GATED, ["reject", "--note", "not this week"])
    store = RunStore(f"sqlite:///{Workspace(workspace).runs_db}")
    decided = [e.payload for e in store.events(run_id) if isinstance(e.payload, ApprovalDecided)]
    assert [(d.approved, d.expired, d.note) for d in decided] == [(False, False, "not this week")]
    assert not any(isinstance(e.payload, ActionDone) for e in store.events(run_id))
    assert world_sends(workspace) == 0
    assert store.outbox(run_id) == []
    store.engine.dispose()


def test_no_answer_by_the_deadline_is_a_rejection(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    run_id = _run_in_process(
        workspace, "[approvals]\naudience_over = 50\nwait_hours = 0.0003\n", []
    )
    store = RunStore(f"sqlite:///{Workspace(workspace).runs_db}")
    events = store.events(run_id)
    decided = [e.payload for e in events if isinstance(e.payload, ApprovalDecided)]
    assert [(d.approved, d.expired) for d in decided] == [(False, True)]
    assert world_sends(workspace) == 0
    # The run's clock is simulated: it stood still while the person's (wall) time ran out.
    times = {e.at for e in events if isinstance(e.payload, ActionReviewed | ApprovalDecided)}
    assert times == {START}
    gate = ApprovalBook(governance_engine(f"sqlite:///{workspace / 'runs.sqlite'}")).all()[0]
    assert not gate.open_at(gate.answer_by)
    assert gate.deadline == START + timedelta(hours=0.0003)
    store.engine.dispose()
