"""Time for Overture: the one place that reads or waits for it.

Live runs use :class:`WallClock`; simulated runs use :class:`VirtualClock`, where waiting three
days for opens to mature is an instant jump. Workflows never call ``datetime.now()`` directly,
so replay and durable recovery see the same times.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "VirtualClock", "WallClock", "utc"]


def utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime; a naive value is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@runtime_checkable
class Clock(Protocol):
    """Tells the time and waits until a moment."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def wait_until(self, moment: datetime) -> None:
        """Return once ``moment`` has come."""
        ...


class WallClock:
    """The real time. Waiting sleeps the process (durable sleeps go through DBOS instead)."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def wait_until(self, moment: datetime) -> None:
        remaining = (utc(moment) - self.now()).total_seconds()
        if remaining > 0:
            time.sleep(remaining)


class VirtualClock:
    """Simulated time: starts where told and only moves when waited on or advanced."""

    def __init__(self, start: datetime) -> None:
        self._now = utc(start)

    def now(self) -> datetime:
        return self._now

    def wait_until(self, moment: datetime) -> None:
        self._now = max(self._now, utc(moment))

    def advance(self, delta: timedelta) -> None:
        """Move time forward by ``delta`` (never backward)."""
        if delta < timedelta(0):
            raise ValueError("a clock does not go backward")
        self._now += delta
