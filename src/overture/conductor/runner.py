"""Running objectives: start, resume and wait for runs, durably (DBOS) or plainly.

This is the library entry point the CLI calls; it owns where the databases are.
"""

from __future__ import annotations

import uuid
from types import TracebackType

from overture.conductor.assemble import build_conductor
from overture.conductor.config import RunConfig
from overture.conductor.durable import DurableEngine
from overture.conductor.steps import PlainSteps
from overture.exceptions import RunError
from overture.ids import RunId
from overture.models import close_loops
from overture.records import Outcome
from overture.runs import RunStore
from overture.workspace import Workspace

__all__ = ["Runner", "new_run_id"]


def new_run_id() -> RunId:
    return RunId(f"run-{uuid.uuid4().hex[:12]}")


class Runner:
    """Runs objectives against one workspace's run store.

    ``durable=True`` (the default) runs every objective as a DBOS workflow: a killed process
    resumes where it stopped. ``durable=False`` runs the same loop in-process without recovery.
    """

    def __init__(
        self,
        workspace: Workspace,
        *,
        durable: bool = True,
        runs_url: str | None = None,
        system_url: str | None = None,
    ) -> None:
        workspace.root.mkdir(parents=True, exist_ok=True)
        self.workspace = workspace
        self.store = RunStore(runs_url or workspace.runs_url)
        self.durable = durable
        self._engine: DurableEngine | None = None
        if durable:
            self._engine = DurableEngine(self.store, system_url or workspace.system_url).launch()

    def start(self, config: RunConfig, run_id: RunId | None = None) -> RunId:
        """Start a run in the background (durable runs only); wait for it with :meth:`wait`."""
        engine = self._require_engine()
        run_id = run_id or new_run_id()
        engine.start(run_id, config)
        return run_id

    def wait(self, run_id: RunId) -> Outcome:
        return self._require_engine().result(run_id)

    def run(self, config: RunConfig, run_id: RunId | None = None) -> tuple[RunId, Outcome]:
        """Run an objective to its outcome."""
        run_id = run_id or new_run_id()
        if self._engine is None:
            conductor = build_conductor(run_id, config, self.store, PlainSteps(self.store))
            return run_id, conductor.run()
        self._engine.start(run_id, config)
        return run_id, self._engine.result(run_id)

    def resume(self, run_id: RunId) -> Outcome:
        """Continue an interrupted run without repeating its completed steps."""
        self.store.run(run_id)  # a clear "no such run" before asking the engine
        return self._require_engine().result(run_id)

    def _require_engine(self) -> DurableEngine:
        if self._engine is None:
            raise RunError("this runner is not durable: start it with durable=True")
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.shutdown()
            self._engine = None
        self.store.engine.dispose()
        close_loops()

    def __enter__(self) -> Runner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
