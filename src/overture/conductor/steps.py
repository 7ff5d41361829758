"""How the conductor runs its steps: plainly in tests, as DBOS steps in a durable run.

The loop talks to this small interface only, so the same loop runs with or without the
workflow engine; durability is added by wrapping, not by forking the loop.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from overture.clock import Clock
from overture.runs import RunStore

__all__ = ["PlainSteps", "Steps"]

R = TypeVar("R")


class Steps(Protocol):
    def step(self, name: str, fn: Callable[[], R]) -> R:
        """Run ``fn``; in a durable run its result is recorded and not recomputed on recovery."""
        ...

    def record(self, name: str, fn: Callable[[Session], R]) -> R:
        """Run ``fn`` in one transaction on the run store, as a step. ``fn``'s writes must be
        idempotent (events keyed by sequence number, updates guarded by state): a crash after
        the commit and before the step's checkpoint runs it again."""
        ...

    def transaction(self, name: str, fn: Callable[[Session], R]) -> R:
        """Run ``fn`` in one transaction on the run store, exactly once, even across a crash
        right after the commit: for writes that must not be repeated (outbox rows)."""
        ...

    def wait_until(self, clock: Clock, moment: datetime) -> None:
        """Wait until ``moment`` on ``clock`` (durably when the clock is real)."""
        ...

    def wait_for_message(self, topic: str, timeout_seconds: float) -> str | None:
        """A message sent to this run on ``topic`` within the timeout, or None (durable)."""
        ...


class PlainSteps:
    """Steps run directly: no recovery, same semantics otherwise."""

    def __init__(self, store: RunStore, messages: dict[str, str] | None = None) -> None:
        self._store = store
        self.messages: dict[str, str] = dict(messages or {})

    def step(self, name: str, fn: Callable[[], R]) -> R:
        return fn()

    def record(self, name: str, fn: Callable[[Session], R]) -> R:
        with self._store.transaction() as session:
            return fn(session)

    def transaction(self, name: str, fn: Callable[[Session], R]) -> R:
        return self.record(name, fn)

    def wait_until(self, clock: Clock, moment: datetime) -> None:
        clock.wait_until(moment)

    def wait_for_message(self, topic: str, timeout_seconds: float) -> str | None:
        """A plain run cannot wait for people: only messages given up front are seen, so an
        approval gate without one ends as a rejection, never as a send."""
        return self.messages.pop(topic, None)
