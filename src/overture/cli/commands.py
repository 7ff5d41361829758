"""Attaches every command group to the app: one import per module of commands."""

from __future__ import annotations

from overture.cli import runs
from overture.cli.app import app

__all__ = ["app", "runs"]
