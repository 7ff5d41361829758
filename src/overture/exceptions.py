"""The one error tree of Overture.

    OvertureError
    ├── UsageError            the person's input is wrong; the message ends with how to fix it
    │   ├── ObjectiveParseError   a goal sentence Overture could not read
    │   ├── ConfigError           a configuration or scenario file is invalid (file, line, key)
    │   └── RegistryError         a plugin, agent, tool, model or channel is missing or malformed
    ├── RunError              a run could not go on; carries the run (and step) it happened in
    │   ├── RunNotFound           no run with that id in the run store
    │   └── ReplayDivergence      re-deriving a decision from the log gave a different answer
    └── ControlSignal         not failures: the conductor reacts to them
        ├── Replan                the plan must be rebuilt (stall, loop)
        └── BudgetExhausted       a budget ran out; carries which one and how far the run got

Errors raised inside durable steps are stored by DBOS, so every error keeps its fields in
``args`` and survives pickling.
"""

from __future__ import annotations

__all__ = [
    "BudgetExhausted",
    "ConfigError",
    "ControlSignal",
    "ObjectiveParseError",
    "OvertureError",
    "RegistryError",
    "Replan",
    "ReplayDivergence",
    "RunError",
    "RunNotFound",
    "UsageError",
]


class OvertureError(Exception):
    """Root of every error Overture raises on purpose."""


class UsageError(OvertureError):
    """The input is wrong. ``fix`` says what to do about it."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message, fix)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message}\n  How to fix: {self.fix}" if self.fix else self.message


class ObjectiveParseError(UsageError):
    """A goal sentence could not be read. ``understood`` lists what was recognised."""

    def __init__(self, message: str, fix: str = "", understood: dict[str, str] | None = None):
        super().__init__(message, fix)
        self.args = (message, fix, understood)
        self.understood: dict[str, str] = dict(understood or {})


class ConfigError(UsageError):
    """A file is invalid. Names the file, and the line and key where known."""

    def __init__(
        self,
        message: str,
        fix: str = "",
        *,
        file: str = "",
        line: int | None = None,
        key: str = "",
    ) -> None:
        where = file + (f":{line}" if line is not None else "") + (f" [{key}]" if key else "")
        super().__init__(f"{where}: {message}" if where else message, fix)
        self.args = (message, fix)
        self.file, self.line, self.key = file, line, key

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_config_error, (self.message, self.fix, self.file, self.line, self.key))


def _rebuild_config_error(
    message: str, fix: str, file: str, line: int | None, key: str
) -> ConfigError:
    # The stored message already carries the location prefix; rebuild from the parts.
    error = ConfigError.__new__(ConfigError)
    UsageError.__init__(error, message, fix)
    error.file, error.line, error.key = file, line, key
    return error


class RegistryError(UsageError):
    """A plugin, agent, tool, model or channel is missing or breaks a registration rule."""


class RunError(OvertureError):
    """A run could not go on."""

    def __init__(self, message: str, run_id: str = "", step: int | None = None) -> None:
        super().__init__(message, run_id, step)
        self.message, self.run_id, self.step = message, run_id, step

    def __str__(self) -> str:
        where = f" (run {self.run_id}" + (f", step {self.step})" if self.step is not None else ")")
        return self.message + (where if self.run_id else "")


class RunNotFound(RunError):
    """No run with that id exists in the run store."""


class ReplayDivergence(RunError):
    """A decision re-derived from the event log differs from the recorded one."""


class ControlSignal(OvertureError):
    """Raised to steer the conductor, not to report a failure."""


class Replan(ControlSignal):
    """The plan must be rebuilt; ``reason`` says why (stall, loop)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BudgetExhausted(ControlSignal):
    """A budget ran out. ``budget`` names it; ``used`` and ``limit`` say by how much."""

    def __init__(self, budget: str, used: float, limit: float) -> None:
        super().__init__(budget, used, limit)
        self.budget, self.used, self.limit = budget, used, limit

    def __str__(self) -> str:
        return f"budget '{self.budget}' exhausted: used {self.used:g} of {self.limit:g}"
