"""A simulated run (`overture run --env sim`) with approval gates turned on by the workspace's own
policy: it pauses on its first gate, its simulated clock standing still, and goes on to send
once a person runs `overture approve ID`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from overture.cli import ExitCode, run_cli
from overture.governance import ApprovalBook, AuditLog, governance_engine
from overture.newsletter.environment import SIM_POLICY
from overture.runs import ActionDone, ActionReviewed, ApprovalDecided, RunStore
from overture.workspace import Workspace

pytestmark = pytest.mark.slow

GOAL = "Increase the open rate of our newsletter by 20%"


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "overture.cli", *args]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("COVERAGE_PROCESS_START", None)
    return env


def test_a_simulated_run_pauses_on_its_gate_until_a_person_approves(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    # The simulated sender's policy, with a person to answer every gate and a low threshold.
    text = SIM_POLICY.read_text(encoding="utf-8")
    text = text.replace('rehearsal = "approve"', 'rehearsal = "wait"')
    text = text.replace("audience_over = 5000", "audience_over = 10")
    assert 'rehearsal = "wait"' in text and "audience_over = 10\n" in text
    (workspace / "policy.toml").write_text(text)
    run = subprocess.Popen(
        _cli("run", GOAL, "--yes", "--set", "contacts=300", "--set", "history_weeks=2",
             "--budget", "cycles=1", "-w", str(workspace)),
        env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        book = None
        gates = []
        for _ in range(1200):
            assert run.poll() is None, run.communicate()
            if (workspace / "runs.sqlite").is_file():
                book = book or ApprovalBook(governance_engine(f"sqlite:///{workspace}/runs.sqlite"))
                gates = book.all()
                if gates:
                    break
            time.sleep(0.1)
        assert book is not None and len(gates) == 1, "the run never reached its gate"
        gate = gates[0]
        time.sleep(1.0)  # the run would have gone past the gate by now if it did not wait
        store = RunStore(f"sqlite:///{Workspace(workspace).runs_db}")
        assert run.poll() is None
        assert not any(isinstance(e.payload, ActionDone) for e in store.events(gate.run_id))
        assert [g.status for g in book.all()] == ["pending"]

        code = run_cli(["approve", gate.approval_id, "--note", "checked", "--by", "ana",
                        "-w", str(workspace)])  # fmt: skip
        assert code == ExitCode.OK
        out, err = run.communicate(timeout=300)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    assert run.returncode == 0, out + err
    events = store.events(gate.run_id)
    reviewed = next(e.at for e in events if isinstance(e.payload, ActionReviewed))
    decided = [(e.at, e.payload) for e in events if isinstance(e.payload, ApprovalDecided)]
    assert [(d.approved, d.decided_by) for _, d in decided] == [(True, "ana")]
    assert decided[0][0] == reviewed  # simulated time stood still while ana decided
    done = [e.payload for e in events if isinstance(e.payload, ActionDone)]
    assert len(done) == 1 and done[0].sends > 0
    actions = [(e.actor, e.action) for e in AuditLog(store.engine).entries()]
    assert ("person:ana", "approve") in actions
    store.engine.dispose()
