"""The CLI over runs: every command has help, errors map to exit codes, runs can be inspected."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import typer.main

from overture.cli import ExitCode, app, run_cli
from overture.cli.app import DEBUG_ENV
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
        # Help is rendered as Rich markup, where "[default: x]" is a style tag and vanishes.
        for param in getattr(command, "params", []):
            text = str(getattr(param, "help", None) or "")
            assert "[" not in text, f"overture {' '.join(path)}: help of {param.name} loses [..]"
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
        "brief to mailer",
        "outbox: send done",
        "ended reached",
    ):
        assert expected in timeline
    assert run_cli(["replay", run_id, "-w", str(tmp_path)]) == ExitCode.OK
    assert "No divergence" in capsys.readouterr().out


TOY = ["--env", "toy", "--measure", "toy", "--plugin", "toy_plugin:register"]


def test_run_shows_the_objective_and_runs_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["run", "Increase the open rate of our newsletter by 20%", "--yes", *TOY]
    code = run_cli([*args, "-a", "scout", "-a", "mailer", "--no-durable", "-w", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == ExitCode.OK
    assert "Objective as understood" in out
    assert "Increase the open rate (human opens) of 'newsletter' on email by 20%" in out
    assert "reached" in out


def test_a_durable_run_is_followed_live(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["run", "Increase the open rate of our newsletter by 20%", "-y", *TOY, "-a", "scout"]
    code = run_cli([*args, "-a", "mailer", "--budget", "steps=3", "-w", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == ExitCode.OK
    assert "started (resume it with: overture resume" in out
    assert "budget_exhausted" in out


def test_run_refuses_to_start_unconfirmed_without_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_cli(["run", "Increase the open rate of our newsletter by 20%", "-w", str(tmp_path)])
    assert code == ExitCode.USAGE
    assert "--yes" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--budget", "steps"], "not KEY=VALUE"),
        (["--budget", "speed=3"], "unknown budget speed"),
        (["--budget", "steps=-1"], "invalid budget"),
        (["--set", "=x"], "not KEY=VALUE"),
    ],
)
def test_bad_run_options_say_how_to_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    args = ["run", "Increase the open rate of our newsletter by 20%", "-y", *extra]
    assert run_cli([*args, "-w", str(tmp_path)]) == ExitCode.USAGE
    assert message in capsys.readouterr().err


def test_an_unreadable_objective_shows_what_was_understood(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run_cli(["run", "make the newsletter better", "-y", "-w", str(tmp_path)]) == ExitCode.USAGE
    )
    assert "How to fix" in capsys.readouterr().err


def test_an_unexpected_error_is_one_line_and_a_file_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    monkeypatch.delenv(DEBUG_ENV, raising=False)
    args = ["run", "Increase the open rate of our newsletter by 20%", "--yes", "--no-durable"]
    args += ["--env", "broken", "--plugin", "broken_plugin:register", "-w", str(tmp_path)]
    assert run_cli(args) == ExitCode.FAILED
    err = capsys.readouterr().err
    assert "Unexpected error: RuntimeError: the email service's server is down" in err
    assert "Traceback" not in err
    found = re.search(r"traceback is in (\S+?overture-error-\S+?\.txt)", err.replace("\n", ""))
    assert found is not None
    kept = Path(found.group(1))
    assert "Traceback" in kept.read_text() and "_environment" in kept.read_text()
    kept.unlink()
    # With the debug switch the error goes up whole, for a debugger or a bug report.
    monkeypatch.setenv(DEBUG_ENV, "1")
    with pytest.raises(RuntimeError, match="server is down"):
        run_cli(args)
