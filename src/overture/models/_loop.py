"""One asyncio event loop per thread for model calls, closed when the runner shuts down.

pydantic-ai is async; the conductor's steps are sync and run on DBOS's worker threads. Reusing a
loop per thread is faster than a new loop per call, and closing them all at shutdown leaves no
unclosed loop behind.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["close_loops", "run_coroutine"]

_T = TypeVar("_T")
_local = threading.local()
_loops: list[asyncio.AbstractEventLoop] = []
_lock = threading.Lock()


def run_coroutine(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """Run ``coroutine`` to completion on this thread's loop."""
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _local.loop = loop
        with _lock:
            _loops.append(loop)
    return loop.run_until_complete(coroutine)


def close_loops() -> None:
    """Close every loop created here (call when no model call is in flight)."""
    with _lock:
        loops, _loops[:] = list(_loops), []
    for loop in loops:
        if not loop.is_running():
            loop.close()
