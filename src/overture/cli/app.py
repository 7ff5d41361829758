"""The ``overture`` command: the Typer app that every command group attaches to."""

from __future__ import annotations

import os
import tempfile
import traceback

import typer
from rich.console import Console
from rich.markup import escape
from typer.exceptions import TyperException

from overture import __version__
from overture.cli.exit_codes import ExitCode, exit_code_for
from overture.exceptions import OvertureError

__all__ = ["DEBUG_ENV", "app", "console", "err_console", "run_cli"]

DEBUG_ENV = "OVERTURE_DEBUG"
"""Set to 1 to let an unexpected error end the command with its traceback."""

console = Console()
err_console = Console(stderr=True)

app = typer.Typer(
    name="overture",
    help="Conduct specialist AI agents toward a measurable marketing objective.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        console.print(f"overture {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Conduct specialist AI agents toward a measurable marketing objective."""


def run_cli(args: list[str]) -> int:
    """Run the CLI on ``args`` and return the exit code; errors are shown, never tracebacks."""
    try:
        result = app(args=args, prog_name="overture", standalone_mode=False)
    except typer.Exit as done:
        return done.exit_code
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("[yellow]Interrupted.[/yellow]")
        return ExitCode.INTERRUPTED
    except TyperException as error:  # bad options or arguments: Typer shows usage and the error
        show = getattr(error, "show", None)
        if callable(show):
            show()
        else:
            err_console.print(f"[red]Error:[/red] {error.format_message()}", highlight=False)
        return ExitCode.USAGE
    except OvertureError as error:
        err_console.print(f"[red]Error:[/red] {escape(str(error))}", highlight=False)
        return exit_code_for(error)
    except Exception as error:
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        return _unexpected(error)
    return result if isinstance(result, int) else ExitCode.OK


def _unexpected(error: Exception) -> int:
    """An error Overture did not foresee (a bug here or in a plugin): said in one line, with
    the traceback kept in a file for the bug report rather than poured on the terminal."""
    with tempfile.NamedTemporaryFile(
        "w", prefix="overture-error-", suffix=".txt", delete=False, encoding="utf-8"
    ) as out:
        out.write("".join(traceback.format_exception(error)))
    err_console.print(
        f"[red]Unexpected error:[/red] {escape(type(error).__name__)}: {escape(str(error))}\n"
        f"This is a bug in Overture or in a plugin. The traceback is in {escape(out.name)} "
        f"(or run again with {DEBUG_ENV}=1). A durable run keeps its progress: "
        "`overture runs` lists it and `overture resume RUN` continues it once fixed.",
        highlight=False,
    )
    return ExitCode.FAILED
