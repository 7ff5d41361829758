"""``overture data ...`` end to end through the CLI, on a workspace in a temp folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from dirty_data import write_csv

from overture.cli import ExitCode, run_cli
from overture.workspace import WORKSPACE_ENV


def _flat(text: str) -> str:
    """Rich wraps long lines: compare on single spaces."""
    return " ".join(text.split())


COMMANDS = ["import", "quality", "resolve", "features", "segments"]


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["data", command, "--help"] if command else ["data", "--help"]
    assert run_cli(args) == ExitCode.OK
    out = _flat(capsys.readouterr().out)
    assert "Usage" in out
    assert "--workspace" in out or not command


def _files(tmp_path: Path) -> tuple[Path, Path]:
    contacts = write_csv(
        tmp_path / "contacts.csv",
        ["contact_id", "email", "first_name", "created_at"],
        [
            ["c1", "ann@x.com", "Ann", "2026-01-01"],
            ["c2", "Ann@X.com", "Ann", "2026-02-01"],
            ["c3", "bob@x.com", "Bob", "2026-02-01"],
            ["c4", "carl@x.com", "Carl", "someday"],
        ],
    )
    events = write_csv(
        tmp_path / "events.csv",
        ["event_id", "contact_id", "campaign_id", "event_type", "occurred_at"],
        [
            ["e1", "c1", "n1", "delivered", "2026-05-01T10:00:00Z"],
            ["e2", "c1", "n1", "opened", "2026-05-01T12:00:00Z"],
            ["e3", "c3", "n1", "delivered", "2026-05-01T10:00:00Z"],
        ],
    )
    return contacts, events


def test_import_to_segments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    contacts, events = _files(tmp_path)
    ws = ["--workspace", str(tmp_path / "ws")]
    assert run_cli(["data", "import", "crm-contacts", str(contacts), *ws]) == ExitCode.OK
    out = _flat(capsys.readouterr().out)
    assert "quarantined" in out
    assert "created_at: cannot read someday" in out
    assert run_cli(["data", "import", "crm-contacts", str(contacts), *ws]) == ExitCode.OK
    assert "already imported" in _flat(capsys.readouterr().out)
    assert run_cli(["data", "import", "email-events", str(events), *ws]) == ExitCode.OK
    assert run_cli(["data", "quality", *ws]) == ExitCode.OK
    out = _flat(capsys.readouterr().out)
    assert "duplicate_emails" in out
    assert "ann@x.com (2 records)" in out
    assert run_cli(["data", "segments", *ws]) == ExitCode.USAGE
    assert "run `overture data features` first" in _flat(capsys.readouterr().err)
    assert run_cli(["data", "resolve", *ws]) == ExitCode.OK
    out = _flat(capsys.readouterr().out)
    assert "3 records → 2 profiles" in out
    assert "Splink skipped" in out
    assert run_cli(["data", "features", *ws]) == ExitCode.OK
    assert "Features for 2 profiles" in _flat(capsys.readouterr().out)
    code = run_cli(
        ["data", "segments", "--define", "readers=f.human_open_rate > 0.5", "--clusters", "2", *ws]
    )
    assert code == ExitCode.OK
    out = _flat(capsys.readouterr().out)
    assert "readers" in out
    assert "2 behavioural clusters" in out
    assert (tmp_path / "ws" / "customers.duckdb").is_file()


def test_explain_a_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    contacts, _ = _files(tmp_path)
    ws = ["--workspace", str(tmp_path / "ws")]
    run_cli(["data", "import", "crm-contacts", str(contacts), *ws])
    run_cli(["data", "resolve", *ws])
    capsys.readouterr()
    from overture.data import CustomerStore

    with CustomerStore(tmp_path / "ws" / "customers.duckdb") as store:
        profile = str(store.scalar("SELECT profile_id FROM identities WHERE contact_id = 'c1'"))
    assert run_cli(["data", "resolve", "--explain", profile, *ws]) == ExitCode.OK
    out = _flat(capsys.readouterr().out)
    assert "same email" in out
    assert "primary:c1" in out
    assert run_cli(["data", "resolve", "--explain", "p-nobody", *ws]) == ExitCode.USAGE


def test_the_workspace_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    contacts, _ = _files(tmp_path)
    monkeypatch.setenv(WORKSPACE_ENV, str(tmp_path / "env-ws"))
    assert run_cli(["data", "import", "crm-contacts", str(contacts)]) == ExitCode.OK
    assert (tmp_path / "env-ws" / "customers.duckdb").is_file()


def test_bad_input_exits_with_usage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    contacts, _ = _files(tmp_path)
    ws = ["--workspace", str(tmp_path / "ws")]
    assert run_cli(["data", "import", "tweets", str(contacts), *ws]) == ExitCode.USAGE
    assert run_cli(["data", "import", "email-events", str(contacts), *ws]) == ExitCode.USAGE
    assert "lacks the required column" in _flat(capsys.readouterr().err)
    code = run_cli(["data", "import", "crm-contacts", str(contacts), "--mapping", "nope", *ws])
    assert code == ExitCode.USAGE
    assert run_cli(["data", "features", *ws]) == ExitCode.USAGE
    run_cli(["data", "import", "crm-contacts", str(contacts), *ws])
    run_cli(["data", "resolve", *ws])
    run_cli(["data", "features", *ws])
    assert run_cli(["data", "segments", "--define", "oops", *ws]) == ExitCode.USAGE


def test_import_with_a_preset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = write_csv(
        tmp_path / "members.csv",
        ["Email Address", "First Name", "OPTIN_TIME", "LEID"],
        [["ann@x.com", "Ann", "2025-03-01 10:00:00", "7"]],
    )
    args = ["data", "import", "crm-contacts", str(export), "--mapping", "mailchimp-audience"]
    assert run_cli([*args, "--workspace", str(tmp_path / "ws")]) == ExitCode.OK
    assert "source mailchimp" in _flat(capsys.readouterr().out)
