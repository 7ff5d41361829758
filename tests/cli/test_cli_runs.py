"""The CLI over runs: every command has help, errors map to exit codes, runs can be inspected."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import typer.main

from overture.cli import ExitCode, app, run_cli
from overture.conductor import Runner
from overture.workspace import Workspace

sys.path.insert(0, str(Path(__file__).parents[1] / "conductor"))
from conftest import toy_config


def _subcommands(command: object) -> dict[str, object]:
    return dict(getattr(command, "commands", {}))


def _commands(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in _subcommands(group).items():
        path = (*prefix, name)
        found.append(path)
        found.extend(_commands(command, path))
    return found


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    root = typer.main.get_command(app)
    commands = _commands(root)
    assert {("run",), ("runs",), ("show",), ("resume",), ("replay",)} <= set(commands)
    for path in commands:
        command: object = root
        for name in path:
            command = _subcommands(command)[name]
        assert getattr(command, "help", None), f"overture {' '.join(path)} has no help text"
        assert run_cli([*path, "--help"]) == ExitCode.OK
        assert "Usage" in capsys.readouterr().out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["--version"]) == ExitCode.OK
    assert capsys.readouterr().out.startswith("overture ")


def test_unknown_run_is_not_found(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["show", "run-nope", "-w", str(tmp_path)]) == ExitCode.NOT_FOUND
    assert "no run 'run-nope'" in capsys.readouterr().err


def test_bad_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["runs", "--limit", "many"]) == ExitCode.USAGE


def test_runs_show_and_replay_a_finished_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Runner(Workspace(tmp_path), durable=False) as runner:
        run_id, _ = runner.run(toy_config(tmp_path))
    assert run_cli(["runs", "-w", str(tmp_path)]) == ExitCode.OK
    listing = capsys.readouterr().out
    assert run_id in listing and "reached" in listing
    assert run_cli(["show", run_id, "-w", str(tmp_path)]) == ExitCode.OK
    timeline = capsys.readouterr().out
    for expected in (
        "plan (initial plan)",
        "brief to sender",
        "outbox: send done",
        "ended reached",
    ):
        assert expected in timeline
    assert run_cli(["replay", run_id, "-w", str(tmp_path)]) == ExitCode.OK
    assert "No divergence" in capsys.readouterr().out
