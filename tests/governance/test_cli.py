"""The governance commands: policy check, audit verify and export, the approvals list."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from governance_support import NOW

from overture.cli import ExitCode, run_cli
from overture.clock import WallClock
from overture.governance import ApprovalBook, AuditLog, governance_engine
from overture.workspace import SYSTEM_URL_ENV

DEFAULT = Path(__file__).parents[2] / "src" / "overture" / "governance" / "default_policy.toml"


def _out(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    captured = capsys.readouterr()
    return " ".join(captured.out.split()), " ".join(captured.err.split())


@pytest.mark.parametrize(
    "command",
    [
        ["approvals"],
        ["approve"],
        ["reject"],
        ["audit"],
        ["audit", "verify"],
        ["audit", "export"],
        ["policy"],
        ["policy", "check"],
    ],
)
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli([*command, "--help"]) == ExitCode.OK
    assert "Usage" in capsys.readouterr().out


def test_policy_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["policy", "check", str(DEFAULT)]) == ExitCode.OK
    assert "is a valid policy" in _out(capsys)[0]
    bad = tmp_path / "policy.toml"
    bad.write_text("[sends]\nmax_audience = 10\nfrequency = 3\n")
    assert run_cli(["policy", "check", str(bad)]) == ExitCode.USAGE
    err = _out(capsys)[1]
    assert f"{bad}:3 [sends.frequency]: unknown key 'frequency'" in err
    assert "How to fix" in err


def test_audit_verify_and_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    engine = governance_engine(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    log = AuditLog(engine)
    for i in range(3):
        log.append(actor="agent:a", action="propose:send", at=NOW, evidence={"i": i})
    assert run_cli(["audit", "verify", "-w", str(tmp_path)]) == ExitCode.OK
    assert "intact: 3 entries" in _out(capsys)[0]

    assert run_cli(["audit", "export", "-f", "json", "-w", str(tmp_path)]) == ExitCode.OK
    assert [e["seq"] for e in json.loads(capsys.readouterr().out)] == [1, 2, 3]
    target = tmp_path / "audit.csv"
    assert run_cli(["audit", "export", "-o", str(target), "-w", str(tmp_path)]) == ExitCode.OK
    assert target.read_text().splitlines()[0].startswith("seq,at,actor")
    assert run_cli(["audit", "export", "-f", "xml", "-w", str(tmp_path)]) == ExitCode.USAGE
    capsys.readouterr()

    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM governance_audit WHERE seq = 2"))
    assert run_cli(["audit", "verify", "-w", str(tmp_path)]) == ExitCode.FAILED
    out = _out(capsys)[0]
    assert "tampered with" in out and "expected entry 2" in out


def test_the_approvals_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["approvals", "-w", str(tmp_path)]) == ExitCode.OK
    assert "No run is waiting" in _out(capsys)[0]
    book = ApprovalBook(governance_engine(f"sqlite:///{tmp_path / 'runs.sqlite'}"))
    now = WallClock().now()
    for gate, opened in (("g-open", now), ("g-old", now - timedelta(days=3))):
        book.open(
            approval_id=gate,
            run_id="run-1",
            step=2,
            agent="sender",
            tool="send",
            reason="audience of 9000 is over 5000",
            rules=("approvals.audience_over",),
            evidence={},
            requested_at=NOW,
            deadline=NOW + timedelta(hours=24),
            opened_at_wall=opened,
        )
    assert run_cli(["approvals", "-w", str(tmp_path)]) == ExitCode.OK
    out = _out(capsys)[0]
    assert "g-open" in out and "g-old" not in out
    assert "audience of 9000 is over 5000 (approvals.audience_over)" in out
    assert run_cli(["approvals", "--all", "-w", str(tmp_path)]) == ExitCode.OK
    out = _out(capsys)[0]
    assert "g-old" in out and "expired" in out


def test_answering_needs_a_durable_workspace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["approve", "g-1", "--note", "ok", "-w", str(tmp_path)]) == ExitCode.USAGE
    assert "no durable run has used the workspace" in _out(capsys)[1]
    (tmp_path / "dbos.sqlite").touch()
    assert run_cli(["reject", "g-1", "-w", str(tmp_path)]) == ExitCode.USAGE
    assert "no approval gate 'g-1'" in _out(capsys)[1]


def test_a_system_database_elsewhere_is_not_looked_for_in_the_workspace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "shared" / "dbos.sqlite"
    monkeypatch.setenv(SYSTEM_URL_ENV, f"sqlite:///{elsewhere}")
    workspace = tmp_path / "ws"
    assert run_cli(["reject", "g-1", "-w", str(workspace)]) == ExitCode.USAGE
    err = _out(capsys)[1]
    assert "no durable run has used" not in err and "no approval gate 'g-1'" in err
