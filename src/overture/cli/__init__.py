"""The command-line interface: a thin Typer layer over the library, rendered with Rich.

Each command group lives in its own module and is attached in :mod:`overture.cli.commands`.
"""

from __future__ import annotations

import sys

from overture.cli.app import run_cli
from overture.cli.commands import app
from overture.cli.exit_codes import ExitCode

__all__ = ["ExitCode", "app", "main", "run_cli"]


def main() -> None:
    """Entry point of the ``overture`` script."""
    raise SystemExit(run_cli(sys.argv[1:]))
