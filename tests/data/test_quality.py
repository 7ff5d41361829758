"""The quality report counts what is wrong and shows examples."""

from __future__ import annotations

from pathlib import Path

import pytest
from dirty_data import NOW, DirtyData, write_csv

from overture.data import CustomerStore, import_file
from overture.data.quality import quality_report

CONTACTS = ["contact_id", "email", "phone", "country", "created_at"]
CONSENTS = [
    *("contact_id", "channel", "purpose", "legal_basis", "status", "recorded_at"),
    "expires_at",
]


@pytest.fixture
def messy(store: CustomerStore, tmp_path: Path) -> CustomerStore:
    contacts = [
        ["k1", "ann@example.com", "514 555 0101", "CA", "2026-05-01"],
        ["k2", "ANN@example.com ", "", "CA", "2026-05-02"],  # same address as k1
        ["k3", "info@shop.ca", "(514) 555-0101", "CA", "2026-05-03"],  # role, same phone as k1
        ["k4", "not-an-email", "123", "CA", "2026-05-04"],  # invalid email and phone
        ["k5", "old@example.com", "", "CA", "2023-01-01"],  # stale: old and silent
        ["k6", "fresh@example.com", "", "CA", "2026-05-05"],
    ]
    consents = [
        ["k1", "email", "newsletter", "express_consent", "given", "2026-05-01", ""],
        ["k2", "email", "newsletter", "express_consent", "given", "2026-05-01", ""],
        ["k2", "email", "newsletter", "express_consent", "withdrawn", "2026-05-20", ""],
        ["k3", "email", "newsletter", "soft_opt_in", "given", "2025-01-01", "2026-01-01"],
        ["k4", "email", "newsletter", "express_consent", "given", "2026-05-04", ""],
        ["k4", "email", "newsletter", "express_consent", "withdrawn", "2026-05-04", ""],
        ["k5", "email", "newsletter", "express_consent", "given", "2023-01-01", ""],
        ["k6", "email", "newsletter", "express_consent", "given", "2026-05-05", ""],
    ]
    events = [
        ["v1", "k6", "news", "opened", "2026-05-06"],
        ["v2", "ghost", "news", "opened", "2026-05-06"],  # nobody in the contact files
    ]
    import_file(store, "crm-contacts", write_csv(tmp_path / "c.csv", CONTACTS, contacts))
    import_file(store, "consents", write_csv(tmp_path / "k.csv", CONSENTS, consents))
    events_header = ["event_id", "contact_id", "campaign_id", "event_type", "occurred_at"]
    events_file = write_csv(tmp_path / "e.csv", events_header, [*events, ["v3", "k1"]])
    import_file(store, "email-events", events_file)
    return store


def test_each_check_counts_its_problem(messy: CustomerStore) -> None:
    report = quality_report(messy, NOW)
    counts = {check.name: check.count for check in report.checks}
    assert counts == {
        "duplicate_emails": 1,
        "duplicate_phones": 1,
        "invalid_emails": 1,
        "role_emails": 1,
        "invalid_phones": 1,
        "missing_consent": 2,  # k2 withdrew, k3's consent expired
        "conflicting_consents": 1,
        "stale_records": 1,
        "orphan_events": 1,
        "quarantined_rows": 1,
    }
    assert (report.contacts, report.events) == (6, 2)


def test_examples_point_at_the_records(messy: CustomerStore) -> None:
    report = quality_report(messy, NOW)
    assert report.check("duplicate_emails").examples == ("ann@example.com (2 records)",)
    assert report.check("duplicate_phones").examples == ("+15145550101 (2 records)",)
    assert report.check("invalid_emails").examples == ("primary:k4 not-an-email",)
    assert report.check("role_emails").examples == ("primary:k3 info@shop.ca",)
    assert report.check("missing_consent").examples == ("primary:k2", "primary:k3")
    assert report.check("stale_records").examples == ("primary:k5",)
    assert report.check("orphan_events").examples == ("primary:email:v2 contact ghost",)
    assert (
        report.check("quarantined_rows")
        .examples[0]
        .startswith("missing columns: Expected Number of Columns: 5 Found: 2 (1 rows")
    )


def test_the_dirty_files_show_their_duplicates(store: CustomerStore, dirty: DirtyData) -> None:
    import_file(store, "crm-contacts", dirty.crm, source="crm")
    import_file(store, "crm-contacts", dirty.shop, source="shop")
    report = quality_report(store, NOW)
    assert report.check("duplicate_emails").count == len(dirty.by_email)
    assert report.check("duplicate_phones").count == len(dirty.by_phone)
    assert report.check("missing_consent").count == dirty.people + 100
