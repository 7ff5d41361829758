"""The audience simulator writes history in the import layouts: the store takes all of it."""

from __future__ import annotations

from pathlib import Path

from overture.data import CustomerStore, import_file
from overture.data.identity import resolve_identities
from overture.data.metrics import human_open_rate
from overture.sim.history import generate_history
from overture.sim.scenario import load_scenario


def test_simulated_history_imports_whole(store: CustomerStore, tmp_path: Path) -> None:
    files = generate_history(load_scenario("default"), tmp_path, seed=3, contacts=400, weeks=4)
    for kind, path in (
        ("crm-contacts", files.contacts),
        ("consents", files.consents),
        ("email-events", files.email_events),
        ("purchases", files.purchases),
    ):
        summary = import_file(store, kind, path)
        assert (summary.rows_read, summary.loaded, summary.quarantined) == (
            files.rows[kind],
            files.rows[kind],
            0,
        ), kind
    resolved = resolve_identities(store)
    # Distinct simulated people: names and emails alone never merge two of them.
    assert (resolved.records, resolved.profiles) == (400, 400)
    counts = human_open_rate(store)
    assert 0 < counts.human_openers <= counts.raw_openers <= counts.delivered
