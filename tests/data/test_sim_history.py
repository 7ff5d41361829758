"""The audience simulator writes history in the import layouts: the store takes all of it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from overture.data import CustomerStore, import_file
from overture.data.identity import resolve_identities
from overture.data.metrics import human_open_rate
from overture.data.segments import cluster_reading_times
from overture.sim import Simulation
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


def test_reading_time_clusters_find_when_people_read(store: CustomerStore, tmp_path: Path) -> None:
    scenario = load_scenario("default")
    files = generate_history(scenario, tmp_path, seed=5, contacts=1500, weeks=26)
    for kind, path in (
        ("crm-contacts", files.contacts),
        ("consents", files.consents),
        ("email-events", files.email_events),
    ):
        import_file(store, kind, path)
    resolve_identities(store)
    clusters = cluster_reading_times(store, 4, np.random.default_rng(0))
    assert [c.index for c in clusters] == [0, 1, 2, 3, 4]
    assert sum(c.size for c in clusters) == 1500
    hours = [c.centre["reading_hour"] for c in clusters[:4]]
    assert hours == sorted(hours, key=lambda h: (h - 4) % 24)  # numbered from the early morning
    assert "unknown" in clusters[4].description and "reading_hour" not in clusters[4].centre

    # Against the hidden truth: each cluster's members mostly peak near its reading hour, so
    # the clusters tell apart readers the scenario made different.
    population = Simulation.create(scenario, 5, contacts=1500).population
    labels = {
        str(contact): int(str(label))
        for contact, label in store.rows(
            "SELECT i.contact_id, pc.cluster FROM identities i JOIN profile_clusters pc "
            "USING (profile_id)"
        )
    }
    ids = sorted(labels)
    cluster = np.array([labels[c] for c in ids])
    peak = population.peak_hour[population.index_of(ids)]
    for index, hour in enumerate(hours):
        gap = np.abs((peak[cluster == index] - hour + 12) % 24 - 12)
        assert float(np.median(gap)) < 2.5, index
    archetype = population.archetype[population.index_of(ids)]
    early, late = archetype[cluster == 0], archetype[cluster == 3]
    names = population.archetypes
    assert names[int(np.bincount(early).argmax())] == "skimmer"  # peaks at 7:30
    assert names[int(np.bincount(late).argmax())] == "relationship"  # peaks at 20:00
