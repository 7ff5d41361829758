"""The SQL builders are pure: check what they produce by running it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from overture.data import CustomerStore, sql

_TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"))
_SHARED = CustomerStore()  # one store for every example: opening one per example is slow


@given(_TEXT)
def test_literals_round_trip(value: str) -> None:
    assert _SHARED.scalar(f"SELECT {sql.literal(value)}") == value


@given(_TEXT.filter(lambda s: s != ""))
def test_identifiers_round_trip(name: str) -> None:
    cursor = _SHARED.execute(f"SELECT 1 AS {sql.ident(name)}")
    assert cursor.description is not None
    assert cursor.description[0][0] == name
    assert cursor.fetchall() == [(1,)]


def test_email_normalization(store: CustomerStore) -> None:
    def norm(value: str | None) -> object:
        text = "NULL" if value is None else sql.literal(value)
        return store.scalar(f"SELECT {sql.normalized_email(text)}")

    assert norm("  Ann@Example.COM ") == "ann@example.com"
    assert norm("J.Smith+news@GoogleMail.com") == "jsmith@gmail.com"
    assert norm("j.smith+news@example.com") == "j.smith+news@example.com"
    assert norm("   ") is None
    assert norm(None) is None


def test_value_problems_name_the_field_and_the_value(store: CustomerStore) -> None:
    text = sql.literal("maybe")
    typed = sql.typed_value(text, "VARCHAR", None)
    checks = sql.value_problem(
        "status", text, typed, required=True, sql_type="VARCHAR", choices=("given", "withdrawn")
    )
    reasons = [store.scalar(f"SELECT CASE WHEN {c} THEN {r} END") for c, r in checks]
    assert reasons == [None, "status: unknown value maybe (expected one of given, withdrawn)"]


def test_typed_values_by_format(store: CustomerStore) -> None:
    def read(text: str, text_format: str | None) -> str:
        value = sql.typed_value(sql.literal(text), "TIMESTAMPTZ", text_format)
        return str(store.scalar(f"SELECT {value}"))

    assert read("1700000000", "epoch") == "2023-11-14 22:13:20+00:00"
    assert read("1700000000000", "epoch_ms") == "2023-11-14 22:13:20+00:00"
    assert read("05/01/2026", "%d/%m/%Y") == "2026-01-05 00:00:00+00:00"
    assert read("soon", None) == "None"


def test_text_values_map_and_blank(store: CustomerStore) -> None:
    store.execute("CREATE TABLE t (v VARCHAR)")
    store.execute("INSERT INTO t VALUES ('open'), ('  '), ('click'), (NULL)")
    mapped = sql.text_value("v", None, {"open": "opened"})
    assert [r[0] for r in store.rows(f"SELECT {mapped} FROM t")] == [
        "opened",
        None,
        "click",
        None,
    ]
    assert store.scalar(f"SELECT {sql.text_value(None, 'email', {})}") == "email"
    assert store.scalar(f"SELECT {sql.text_value(None, None, {})}") is None
    assert sql.struct_text([]) == "''"
