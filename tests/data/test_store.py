"""The store's choke point, transactions and migrations."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from overture.data import CustomerStore, StoreError
from overture.data.migrations import MIGRATIONS, applied_versions, apply_migrations
from overture.exceptions import OvertureError


def test_a_failing_statement_carries_its_sql(store: CustomerStore) -> None:
    with pytest.raises(StoreError) as caught:
        store.execute("SELECT no_such_column FROM contacts")
    assert caught.value.sql == "SELECT no_such_column FROM contacts"
    assert "no_such_column" in str(caught.value)
    assert isinstance(caught.value, OvertureError)


def test_store_errors_survive_pickling() -> None:
    error = pickle.loads(pickle.dumps(StoreError("boom", "SELECT 1")))
    assert (error.message, error.sql) == ("boom", "SELECT 1")


def test_the_tracer_sees_every_statement() -> None:
    seen: list[str] = []
    with CustomerStore(tracer=lambda sql, seconds: seen.append(sql)) as store:
        store.execute("SELECT 42")
        store.arrow("SELECT 43 AS answer")
    assert seen[-2:] == ["SELECT 42", "SELECT 43 AS answer"]


def test_long_sql_is_shortened_in_messages() -> None:
    message = str(StoreError("bad", "SELECT " + "x, " * 300 + "y"))
    assert message.endswith("...")
    assert len(message) < 500


def test_a_transaction_that_raises_leaves_nothing(store: CustomerStore) -> None:
    def write_then_fail() -> None:
        with store.transaction():
            store.execute("INSERT INTO segments VALUES ('a', 'a', 'true')")
            with store.transaction():
                store.execute("INSERT INTO segments VALUES ('b', 'b', 'true')")
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert store.count("SELECT count(*) FROM segments") == 0


def test_nested_transactions_commit_once(store: CustomerStore) -> None:
    with store.transaction():
        with store.transaction():
            store.execute("INSERT INTO segments VALUES ('a', 'a', 'true')")
        store.execute("INSERT INTO segments VALUES ('b', 'b', 'true')")
    assert store.count("SELECT count(*) FROM segments") == 2


def test_migrations_are_numbered_applied_once_and_recorded(tmp_path: Path) -> None:
    versions = [m.version for m in MIGRATIONS]
    assert versions == list(range(1, len(versions) + 1))
    path = tmp_path / "ws" / "customers.duckdb"
    with CustomerStore(path) as store:
        assert applied_versions(store) == versions
    with CustomerStore(path) as store:
        assert apply_migrations(store) == []
        assert applied_versions(store) == versions


def test_an_unopenable_file_is_a_store_error(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-db.duckdb"
    bad.write_text("this is not a database")
    with pytest.raises(StoreError, match="cannot open"):
        CustomerStore(bad)


def test_scalar_of_an_empty_result_is_none(store: CustomerStore) -> None:
    assert store.scalar("SELECT 1 WHERE false") is None
    assert store.count("SELECT 1 WHERE false") == 0


def test_memory_is_capped() -> None:
    with CustomerStore(memory_limit="256MB") as store:
        assert store.scalar("SELECT current_setting('memory_limit')") == "244.1 MiB"
