"""Behavioural features and RFM, on a base small enough to compute by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from dirty_data import NOW, write_csv

from overture.data import CustomerStore, import_file
from overture.data.features import FEATURE_COLUMNS, compute_features
from overture.data.identity import resolve_identities
from overture.exceptions import UsageError

APPLE = "Mozilla/5.0"


@pytest.fixture
def base(store: CustomerStore, tmp_path: Path) -> CustomerStore:
    contacts = [
        ["p1", "p1@x.com", "America/Montreal", "2026-01-01T00:00:00+00:00"],
        ["p2", "p2@x.com", "Asia/Tokyo", "2026-05-25T12:00:00+00:00"],
        ["p3", "p3@x.com", "Mars/Base", "2025-01-01T00:00:00+00:00"],
    ]
    header = ["contact_id", "email", "time_zone", "created_at"]
    import_file(store, "crm-contacts", write_csv(tmp_path / "c.csv", header, contacts))
    events: list[list[str]] = []
    for campaign, day in (("n1", "2026-05-01"), ("n2", "2026-05-08")):
        for person in ("p1", "p2", "p3"):
            events.append(
                [
                    f"{campaign}-{person}-d",
                    person,
                    campaign,
                    "delivered",
                    f"{day}T13:00:00Z",
                    "",
                    "",
                ]
            )
        events.append(
            [f"{campaign}-p2-o", "p2", campaign, "opened", f"{day}T13:00:10Z", APPLE, "17.0.0.1"]
        )
    events += [
        ["o1", "p1", "n1", "opened", "2026-05-01T14:00:00Z", "Mozilla/5.0 (Macintosh)", "10.1.1.1"],
        [
            "c1",
            "p1",
            "n1",
            "clicked",
            "2026-05-01T14:05:00Z",
            "Mozilla/5.0 (Macintosh)",
            "10.1.1.1",
        ],
        ["o2", "p1", "n2", "opened", "2026-05-08T14:30:00Z", "Mozilla/5.0 (Macintosh)", "10.1.1.1"],
    ]
    header = [
        "event_id",
        "contact_id",
        "campaign_id",
        "event_type",
        "occurred_at",
        "user_agent",
        "ip",
    ]
    import_file(store, "email-events", write_csv(tmp_path / "e.csv", header, events))
    orders = [
        ["a", "p1", "100", "2026-05-02T00:00:00Z"],
        ["b", "p1", "50", "2026-05-20T00:00:00Z"],
        ["c", "p3", "10", "2025-06-01T00:00:00Z"],
    ]
    header = ["order_id", "contact_id", "amount", "occurred_at"]
    import_file(store, "purchases", write_csv(tmp_path / "o.csv", header, orders))
    resolve_identities(store)
    return store


def _features(store: CustomerStore, contact: str) -> dict[str, object]:
    columns = ", ".join(f"f.{c}" for c in FEATURE_COLUMNS)
    row = store.rows(
        f"SELECT {columns} FROM profile_features f JOIN identities i USING (profile_id) "
        "WHERE i.contact_id = ?",
        [contact],
    )[0]
    return dict(zip(FEATURE_COLUMNS, row, strict=True))


def test_features_by_hand(base: CustomerStore) -> None:
    summary = compute_features(base, NOW)
    assert (summary.profiles, summary.engaged, summary.buyers) == (3, 2, 2)  # p1, p3 bought
    p1 = _features(base, "p1")
    assert p1["tenure_days"] == pytest.approx(151.5)
    assert p1["recency_days"] == pytest.approx(12.5)  # the last order
    assert p1["frequency_90d"] == 5  # two human opens, a click, two orders
    assert (p1["delivered"], p1["human_open_rate"], p1["click_rate"]) == (2, 1.0, 0.5)
    assert (p1["preferred_hour"], p1["preferred_weekday"]) == (10, 5)  # 10:00 in Montreal, Friday
    assert (p1["purchase_count"], p1["purchase_amount"]) == (2, 150.0)
    assert p1["purchase_recency_days"] == pytest.approx(12.5)
    assert (p1["rfm_recency"], p1["rfm_frequency"], p1["rfm_monetary"]) == (2, 2, 2)


def test_machine_opens_are_not_engagement(base: CustomerStore) -> None:
    compute_features(base, NOW)
    p2 = _features(base, "p2")
    assert (p2["human_open_rate"], p2["recency_days"], p2["frequency_90d"]) == (0.0, None, 0)
    assert p2["preferred_hour"] is None
    assert p2["rfm_recency"] is None
    p3 = _features(base, "p3")
    assert p3["purchase_recency_days"] == pytest.approx(365.5)
    assert (p3["rfm_recency"], p3["rfm_frequency"], p3["rfm_monetary"]) == (1, 1, 1)


def test_recomputing_replaces(base: CustomerStore) -> None:
    compute_features(base, NOW)
    compute_features(base, NOW)
    assert base.count("SELECT count(*) FROM profile_features") == 3


def test_features_need_profiles(store: CustomerStore) -> None:
    with pytest.raises(UsageError, match="no profiles yet"):
        compute_features(store, NOW)
