"""The one place where errors and outcomes become process exit codes."""

from __future__ import annotations

from enum import IntEnum

from overture.exceptions import OvertureError, RunError, RunNotFound, UsageError

__all__ = ["ExitCode", "exit_code_for"]


class ExitCode(IntEnum):
    OK = 0
    """The command did what was asked (a run that ended, whatever its outcome)."""
    FAILED = 1
    """An unexpected error."""
    USAGE = 2
    """Bad input: the message says how to fix it."""
    NOT_FOUND = 3
    """The run or object named does not exist."""
    RUN_ERROR = 4
    """A run could not go on."""
    REPLAY_DIVERGED = 5
    """Replay re-derived a decision that differs from the log."""
    DECLINED = 6
    """The person declined at a confirmation prompt; nothing was done."""
    INTERRUPTED = 130


def exit_code_for(error: BaseException) -> ExitCode:
    """Map an exception to the exit code the CLI returns."""
    if isinstance(error, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    if isinstance(error, UsageError):
        return ExitCode.USAGE
    if isinstance(error, RunNotFound):
        return ExitCode.NOT_FOUND
    if isinstance(error, RunError):
        return ExitCode.RUN_ERROR
    if isinstance(error, OvertureError):
        return ExitCode.FAILED
    return ExitCode.FAILED
