"""The audit chain: appends are chained and idempotent; any edit, deletion or reordering shows."""

from __future__ import annotations

import csv
import io
import json
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from governance_support import NOW
from hypothesis import given, settings
from hypothesis import strategies as st

from overture.governance import AuditLog
from overture.governance.audit import GENESIS, entry_hash
from overture.governance.tables import prepare

EDIT = "UPDATE governance_audit SET"


def _fill(log: AuditLog, n: int = 5) -> None:
    for i in range(n):
        log.append(
            actor=f"agent:a{i}",
            action="propose:send",
            at=NOW + timedelta(minutes=i),
            run_id="run-1",
            rule=f"rule-{i}",
            evidence={"audience": i, "note": "ünïcode"},
        )


def _sql(engine: sa.Engine, statement: str) -> None:
    with engine.begin() as connection:
        connection.execute(sa.text(statement))


def test_entries_chain_from_the_genesis(engine: sa.Engine) -> None:
    log = AuditLog(engine)
    _fill(log, 3)
    entries = list(log.entries())
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS
    assert entries[1].prev_hash == entries[0].hash
    report = log.verify()
    assert report.ok and report.entries == 3 and report.head_hash == entries[-1].hash


def test_an_empty_log_is_intact(engine: sa.Engine) -> None:
    report = AuditLog(engine).verify()
    assert report.ok and report.entries == 0 and report.head_hash == GENESIS


def test_an_append_with_a_known_key_is_the_same_entry(engine: sa.Engine) -> None:
    log = AuditLog(engine)
    first = log.append(actor="guard:email", action="send", at=NOW, key="k")
    again = log.append(actor="guard:email", action="send", at=NOW + timedelta(hours=1), key="k")
    assert first == again
    assert len(list(log.entries())) == 1


@pytest.mark.parametrize(
    ("statement", "words"),
    [
        (f"{EDIT} rule = 'nothing to see' WHERE seq = 2", "entry 2: its content"),
        (f"{EDIT} evidence = '{{\"audience\": 999}}' WHERE seq = 3", "entry 3: its content"),
        (f"{EDIT} actor = 'person:mallory' WHERE seq = 5", "entry 5: its content"),
        ("DELETE FROM governance_audit WHERE seq = 3", "expected entry 3"),
        ("DELETE FROM governance_audit WHERE seq = 5", "cut off the end"),
        ("DELETE FROM governance_audit", "cut off the end"),
        ("UPDATE governance_audit_head SET seq = 4", "head records entry 4"),
    ],
)
def test_tampering_is_found(engine: sa.Engine, statement: str, words: str) -> None:
    log = AuditLog(engine)
    _fill(log)
    _sql(engine, statement)
    report = log.verify()
    assert not report.ok
    assert any(words in problem for problem in report.problems), report.problems


def test_swapping_two_entries_is_found(engine: sa.Engine) -> None:
    log = AuditLog(engine)
    _fill(log)
    _sql(engine, "UPDATE governance_audit SET seq = 100 WHERE seq = 2")
    _sql(engine, "UPDATE governance_audit SET seq = 2 WHERE seq = 4")
    _sql(engine, "UPDATE governance_audit SET seq = 4 WHERE seq = 100")
    problems = log.verify().problems
    assert any("entry 2" in p for p in problems) and any("entry 4" in p for p in problems)


def test_a_rehashed_forgery_still_breaks_the_chain(engine: sa.Engine) -> None:
    log = AuditLog(engine)
    _fill(log)
    entry = next(e for e in log.entries() if e.seq == 2)
    forged = entry_hash(
        entry.prev_hash,
        seq=2,
        at=entry.at,
        actor="person:mallory",
        action=entry.action,
        run_id=entry.run_id,
        approval_id="",
        rule=entry.rule,
        evidence=entry.evidence,
        key="",
    )
    _sql(
        engine,
        f"UPDATE governance_audit SET actor = 'person:mallory', hash = '{forged}' WHERE seq = 2",
    )
    problems = log.verify().problems
    assert problems == (
        "entry 3: does not chain to the entry before it "
        "(an entry before it was deleted, edited or moved)",
    )


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 8),
    victim=st.integers(0, 7),
    column=st.sampled_from(["at", "actor", "action", "run_id", "rule", "evidence", "prev_hash"]),
)
def test_any_single_edit_is_found(n: int, victim: int, column: str) -> None:
    engine = prepare(sa.create_engine("sqlite://", poolclass=sa.StaticPool))
    log = AuditLog(engine)
    _fill(log, n)
    value = "2030-01-01T00:00:00+00:00" if column == "at" else '"x"'
    _sql(engine, f"UPDATE governance_audit SET {column} = '{value}' WHERE seq = {victim % n + 1}")
    assert not log.verify().ok


def test_concurrent_appends_keep_one_chain(engine: sa.Engine) -> None:
    log = AuditLog(engine)

    def write(worker: int) -> None:
        for i in range(10):
            log.append(actor=f"agent:w{worker}", action="propose", at=NOW, evidence=i)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = log.verify()
    assert report.ok and report.entries == 40


def test_export_as_csv_and_json(engine: sa.Engine) -> None:
    log = AuditLog(engine)
    _fill(log, 2)
    as_json = io.StringIO()
    assert log.export(as_json, "json") == 2
    rows = json.loads(as_json.getvalue())
    assert rows[1]["evidence"] == {"audience": 1, "note": "ünïcode"}
    assert rows[1]["prev_hash"] == rows[0]["hash"]
    as_csv = io.StringIO()
    assert log.export(as_csv, "csv") == 2
    table = list(csv.DictReader(io.StringIO(as_csv.getvalue())))
    assert [r["seq"] for r in table] == ["1", "2"]
    assert json.loads(table[0]["evidence"]) == {"audience": 0, "note": "ünïcode"}
    assert table[0]["actor"] == "agent:a0"
