"""The 'sim' and 'bench' command groups: help everywhere, thin commands that work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer.main

from overture.cli import ExitCode, app, run_cli


def _group(name: str) -> object:
    root = typer.main.get_command(app)
    return dict(getattr(root, "commands", {}))[name]


@pytest.mark.parametrize("group", ["sim", "bench"])
def test_every_command_has_help(group: str, capsys: pytest.CaptureFixture[str]) -> None:
    commands = dict(getattr(_group(group), "commands", {}))
    assert commands
    assert run_cli([group, "--help"]) == ExitCode.OK
    for name, command in commands.items():
        assert getattr(command, "help", None), f"overture {group} {name} has no help"
        assert run_cli([group, name, "--help"]) == ExitCode.OK
        assert "Usage" in capsys.readouterr().out


def test_sim_scenarios_and_calibrate(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["sim", "scenarios"]) == ExitCode.OK
    assert "privacy_heavy" in capsys.readouterr().out
    assert run_cli(["sim", "calibrate", "default", "--contacts", "2000"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "oracle lift" in out and "machine open share" in out


def test_sim_generate_writes_import_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_cli(
        ["sim", "generate", "default", "--out", str(tmp_path), "--contacts", "300", "--weeks", "2"]
    )
    assert code == ExitCode.OK
    assert {p.name for p in tmp_path.iterdir()} == {
        "crm-contacts.csv",
        "consents.csv",
        "email-events.csv",
        "purchases.csv",
    }
    assert "email-events" in capsys.readouterr().out


def test_bad_scenarios_are_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["sim", "generate", "nope", "--out", str(tmp_path)]) == ExitCode.USAGE
    assert "no scenario named 'nope'" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "default"\n[fatigue]\nstrenght = 1\n', encoding="utf-8")
    assert run_cli(["sim", "calibrate", str(bad)]) == ExitCode.USAGE
    assert "fatigue.strenght" in capsys.readouterr().err
    assert run_cli(["bench", "outcome", "--policy", "nope"]) == ExitCode.USAGE


def test_bench_outcome(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(
        [
            "bench",
            "outcome",
            "-s",
            "default",
            "--seeds",
            "1",
            "--contacts",
            "500",
            "--cycles",
            "1",
            "--warmup",
            "1",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == ExitCode.OK
    out = capsys.readouterr().out
    assert "oracle" in out and "static" in out
    assert json.loads((tmp_path / "outcome.json").read_text(encoding="utf-8"))["cycles"] == 1
