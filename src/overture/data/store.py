"""The customer store: the one class that owns the DuckDB connection.

Every statement goes through :meth:`CustomerStore.execute`, the single choke point that
times it, logs it, tells any tracer, and turns a DuckDB failure into a :class:`StoreError`
carrying the failing SQL. Opening a store applies the numbered migrations it lacks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TypeAlias

import duckdb

from overture.exceptions import OvertureError

__all__ = ["DEFAULT_MEMORY_LIMIT", "CustomerStore", "Param", "QueryTracer", "Row", "StoreError"]

DEFAULT_MEMORY_LIMIT = "1536MB"
"""DuckDB's working memory; with Python around it, one process stays under 2 GB."""

_log = logging.getLogger("overture.data")

Param: TypeAlias = object
"""A statement parameter: str, int, float, bool, None, datetime, Decimal, list."""
Row: TypeAlias = tuple[object, ...]
QueryTracer: TypeAlias = Callable[[str, float], None]
"""Called after each statement with its SQL and its duration in seconds."""


class StoreError(OvertureError):
    """A statement failed in the customer store. ``sql`` is the statement that failed."""

    def __init__(self, message: str, sql: str = "") -> None:
        super().__init__(message, sql)
        self.message, self.sql = message, sql

    def __str__(self) -> str:
        return f"{self.message}\n  in SQL: {_shorten(self.sql)}" if self.sql else self.message


def _shorten(sql: str, limit: int = 400) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


class CustomerStore:
    """The customer database: one DuckDB file (or memory) and the only path to it.

    Use it as a context manager, or call :meth:`close`. ``tracer`` sees every statement;
    ``memory_limit`` caps DuckDB's memory (it spills to disk beyond).
    """

    def __init__(
        self,
        path: Path | str = ":memory:",
        *,
        tracer: QueryTracer | None = None,
        memory_limit: str = DEFAULT_MEMORY_LIMIT,
    ) -> None:
        from overture.data.migrations import apply_migrations

        target = str(path)
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(target)
        except duckdb.Error as error:
            raise StoreError(f"cannot open the customer store at {target}: {error}") from error
        self.path = target
        self.tracer = tracer
        self._depth = 0
        # Times without an offset in a file are UTC, whatever the machine's zone.
        self.execute("SET TimeZone = 'UTC'")
        # The CLI draws its own progress; DuckDB's bar would write into command output.
        self.execute("SET enable_progress_bar = false")
        # Beyond this DuckDB spills to disk, so a large import stays within a laptop's memory.
        self.execute(f"SET memory_limit = '{memory_limit}'")
        apply_migrations(self)

    def execute(self, sql: str, params: Sequence[Param] | None = None) -> duckdb.DuckDBPyConnection:
        """Run one statement; the result can be fetched from the returned cursor."""
        started = time.perf_counter()
        try:
            # A result left unread would block the connection: finish it first.
            self._con.complete()
            cursor = self._con.execute(sql, list(params) if params is not None else None)
        except duckdb.Error as error:
            _log.debug("failed after %.3fs: %s", time.perf_counter() - started, _shorten(sql))
            raise StoreError(f"the customer store refused a statement: {error}", sql) from error
        elapsed = time.perf_counter() - started
        _log.debug("%.3fs: %s", elapsed, _shorten(sql))
        if self.tracer is not None:
            self.tracer(sql, elapsed)
        return cursor

    def arrow(self, sql: str) -> object:
        """A query's result as a ``pyarrow.Table``, for bulk hand-offs to other connections."""
        started = time.perf_counter()
        try:
            self._con.complete()
            table = self._con.sql(sql).to_arrow_table()
        except duckdb.Error as error:
            raise StoreError(f"the customer store refused a statement: {error}", sql) from error
        elapsed = time.perf_counter() - started
        _log.debug("%.3fs: %s", elapsed, _shorten(sql))
        if self.tracer is not None:
            self.tracer(sql, elapsed)
        return table

    def rows(self, sql: str, params: Sequence[Param] | None = None) -> list[Row]:
        """All rows of a query."""
        return [tuple(row) for row in self.execute(sql, params).fetchall()]

    def scalar(self, sql: str, params: Sequence[Param] | None = None) -> object:
        """The first column of the first row (None when there is no row)."""
        rows = self.execute(sql, params).fetchall()
        return rows[0][0] if rows else None

    def count(self, sql: str, params: Sequence[Param] | None = None) -> int:
        """An integer query result (a count), 0 when empty."""
        value = self.scalar(sql, params)
        return int(value) if isinstance(value, int | float) else 0

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The raw connection, for libraries that need it (Splink, Arrow, NumPy reads)."""
        return self._con

    @contextmanager
    def transaction(self) -> Generator[None]:
        """All or nothing: commit when the block ends, roll back when it raises. Nests."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.execute("BEGIN TRANSACTION")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self.execute("ROLLBACK")
            raise
        self._depth = 0
        self.execute("COMMIT")

    def close(self) -> None:
        """Close the connection; the store cannot be used afterwards."""
        self._con.close()

    def __enter__(self) -> CustomerStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
