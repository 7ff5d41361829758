"""Attaches every command group to the app: one import per module of commands."""

from __future__ import annotations

from overture.cli import bench as bench_commands
from overture.cli import data, demo, runs
from overture.cli import governance as governance_commands
from overture.cli import observe as observe_commands
from overture.cli import sim as sim_commands
from overture.cli.app import app

__all__ = ["app", "demo", "governance_commands", "observe_commands", "runs"]

app.add_typer(data.app, name="data")
app.add_typer(sim_commands.app, name="sim")
app.add_typer(bench_commands.app, name="bench")
app.add_typer(governance_commands.audit_app, name="audit")
app.add_typer(governance_commands.policy_app, name="policy")
