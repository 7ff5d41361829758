"""``overture approvals | approve | reject | audit verify | audit export | policy check``.

Approval gates a person answers, the audit log a compliance officer checks, and the policy
file a marketer edits.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from overture.cli.app import app, console
from overture.cli.exit_codes import ExitCode
from overture.clock import WallClock
from overture.exceptions import UsageError
from overture.governance import (
    ApprovalBook,
    AuditLog,
    dbos_sender,
    governance_engine,
    load_policy,
)
from overture.workspace import WORKSPACE_ENV, Workspace, resolve_workspace

__all__ = [
    "approvals",
    "approve",
    "audit_app",
    "audit_export",
    "audit_verify",
    "policy_app",
    "policy_check",
    "reject",
]

audit_app = typer.Typer(
    help="The hash-chained audit log: verify it, export it.", no_args_is_help=True
)
policy_app = typer.Typer(help="Governance policy files.", no_args_is_help=True)

WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        envvar=WORKSPACE_ENV,
        help="Workspace folder (default: $OVERTURE_WORKSPACE or .overture)",
    ),
]
NoteOption = Annotated[str, typer.Option("--note", "-n", help="Why: kept with the decision.")]
ByOption = Annotated[
    str | None, typer.Option("--by", help="Who decides (default: the current user).")
]


def _runs_url(workspace: Workspace) -> str:
    workspace.root.mkdir(parents=True, exist_ok=True)
    return workspace.runs_url


def _book(workspace: Workspace) -> ApprovalBook:
    return ApprovalBook(governance_engine(_runs_url(workspace)))


@app.command()
def approvals(
    everything: Annotated[
        bool, typer.Option("--all", help="Also list answered and expired gates.")
    ] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """List the approval gates runs are waiting on."""
    book = _book(resolve_workspace(workspace))
    now = WallClock().now()
    gates = book.all() if everything else book.waiting(now)
    if not gates:
        console.print("No run is waiting for an approval." if not everything else "No gates.")
        return
    # One block per gate rather than a table: an id must stay whole to be copied.
    for gate in gates:
        status = gate.status if gate.status != "pending" or gate.open_at(now) else "expired"
        decided = f" by {gate.decided_by}" if gate.decided_by else ""
        console.print(f"[bold]{gate.approval_id}[/bold]", soft_wrap=True, highlight=False)
        console.print(
            f"  run {gate.run_id} · {gate.agent} → {gate.tool} · {status}{decided}\n"
            f"  why: {gate.reason} ({', '.join(gate.rules)})\n"
            f"  answer by {gate.answer_by:%Y-%m-%d %H:%M} UTC, or it is a rejection",
            highlight=False,
            markup=False,
        )


def _decide(approval_id: str, approved: bool, note: str, by: str | None, ws: Path | None) -> None:
    workspace = resolve_workspace(ws)
    if workspace.local_system and not workspace.dbos_db.is_file():
        raise UsageError(
            f"no durable run has used the workspace {workspace.root}",
            "pass the workspace the run uses with --workspace",
        )
    gate = _book(workspace).decide(
        approval_id,
        approved=approved,
        note=note,
        decided_by=by or getpass.getuser(),
        clock=WallClock(),
        send=dbos_sender(workspace.system_url),
    )
    verb = "Approved" if approved else "Rejected"
    console.print(f"{verb} {gate.approval_id}: run {gate.run_id} goes on.")


@app.command()
def approve(
    approval_id: Annotated[str, typer.Argument(help="The gate to approve (see: approvals).")],
    note: NoteOption = "",
    by: ByOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Approve a gate: the waiting run takes the action."""
    _decide(approval_id, True, note, by, workspace)


@app.command()
def reject(
    approval_id: Annotated[str, typer.Argument(help="The gate to reject (see: approvals).")],
    note: NoteOption = "",
    by: ByOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Reject a gate: the waiting run does not take the action."""
    _decide(approval_id, False, note, by, workspace)


@audit_app.command("verify")
def audit_verify(workspace: WorkspaceOption = None) -> int:
    """Recompute the hash chain: find any edited, deleted or reordered entry."""
    report = AuditLog(governance_engine(_runs_url(resolve_workspace(workspace)))).verify()
    if report.ok:
        console.print(
            f"[green]The audit log is intact:[/green] {report.entries} entries, "
            f"head {report.head_hash}"
        )
        return ExitCode.OK
    console.print(f"[red]The audit log was tampered with[/red] ({len(report.problems)} problems):")
    for problem in report.problems:
        console.print(f"  {problem}", highlight=False, markup=False)
    return ExitCode.FAILED


@audit_app.command("export")
def audit_export(
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="csv or json.", case_sensitive=False)
    ] = "csv",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Export every audit entry, for a compliance officer."""
    chosen = fmt.lower()
    if chosen not in ("csv", "json"):
        raise UsageError(f"unknown format '{fmt}'", "use --format csv or --format json")
    kind: Literal["csv", "json"] = "csv" if chosen == "csv" else "json"
    log = AuditLog(governance_engine(_runs_url(resolve_workspace(workspace))))
    if output is None:
        log.export(sys.stdout, kind)
        return
    with output.open("w", encoding="utf-8", newline="") as out:
        count = log.export(out, kind)
    console.print(f"{count} entries written to {output}")


@policy_app.command("check")
def policy_check(
    file: Annotated[Path, typer.Argument(help="The policy file (TOML) to validate.")],
) -> None:
    """Validate a policy file: errors name the line, the key and the fix."""
    policy = load_policy(file)
    console.print(
        f"[green]{file} is a valid policy[/green]: {len(policy.access.allow)} allow and "
        f"{len(policy.access.deny)} deny access rules, at most "
        f"{policy.sends.max_per_contact_per_week} sends per contact per week, "
        f"approval over {policy.approvals.audience_over} contacts.",
        highlight=False,
    )
