"""Machine-open detection and the counts that measurement reads."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from dirty_data import NOW, write_csv

from overture.data import CustomerStore, import_file
from overture.data.features import compute_features
from overture.data.identity import resolve_identities
from overture.data.metrics import (
    EngagementCounts,
    OpenCounts,
    click_rate,
    human_open_rate,
    unsubscribe_rate,
)
from overture.data.segments import define_segment
from overture.exceptions import UsageError

HEADER = [
    *("event_id", "contact_id", "email", "campaign_id", "event_type", "occurred_at", "arm"),
    *("user_agent", "ip"),
]
APPLE = "Mozilla/5.0"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15"
GMAIL = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"


def _rows() -> list[list[str]]:
    day = "2026-05-01T"
    rows: list[list[str]] = []

    def add(contact: str, kind: str, at: str, arm: str = "", ua: str = "", ip: str = "") -> None:
        rows.append(
            [f"x{len(rows)}", contact, f"{contact}@example.com", "n1", kind, day + at, arm, ua, ip]
        )

    for n in range(1, 8):
        add(f"c{n}", "sent", "10:00:00+00:00", "A" if n <= 3 else "B")
    for n in (1, 2, 3, 4, 5, 7):
        add(f"c{n}", "delivered", "10:00:05+00:00")
    add("c6", "bounced", "10:00:06+00:00")
    add("c1", "opened", "10:00:20+00:00", ua=APPLE, ip="17.1.2.3")  # proxy, at delivery
    add("c2", "opened", "12:00:00+00:00", ua=IPHONE, ip="10.0.0.1")  # a person
    add("c2", "clicked", "12:01:00+00:00", ua=IPHONE, ip="10.0.0.1")
    add("c3", "opened", "10:00:30+00:00", ua=IPHONE, ip="8.8.8.8")  # seconds after delivery
    add("c4", "opened", "15:00:00+00:00", ua=GMAIL, ip="66.249.84.1")  # Gmail proxy: a person
    add("c4", "opened", "16:00:00+00:00", ua=GMAIL, ip="66.249.84.1")
    add("c4", "unsubscribed", "16:05:00+00:00")
    add("c7", "opened", "14:00:00+00:00", ua=APPLE, ip="17.58.9.9")  # proxy, later
    later = "2026-05-10T"
    for n in (1, 2, 3):
        rows.append([f"y{n}", f"c{n}", "", "n2", "sent", later + "09:00:00+00:00", "", "", ""])
    rows.append(["y4", "c3", "", "n2", "bounced", later + "09:00:01+00:00", "", "", ""])
    rows.append(["y5", "c1", "", "n2", "opened", later + "18:00:00+00:00", "", IPHONE, "10.0.0.9"])
    return rows


@pytest.fixture
def mailed(store: CustomerStore, tmp_path: Path) -> CustomerStore:
    import_file(store, "email-events", write_csv(tmp_path / "events.csv", HEADER, _rows()))
    return store


def test_the_opens_view_flags_machines(mailed: CustomerStore) -> None:
    flags = mailed.rows(
        "SELECT contact_id, bool_or(is_machine_open) FROM opens WHERE campaign_id = 'n1' "
        "GROUP BY 1 ORDER BY 1"
    )
    assert flags == [("c1", True), ("c2", False), ("c3", True), ("c4", False), ("c7", True)]


def test_human_open_rate_counts_people_once(mailed: CustomerStore) -> None:
    counts = human_open_rate(mailed, campaign_ids=["n1"])
    assert counts == OpenCounts(delivered=6, human_openers=2, raw_openers=5)
    assert counts.human_rate == pytest.approx(2 / 6)
    assert counts.raw_rate == pytest.approx(5 / 6)


def test_without_delivered_events_sends_that_did_not_bounce_count(mailed: CustomerStore) -> None:
    assert human_open_rate(mailed, campaign_ids=["n2"]) == OpenCounts(2, 1, 1)
    assert human_open_rate(mailed) == OpenCounts(8, 3, 6)


def test_scopes_by_arm_and_window(mailed: CustomerStore) -> None:
    assert human_open_rate(mailed, campaign_ids=["n1"], arm="A") == OpenCounts(3, 1, 3)
    since = datetime(2026, 5, 5, tzinfo=UTC)
    assert human_open_rate(mailed, since=since) == OpenCounts(2, 1, 1)
    assert human_open_rate(mailed, until=since) == OpenCounts(6, 2, 5)
    assert human_open_rate(mailed, campaign_ids=[]) == OpenCounts(0, 0, 0)
    assert OpenCounts(0, 0, 0).human_rate == 0.0
    assert OpenCounts(0, 0, 0).raw_rate == 0.0


def test_click_and_unsubscribe_rates(mailed: CustomerStore) -> None:
    assert click_rate(mailed, campaign_ids=["n1"]) == EngagementCounts(6, 1)
    assert unsubscribe_rate(mailed, campaign_ids=["n1"]) == EngagementCounts(6, 1)
    assert unsubscribe_rate(mailed, campaign_ids=["n2"]).rate == 0.0
    assert EngagementCounts(0, 0).rate == 0.0
    assert click_rate(mailed, campaign_ids=["n1"]).rate == pytest.approx(1 / 6)


def test_the_timing_window_is_a_setting(mailed: CustomerStore) -> None:
    mailed.execute("UPDATE settings SET value = 0 WHERE key = 'machine_open_window_seconds'")
    assert human_open_rate(mailed, campaign_ids=["n1"]) == OpenCounts(6, 3, 5)


def test_scope_by_segment(mailed: CustomerStore) -> None:
    with pytest.raises(UsageError, match="no segment called"):
        human_open_rate(mailed, segment="vip")
    resolve_identities(mailed)
    compute_features(mailed, NOW)
    define_segment(mailed, "c2", "p.email = 'c2@example.com'")
    assert human_open_rate(mailed, campaign_ids=["n1"], segment="c2") == OpenCounts(1, 1, 1)
    assert click_rate(mailed, segment="c2") == EngagementCounts(2, 1)
