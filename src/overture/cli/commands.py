"""Attaches every command group to the app: one import and one line per group."""

from __future__ import annotations

from overture.cli.app import app

__all__ = ["app"]
