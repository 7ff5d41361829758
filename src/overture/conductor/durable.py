"""Durable runs on DBOS: the conductor's loop as a workflow, its steps as DBOS steps.

The loop itself knows nothing of DBOS; :class:`DurableSteps` makes each model call and agent
dispatch a recorded step. Event writes are steps too, idempotent by sequence number; outbox rows
are written in a datasource transaction, which DBOS records in the same commit as its own
checkpoint, so a crash never writes an outbox row twice.

DBOS's application version is pinned to :data:`CONDUCTOR_VERSION`: recovery only picks up
workflows of the running version, so upgrading Overture must not orphan runs under way. Change
it only when the loop's sequence of steps changes shape.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar, TypeVar, cast

import sqlalchemy as sa
from dbos import DBOS, SetWorkflowID, WorkflowHandle
from dbos._datasource import SQLAlchemyDatasource
from sqlalchemy.orm import Session

from overture.clock import Clock, VirtualClock
from overture.conductor.assemble import build_conductor
from overture.conductor.config import RunConfig
from overture.exceptions import RunError
from overture.ids import RunId
from overture.records import Outcome
from overture.runs import RunStore, create_engine

__all__ = ["CONDUCTOR_VERSION", "DurableEngine", "DurableSteps"]

CONDUCTOR_VERSION = "overture-conductor-1"
"""DBOS application version of every run; see the module docstring before changing it."""

_R = TypeVar("_R")


class DurableSteps:
    """Steps recorded by DBOS: completed ones are not run again after a crash."""

    def __init__(self, datasource: SQLAlchemyDatasource, store: RunStore) -> None:
        self._ds = datasource
        self._store = store

    def step(self, name: str, fn: Callable[[], _R]) -> _R:
        return DBOS.run_step({"name": name}, fn)

    def record(self, name: str, fn: Callable[[Session], _R]) -> _R:
        def body() -> _R:
            with self._store.transaction() as session:
                return fn(session)

        return DBOS.run_step({"name": name}, body)

    def transaction(self, name: str, fn: Callable[[Session], _R]) -> _R:
        # A datasource transaction: DBOS records the step in the same commit as fn's writes.
        ds = self._ds
        return ds.run_tx_step({"name": name}, lambda: fn(ds.sql_session()))

    def wait_until(self, clock: Clock, moment: datetime) -> None:
        if isinstance(clock, VirtualClock):
            clock.wait_until(moment)  # simulated time: an instant jump, replayed identically
            return
        seconds = (moment - clock.now()).total_seconds()
        if seconds > 0:
            DBOS.sleep(seconds)  # durable: the remaining time survives a crash

    def wait_for_message(self, topic: str, timeout_seconds: float) -> str | None:
        message = DBOS.recv(topic, timeout_seconds=max(timeout_seconds, 0.0))
        return message if isinstance(message, str) else None


@DBOS.workflow(name="overture.conduct")
def _conduct(run_id: str, config_json: str) -> str:
    engine = DurableEngine.active
    if engine is None:  # pragma: no cover - DBOS only runs workflows after launch()
        raise RunError("the durable engine is not running", run_id)
    config = RunConfig.model_validate_json(config_json)
    steps = DurableSteps(engine.datasource, engine.store)
    conductor = build_conductor(RunId(run_id), config, engine.store, steps)
    return conductor.run().model_dump_json()


def _drop_closed_log_streams() -> None:
    """DBOS keeps the stderr it first logged to and flushes it on every launch; when that
    stream has since been closed (a finished CLI invocation in the same process), drop it."""
    for logger in (logging.getLogger("dbos"), logging.getLogger()):
        for handler in list(logger.handlers):
            stream = getattr(handler, "stream", None)
            if stream is not None and getattr(stream, "closed", False):
                logger.removeHandler(handler)


class DurableEngine:
    """DBOS launched on a run store and a system database. One per process."""

    active: ClassVar[DurableEngine | None] = None
    """The launched engine; DBOS itself is one per process, so this is too."""

    def __init__(self, store: RunStore, system_url: str, *, executor_id: str = "local") -> None:
        self.store = store
        self.system_url = system_url
        self._executor_id = executor_id
        self._system_engine: sa.Engine | None = None
        self._handles: dict[str, WorkflowHandle[str]] = {}
        self.datasource: SQLAlchemyDatasource

    def launch(self) -> DurableEngine:
        if DurableEngine.active is not None:
            raise RunError("a durable engine is already running in this process")
        config: dict[str, Any] = {
            "name": "overture",
            "system_database_url": self.system_url,
            "application_version": CONDUCTOR_VERSION,
            "executor_id": self._executor_id,
            "notification_listener_polling_interval_sec": 0.1,
            "enable_otlp": False,
            "log_level": "WARNING",
            "max_executor_threads": 128,
        }
        if self.system_url.startswith("sqlite"):
            self._system_engine = create_engine(self.system_url)
            config["system_database_engine"] = self._system_engine
        _drop_closed_log_streams()
        DBOS(config=cast(Any, config))
        self.datasource = SQLAlchemyDatasource.create(self.store.url, engine=self.store.engine)
        DurableEngine.active = self
        DBOS.launch()
        return self

    def start(self, run_id: RunId, config: RunConfig) -> None:
        """Start the run in the background; :meth:`result` waits for it."""
        with SetWorkflowID(run_id):
            self._handles[run_id] = DBOS.start_workflow(_conduct, run_id, config.model_dump_json())

    def result(self, run_id: RunId) -> Outcome:
        """Wait for the run to end and return its outcome (resuming it if it had failed)."""
        started = self._handles.pop(run_id, None)
        if started is not None:  # started here: wait on it directly rather than by polling
            return Outcome.model_validate_json(started.get_result())
        status = DBOS.get_workflow_status(run_id)
        if status is None:
            raise RunError(f"the run '{run_id}' was never started durably", run_id)
        if status.status in ("ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"):
            handle = DBOS.resume_workflow(run_id)
        else:
            handle = DBOS.retrieve_workflow(run_id)
        return Outcome.model_validate_json(cast(str, handle.get_result()))

    def shutdown(self) -> None:
        DBOS.destroy(destroy_registry=False)
        if self._system_engine is not None:
            self._system_engine.dispose()
        DurableEngine.active = None
