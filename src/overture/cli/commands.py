"""Attaches every command group to the app: one import per module of commands."""

from __future__ import annotations

from overture.cli import data, runs
from overture.cli.app import app

__all__ = ["app", "runs"]

app.add_typer(data.app, name="data")
