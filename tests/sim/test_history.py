"""History files: exactly the store's import layouts, with lapsed consents and no truth flag."""

from __future__ import annotations

import csv
import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from overture.sim import DEFAULT_START, Scenario, Simulation, generate_history, write_history
from overture.sim.clients import MACHINE_OPEN_USER_AGENT

FORMATS = Path(__file__).parents[2] / "docs" / "data-formats.md"


def _documented_columns() -> dict[str, list[str]]:
    text = FORMATS.read_text(encoding="utf-8")
    columns: dict[str, list[str]] = {}
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        name, _, body = section.partition("\n")
        found: list[str] = []
        for line in body.splitlines():
            cell = re.match(r"^\| ([a-z_, ]+) \|", line)
            if cell and cell.group(1).strip() != "column":
                found.extend(part.strip() for part in cell.group(1).split(","))
        columns[name.strip()] = found
    return columns


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from overture.sim import load_scenario

    folder = tmp_path_factory.mktemp("history")
    generate_history(load_scenario("default"), folder, seed=4, weeks=6, contacts=3_000)
    return folder


def test_files_have_exactly_the_documented_columns(history: Path) -> None:
    documented = _documented_columns()
    for kind in ("crm-contacts", "consents", "email-events", "purchases"):
        with (history / f"{kind}.csv").open(encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        assert header == documented[kind], kind


def test_events_look_like_a_provider_feed(history: Path) -> None:
    events = _rows(history / "email-events.csv")
    kinds = {row["event_type"] for row in events}
    assert kinds <= {
        "sent",
        "delivered",
        "bounced",
        "opened",
        "clicked",
        "unsubscribed",
        "complained",
    }
    assert {"sent", "delivered", "bounced", "opened", "clicked"} <= kinds
    assert len({row["event_id"] for row in events}) == len(events)
    assert all(row["subject"] for row in events if row["event_type"] == "sent")
    assert all(row["user_agent"] and row["ip"] for row in events if row["event_type"] == "opened")
    assert all(row["url"] for row in events if row["event_type"] == "clicked")
    assert {row["bounce_type"] for row in events if row["event_type"] == "bounced"} == {
        "hard",
        "soft",
    }
    moments = [datetime.fromisoformat(row["occurred_at"]) for row in events]
    assert moments == sorted(moments)
    assert all(m.utcoffset() is not None and m < DEFAULT_START for m in moments)
    machine = [row for row in events if row["user_agent"] == MACHINE_OPEN_USER_AGENT]
    assert machine and all(row["ip"].startswith("17.") for row in machine)
    header = " ".join(events[0])
    assert "machine" not in header and "human" not in header
    campaigns = {row["campaign_id"] for row in events}
    assert len(campaigns) == 6
    french = [
        r["subject"] for r in events if r["event_type"] == "sent" and "Northwind" in r["subject"]
    ]
    assert any("semaine" in s or "infolettre" in s or "hebdo" in s for s in french)


def test_consents_have_jurisdictions_and_lapses(history: Path) -> None:
    contacts = {row["contact_id"]: row for row in _rows(history / "crm-contacts.csv")}
    consents = _rows(history / "consents.csv")
    with_rows = {row["contact_id"] for row in consents}
    missing = set(contacts) - with_rows
    assert 0.01 < len(missing) / len(contacts) < 0.06
    withdrawn = [row for row in consents if row["status"] == "withdrawn"]
    assert withdrawn
    start = DEFAULT_START
    expired = [
        row
        for row in consents
        if row["expires_at"] and datetime.fromisoformat(row["expires_at"]) < start
    ]
    assert expired
    bases = {row["legal_basis"] for row in consents}
    assert bases <= {
        "express_consent",
        "implied_purchase",
        "implied_inquiry",
        "legitimate_interest",
        "soft_opt_in",
    }
    for row in consents:
        contact = contacts[row["contact_id"]]
        if contact["region"] == "QC" and row["status"] == "given" and not row["expires_at"]:
            assert row["legal_basis"] == "express_consent"
        if contact["country"] in {"FR", "BE", "DE", "ES", "GB"}:
            assert row["legal_basis"] in {"express_consent", "soft_opt_in"}
    unsubscribed = {
        row["contact_id"]
        for row in _rows(history / "email-events.csv")
        if row["event_type"] == "unsubscribed"
    }
    assert unsubscribed <= {row["contact_id"] for row in withdrawn}
    assert {c["country"] for c in contacts.values()} >= {"CA", "US", "FR"}
    assert any(c["phone"] for c in contacts.values())


def test_purchases_are_well_formed(history: Path) -> None:
    purchases = _rows(history / "purchases.csv")
    assert purchases
    assert all(float(row["amount"]) > 0 for row in purchases)
    assert {row["currency"] for row in purchases} <= {"USD", "CAD", "EUR", "GBP"}


def test_same_seed_same_files(tmp_path: Path, default_scenario: Scenario) -> None:
    for name in ("a", "b"):
        generate_history(default_scenario, tmp_path / name, seed=9, weeks=2, contacts=400)
    for kind in ("crm-contacts", "consents", "email-events", "purchases"):
        assert (tmp_path / "a" / f"{kind}.csv").read_bytes() == (
            tmp_path / "b" / f"{kind}.csv"
        ).read_bytes()


def test_history_describes_the_simulations_population(
    tmp_path: Path, default_scenario: Scenario
) -> None:
    generate_history(default_scenario, tmp_path, seed=6, weeks=1, contacts=300)
    world = Simulation.create(default_scenario, seed=6, contacts=300)
    emails = [row["email"] for row in _rows(tmp_path / "crm-contacts.csv")]
    assert emails == world.population.emails()


def test_a_live_channel_can_carry_the_history(tmp_path: Path, default_scenario: Scenario) -> None:
    world = Simulation.create(default_scenario, seed=1, contacts=300)
    from overture.sim import GroundTruth, SimulatedEmailChannel

    truth = GroundTruth(300)
    channel = SimulatedEmailChannel(
        world.population, default_scenario, np.random.default_rng(0), truth=truth
    )
    files = write_history(
        world.population,
        default_scenario,
        3,
        tmp_path,
        np.random.default_rng(1),
        DEFAULT_START,
        channel=channel,
    )
    assert len(truth.sends) == 3
    assert files.rows["email-events"] > 900


def test_personalized_generic_lines_are_rendered_per_contact(tmp_path: Path) -> None:
    from overture.sim import load_scenario

    path = tmp_path / "personal.toml"
    path.write_text(
        'extends = "default"\n[[subjects.generic]]\n'
        'en = "{first_name}, this week at Northwind"\nfr = "{first_name}, cette semaine"\n',
        encoding="utf-8",
    )
    scenario = load_scenario(path)
    generate_history(scenario, tmp_path / "out", seed=2, weeks=1, contacts=200)
    contacts = {row["contact_id"]: row for row in _rows(tmp_path / "out" / "crm-contacts.csv")}
    sent = [r for r in _rows(tmp_path / "out" / "email-events.csv") if r["event_type"] == "sent"]
    assert sent
    for row in sent:
        assert row["subject"].startswith(contacts[row["contact_id"]]["first_name"] + ", ")
