"""The email service's feed into the customer store: sends as the sender logged them, events as
the service reported them, through the store's own importer (so machine opens are flagged there,
the same way as for any imported export).
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from overture.channels import Channel, ChannelEvent, PlannedSend
from overture.data import CustomerStore, ImportSummary, Kind, import_file
from overture.data.layouts import layout_for

__all__ = ["EMAIL_EVENT_COLUMNS", "import_events", "record_sends", "sync_feed"]

EMAIL_EVENT_COLUMNS = layout_for(Kind.EMAIL_EVENTS).names
"""The store's own email-events layout: what the importer reads."""


def _write(path: Path, rows: Sequence[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=EMAIL_EVENT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def import_events(
    store: CustomerStore, rows: Sequence[dict[str, str]], path: Path, source: str
) -> ImportSummary | None:
    """Import email-event rows (the store's own layout) through a file, idempotently."""
    if not rows:
        return None
    summary = import_file(store, "email-events", _write(path, rows), source=source)
    path.unlink()  # imported: the store holds the rows now
    return summary


def record_sends(
    store: CustomerStore, planned: PlannedSend, folder: Path, source: str
) -> ImportSummary | None:
    """Log what was handed to the email service: one ``sent`` row per recipient, with its arm."""
    rows = [
        {
            "event_id": f"{planned.campaign_id}:{r.contact_id}:sent",
            "contact_id": r.contact_id,
            "email": r.address,
            "campaign_id": planned.campaign_id,
            "event_type": "sent",
            "occurred_at": r.send_at.isoformat(),
            "subject": r.subject,
            "arm": r.arm or "",
        }
        for r in planned.recipients
    ]
    return import_events(store, rows, folder / f"sent-{planned.key}.csv", source)


def _row(event: ChannelEvent, seen: Counter[str]) -> dict[str, str]:
    stem = (
        f"{event.campaign_id}:{event.contact_id}:{event.kind}:{int(event.occurred_at.timestamp())}"
    )
    seen[stem] += 1
    return {
        "event_id": f"{stem}:{seen[stem]}",
        "contact_id": event.contact_id,
        "email": "",
        "campaign_id": event.campaign_id,
        "event_type": str(event.kind),
        "occurred_at": event.occurred_at.isoformat(),
        "user_agent": event.user_agent or "",
        "ip": event.ip or "",
        "url": event.url or "",
        "bounce_type": event.bounce_type or "",
    }


def sync_feed(
    store: CustomerStore,
    channel: Channel,
    since: datetime,
    until: datetime,
    folder: Path,
    source: str,
) -> int:
    """Import the channel's events of ``[since, until)``; returns how many there were."""
    seen: Counter[str] = Counter()
    rows = [_row(event, seen) for event in channel.events(since, until)]
    stamp = f"{int(since.timestamp())}-{int(until.timestamp())}"
    import_events(store, rows, folder / f"feed-{stamp}.csv", source)
    return len(rows)
