"""``overture traces | kpis | report`` on a finished run; every command has help."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from overture.cli import ExitCode, run_cli
from overture.conductor import Runner

ToyRun = Callable[..., str]


@pytest.mark.parametrize("command", ["traces", "kpis", "report"])
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli([command, "--help"]) == ExitCode.OK
    assert "Usage" in capsys.readouterr().out


def test_traces_of_a_run(
    runner: Runner, toy_run: ToyRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id = toy_run()
    capsys.readouterr()
    assert run_cli(["traces", run_id, "-w", str(tmp_path)]) == ExitCode.OK
    out = capsys.readouterr().out
    assert f"run {run_id}" in out and "chat offline" in out and "invoke_agent" in out
    assert run_cli(["traces", run_id, "--kind", "tool", "-w", str(tmp_path)]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "execute_tool send" in out and "chat offline" not in out


def test_traces_of_an_untraced_or_unknown_run(
    runner: Runner,
    toy_run: ToyRun,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OVERTURE_TRACES", "off")
    run_id = toy_run()
    capsys.readouterr()
    assert run_cli(["traces", run_id, "-w", str(tmp_path)]) == ExitCode.OK
    assert "No spans recorded" in capsys.readouterr().out
    assert run_cli(["traces", "run-nope", "-w", str(tmp_path)]) == ExitCode.NOT_FOUND
    assert run_cli(["kpis", "run-nope", "-w", str(tmp_path)]) == ExitCode.NOT_FOUND
    assert run_cli(["report", "run-nope", "-w", str(tmp_path)]) == ExitCode.NOT_FOUND


def test_kpis_of_a_run_and_over_runs(
    runner: Runner, toy_run: ToyRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id = toy_run(agents=("scout", "spinner", "mailer"))
    capsys.readouterr()
    assert run_cli(["kpis", run_id, "--send-price", "0.001", "-w", str(tmp_path)]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "hallucination rate" in out and "0.0%" in out and "$0.40" in out
    assert "spinner" in out and "no charge" in out
    assert run_cli(["kpis", run_id, "--json", "-w", str(tmp_path)]) == ExitCode.OK
    data = json.loads(capsys.readouterr().out)
    assert data["run_id"] == run_id and data["replans"] == 1
    assert run_cli(["kpis", "-w", str(tmp_path)]) == ExitCode.OK
    assert "objectives reached 100.0% (1/1 ended)" in capsys.readouterr().out
    assert run_cli(["kpis", "--json", "-w", str(tmp_path)]) == ExitCode.OK
    assert json.loads(capsys.readouterr().out)["reached"] == 1


def test_kpis_over_no_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["kpis", "-w", str(tmp_path)]) == ExitCode.OK
    assert "0 runs" in capsys.readouterr().out


def test_kpis_and_report_show_unsupported_claims(
    runner: Runner, toy_run: ToyRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id = toy_run(agents=("scout", "fabler", "mailer"))
    capsys.readouterr()
    assert run_cli(["kpis", run_id, "-w", str(tmp_path)]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "unsupported #" in out and "'31.7%'" in out and "fabler" in out
    path = tmp_path / "r.md"
    assert run_cli(["report", run_id, "-f", "md", "-o", str(path), "-w", str(tmp_path)]) == 0
    assert "| fabler | agent text | 31.7% |" in path.read_text()


def test_report_command(
    runner: Runner, toy_run: ToyRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id = toy_run()
    out = tmp_path / "reports" / "r.md"
    assert run_cli(["report", run_id, "-f", "md", "-o", str(out), "-w", str(tmp_path)]) == 0
    assert out.read_text().startswith(f"# Overture run {run_id}")
    assert run_cli(["report", run_id, "--format", "pdf", "-w", str(tmp_path)]) == ExitCode.USAGE


def test_report_defaults_to_html_named_after_the_run(
    runner: Runner,
    toy_run: ToyRun,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run_id = toy_run()
    monkeypatch.chdir(tmp_path)
    assert run_cli(["report", run_id, "-w", str(tmp_path)]) == ExitCode.OK
    assert (tmp_path / f"{run_id}.html").stat().st_size > 1_000_000
    assert "report written to" in capsys.readouterr().out
