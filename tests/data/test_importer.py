"""Importing files: every row lands somewhere, nothing is half-written, re-imports are no-ops."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pytest
from dirty_data import CONTACT_HEADER, DirtyData, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overture.data import CustomerStore, Kind, import_file, load_mapping
from overture.data.importer import file_format, to_e164
from overture.exceptions import ConfigError, UsageError

EVENT_HEADER = [
    "event_id",
    "contact_id",
    "email",
    "campaign_id",
    "event_type",
    "occurred_at",
    "subject",
    "arm",
    "user_agent",
    "ip",
    "url",
    "bounce_type",
]


def _event(i: int, event_type: str = "opened", at: str = "2026-05-01T10:00:00+00:00") -> list[str]:
    return [f"e{i}", f"c{i % 7}", f"c{i % 7}@example.com", "news-1", event_type, at]


def _events_file(path: Path, rows: list[list[str]]) -> Path:
    return write_csv(path, EVENT_HEADER[:6], rows)


def _table_counts(store: CustomerStore) -> tuple[int, int, int]:
    return (
        store.count("SELECT count(*) FROM events"),
        store.count("SELECT count(*) FROM quarantine"),
        store.count("SELECT count(*) FROM imports"),
    )


def test_a_clean_file_loads_every_row(store: CustomerStore, tmp_path: Path) -> None:
    path = _events_file(tmp_path / "e.csv", [_event(i) for i in range(50)])
    summary = import_file(store, Kind.EMAIL_EVENTS, path)
    assert (summary.rows_read, summary.loaded, summary.quarantined) == (50, 50, 0)
    assert summary.source == "primary"
    assert store.count("SELECT count(*) FROM events WHERE kind = 'email'") == 50


def test_reimporting_the_same_file_changes_nothing(store: CustomerStore, tmp_path: Path) -> None:
    path = _events_file(tmp_path / "e.csv", [_event(i) for i in range(20)] + [["", "c1"]])
    first = import_file(store, "email-events", path)
    before = _table_counts(store)
    again = import_file(store, "email-events", path)
    assert again.already_imported
    assert (again.rows_read, again.loaded, again.quarantined) == (21, 0, 1)
    assert _table_counts(store) == before
    assert first.loaded == 20


def test_overlapping_files_keep_one_copy_of_each_event(
    store: CustomerStore, tmp_path: Path
) -> None:
    import_file(
        store, "email-events", _events_file(tmp_path / "a.csv", [_event(i) for i in range(10)])
    )
    second = import_file(
        store, "email-events", _events_file(tmp_path / "b.csv", [_event(i) for i in range(5, 15)])
    )
    assert (second.loaded, second.already_present) == (5, 5)
    assert store.count("SELECT count(DISTINCT event_id) FROM events") == 15
    assert store.count("SELECT count(*) FROM events") == 15


def test_broken_rows_are_quarantined_with_line_and_reason(
    store: CustomerStore, tmp_path: Path
) -> None:
    rows = [_event(i) for i in range(8)]
    rows[1] = ["e1", "", "x@y.z", "news-1", "opened", "2026-05-01T10:00:00+00:00"]
    rows[2] = ["e2", "c2", "", "news-1", "viewed", "2026-05-01T10:00:00+00:00"]
    rows[3] = ["e3", "c3", "", "news-1", "opened", "yesterday"]
    rows[4] = ["e4", "c4"]  # too few fields: the reader rejects the line itself
    rows[6] = list(rows[0])  # the same event twice in one file
    path = _events_file(tmp_path / "dirty.csv", rows)
    summary = import_file(store, "email-events", path)
    assert (summary.rows_read, summary.loaded, summary.quarantined) == (8, 3, 5)
    found = store.rows("SELECT line, reason FROM quarantine ORDER BY line")
    assert [line for line, _ in found] == [3, 4, 5, 6, 8]
    reasons = [str(reason) for _, reason in found]
    assert reasons[0] == "missing contact_id"
    assert reasons[1].startswith("event_type: unknown value viewed")
    assert reasons[2].startswith("occurred_at: cannot read yesterday as a time")
    assert "missing columns" in reasons[3]
    assert reasons[4] == "duplicate event_id in this file"
    assert all(
        str(file).endswith("dirty.csv") for (file,) in store.rows("SELECT file FROM quarantine")
    )


def test_missing_columns_are_refused_before_anything_is_written(
    store: CustomerStore, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "e.csv", ["event_id", "contact_id"], [["e1", "c1"]])
    with pytest.raises(UsageError) as caught:
        import_file(store, "email-events", path)
    assert "campaign_id, event_type, occurred_at" in str(caught.value)
    assert "--mapping" in caught.value.fix
    assert _table_counts(store) == (0, 0, 0)


def test_a_file_with_no_storable_row_is_refused_whole(store: CustomerStore, tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    rows = "\n".join(f"e{i},c{i},café{i}\xe9,news,opened,2026-05-01" for i in range(5))
    path.write_bytes(
        ("event_id,contact_id,email,campaign_id,event_type,occurred_at\n" + rows + "\n").encode(
            "latin-1"
        )
    )
    with pytest.raises(UsageError) as caught:
        import_file(store, "email-events", path)
    assert "not valid utf-8 text" in str(caught.value)
    assert "--encoding latin-1" in str(caught.value)
    assert _table_counts(store) == (0, 0, 0)
    summary = import_file(store, "email-events", path, encoding="latin-1")
    assert summary.loaded == 5
    assert store.scalar("SELECT email FROM events WHERE event_id = 'e0'") == "café0é"


def test_one_bad_line_in_a_big_file_costs_one_line(tmp_path: Path) -> None:
    rows = [_event(i) for i in range(3000)]
    rows[1500] = [*rows[1500][:5], "2026-13-45T99:00:00"]
    seen: list[str] = []
    with CustomerStore(tracer=lambda statement, _: seen.append(statement)) as store:
        summary = import_file(store, "email-events", _events_file(tmp_path / "big.csv", rows))
        assert (summary.rows_read, summary.loaded, summary.quarantined) == (3000, 2999, 1)
        assert store.rows("SELECT line, reason FROM quarantine") == [
            (
                1502,
                "occurred_at: cannot read 2026-13-45T99:00:00 as a time "
                "(ISO 8601, e.g. 2026-01-05T14:03:00+00:00)",
            )
        ]
    # The typed read kept its good rows: no row-by-row staging of the whole file.
    assert not any("_overture_stage_" in statement for statement in seen)


def test_unknown_kind_and_format(store: CustomerStore, tmp_path: Path) -> None:
    path = _events_file(tmp_path / "e.csv", [_event(1)])
    with pytest.raises(UsageError, match="unknown kind"):
        import_file(store, "tweets", path)
    with pytest.raises(UsageError, match="cannot tell the format"):
        file_format(tmp_path / "e.xlsx")
    with pytest.raises(UsageError, match="no such file"):
        import_file(store, "email-events", tmp_path / "absent.csv")


def test_unreadable_json_is_a_usage_error(store: CustomerStore, tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text('{"event_id": "e1", "contact_id": \n', encoding="utf-8")
    with pytest.raises(UsageError, match="cannot read"):
        import_file(store, "email-events", path)


def test_parquet_and_json_lines_in_the_native_layout(store: CustomerStore, tmp_path: Path) -> None:
    csv_path = _events_file(
        tmp_path / "e.csv", [_event(i) for i in range(6)] + [["e9", "c9", "", "n", "opened", "bad"]]
    )
    parquet = tmp_path / "e.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{csv_path}', all_varchar=true)) TO '{parquet}'")
    summary = import_file(store, "email-events", parquet, source="warehouse")
    assert (summary.loaded, summary.quarantined) == (6, 1)
    assert store.rows("SELECT line FROM quarantine") == [(7,)]
    jsonl = tmp_path / "p.jsonl"
    jsonl.write_text(
        "\n".join(
            json.dumps(
                {
                    "order_id": f"o{i}",
                    "contact_id": "c1",
                    "amount": "12.50",
                    "occurred_at": "2026-05-02",
                }
            )
            for i in range(3)
        )
        + "\n"
        + json.dumps(
            {"order_id": "o9", "contact_id": "c1", "amount": "lots", "occurred_at": "2026-05-02"}
        )
        + "\n",
        encoding="utf-8",
    )
    purchases = import_file(store, "purchases", jsonl)
    assert (purchases.loaded, purchases.quarantined) == (3, 1)
    assert store.rows("SELECT line, reason FROM quarantine WHERE kind = 'purchases'") == [
        (4, "amount: cannot read lots as a number")
    ]
    assert store.scalar("SELECT sum(amount) FROM events WHERE kind = 'purchase'") == pytest.approx(
        37.5
    )


def test_sendgrid_webhook_through_the_preset(store: CustomerStore, tmp_path: Path) -> None:
    events = [
        {
            "email": "Ann@x.com",
            "timestamp": 1767225600,
            "event": "processed",
            "sg_event_id": "a1",
            "singlesend_id": "s1",
        },
        {
            "email": "Ann@x.com",
            "timestamp": 1767225660,
            "event": "delivered",
            "sg_event_id": "a2",
            "singlesend_id": "s1",
        },
        {
            "email": "Ann@x.com",
            "timestamp": 1767229200,
            "event": "open",
            "sg_event_id": "a3",
            "singlesend_id": "s1",
            "useragent": "Mozilla/5.0",
            "ip": "17.58.0.1",
        },
        {
            "email": "bob@x.com",
            "timestamp": 1767225660,
            "event": "bounce",
            "type": "bounce",
            "sg_event_id": "a4",
            "singlesend_id": "s1",
        },
        {
            "email": "bob@x.com",
            "timestamp": 1767225660,
            "event": "deferred",
            "sg_event_id": "a5",
            "singlesend_id": "s1",
        },
    ]
    path = tmp_path / "sendgrid.json"
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n", encoding="utf-8")
    summary = import_file(store, "email-events", path, mapping=load_mapping("sendgrid-events"))
    assert (summary.source, summary.loaded, summary.quarantined) == ("sendgrid", 4, 1)
    assert store.rows("SELECT event_type FROM events ORDER BY event_id") == [
        ("sent",),
        ("delivered",),
        ("opened",),
        ("bounced",),
    ]
    assert store.scalar("SELECT bounce_type FROM events WHERE event_id = 'a4'") == "hard"
    assert (
        str(store.scalar("SELECT occurred_at FROM events WHERE event_id = 'a1'"))
        == "2026-01-01 00:00:00+00:00"
    )
    assert "deferred" in str(store.scalar("SELECT reason FROM quarantine"))


MAILCHIMP_HEADER = [
    "Email Address",
    "First Name",
    "Last Name",
    "Phone Number",
    "OPTIN_TIME",
    "CONFIRM_TIME",
    "CONFIRM_IP",
    "TIMEZONE",
    "CC",
    "REGION",
    "LEID",
]


def test_mailchimp_audience_and_consents_through_presets(
    store: CustomerStore, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "subscribed_members_export.csv",
        MAILCHIMP_HEADER,
        [
            [
                "ann@x.com",
                "Ann",
                "Lee",
                "(514) 555-0101",
                "2025-03-01 10:00:00",
                "2025-03-01 10:05:00",
                "1.2.3.4",
                "America/Montreal",
                "CA",
                "QC",
                "101",
            ],
            ["bob@x.com", "Bob", "Ray", "", "2025-04-01 10:00:00", "", "", "", "US", "", "102"],
        ],
    )
    contacts = import_file(store, "crm-contacts", path, mapping=load_mapping("mailchimp-audience"))
    consents = import_file(store, "consents", path, mapping=load_mapping("mailchimp-consents"))
    assert (contacts.loaded, contacts.source) == (2, "mailchimp")
    assert (
        store.scalar("SELECT phone_e164 FROM contacts WHERE contact_id = '101'") == "+15145550101"
    )
    assert (consents.loaded, consents.quarantined) == (1, 1)
    assert store.scalar("SELECT reason FROM quarantine") == "missing recorded_at"
    assert store.rows("SELECT channel, purpose, legal_basis, status, proof FROM consents") == [
        ("email", "newsletter", "express_consent", "given", "1.2.3.4")
    ]


def test_a_mapping_naming_an_absent_column(store: CustomerStore, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", ["Email"], [["a@b.c"]])
    with pytest.raises(ConfigError) as caught:
        import_file(store, "crm-contacts", path, mapping=load_mapping("mailchimp-audience"))
    assert caught.value.key == "columns.contact_id"
    with pytest.raises(UsageError, match="is for email-events files"):
        import_file(store, "crm-contacts", path, mapping=load_mapping("sendgrid-events"))


def test_an_updated_contact_file_replaces_changed_records(
    store: CustomerStore, tmp_path: Path
) -> None:
    header = ["contact_id", "email", "created_at"]
    import_file(
        store,
        "crm-contacts",
        write_csv(
            tmp_path / "v1.csv",
            header,
            [["c1", "a@x.com", "2026-01-01"], ["c2", "b@x.com", "2026-01-01"]],
        ),
    )
    summary = import_file(
        store,
        "crm-contacts",
        write_csv(
            tmp_path / "v2.csv",
            header,
            [
                ["c1", "a@x.com", "2026-01-01"],
                ["c2", "new@x.com", "2026-01-01"],
                ["c3", "c@x.com", "2026-01-02"],
            ],
        ),
    )
    assert (summary.loaded, summary.updated, summary.already_present) == (1, 1, 1)
    assert store.scalar("SELECT email FROM contacts WHERE contact_id = 'c2'") == "new@x.com"


def test_the_dirty_contact_files(store: CustomerStore, dirty: DirtyData) -> None:
    crm = import_file(store, "crm-contacts", dirty.crm, source="crm")
    shop = import_file(store, "crm-contacts", dirty.shop, source="shop")
    assert (crm.loaded, shop.loaded) == (dirty.people, 100)
    assert (
        store.count("SELECT count(*) FROM contacts WHERE phone_e164 LIKE '+1514555%'")
        == dirty.people + 30
    )


def test_phone_numbers_to_e164() -> None:
    assert to_e164("514 555 0123", "CA") == "+15145550123"
    assert to_e164("+33 1 42 68 53 00", "") == "+33142685300"
    assert to_e164("01 42 68 53 00", "fr") == "+33142685300"
    assert to_e164("12", "US") is None
    assert to_e164("not a phone", "US") is None


_CELL = st.sampled_from(["", "x", "c1", "opened", "clicked", "2026-05-01", "soon", "news", "a,b"])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(_CELL, min_size=6, max_size=6), min_size=1, max_size=30))
def test_every_row_lands_in_the_store_or_in_quarantine(
    tmp_path: Path, rows: list[list[str]]
) -> None:
    path = _events_file(tmp_path / f"h{np.random.default_rng().integers(1 << 30)}.csv", rows)
    with CustomerStore() as store:
        try:
            summary = import_file(store, "email-events", path)
        except UsageError:
            assert _table_counts(store) == (0, 0, 0)
            return
        stored, quarantined, _ = _table_counts(store)
        assert summary.rows_read == len(rows)
        assert stored + quarantined == len(rows)
        assert summary.loaded + summary.already_present + summary.quarantined == len(rows)


def test_contact_header_is_the_native_layout() -> None:
    from overture.data.layouts import layout_for

    assert set(CONTACT_HEADER) <= set(layout_for(Kind.CRM_CONTACTS).names)
