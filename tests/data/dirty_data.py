"""Generated dirty customer data for the store's tests (imported by conftest and tests)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

__all__ = ["CONTACT_HEADER", "NOW", "DirtyData", "make_dirty_people", "write_csv"]

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

_FIRST = [
    "anna",
    "bruno",
    "carla",
    "david",
    "emma",
    "felix",
    "gina",
    "hugo",
    "irene",
    "jonas",
    "karin",
    "louis",
    "marta",
    "noah",
    "olga",
    "paul",
    "quinn",
    "rosa",
    "samir",
    "tania",
    "ugo",
    "vera",
    "william",
    "xenia",
    "yann",
    "zoe",
    "alice",
    "bernard",
    "chloe",
    "denis",
]
_LAST = [
    "martin",
    "bernard",
    "dubois",
    "thomas",
    "robert",
    "richard",
    "petit",
    "durand",
    "leroy",
    "moreau",
    "simon",
    "laurent",
    "lefebvre",
    "michel",
    "garcia",
    "david",
    "bertrand",
    "roux",
    "vincent",
    "fournier",
    "morel",
    "girard",
    "andre",
    "lefevre",
    "mercier",
    "dupont",
    "lambert",
    "bonnet",
    "francois",
    "martinez",
]
_STREETS = [
    "rue saint-denis",
    "boulevard laurier",
    "avenue du parc",
    "rue sherbrooke",
    "chemin royal",
]
_CITIES = ("montreal", "quebec", "laval", "gatineau", "sherbrooke", "levis")

CONTACT_HEADER = [
    "contact_id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "time_zone",
    "country",
    "created_at",
    "birth_date",
    "street_number",
    "address_1",
    "city",
    "postcode",
]


@dataclass(frozen=True)
class DirtyData:
    """Two contact files of the same people and what a correct resolution must find."""

    crm: Path
    shop: Path
    people: int
    by_email: list[tuple[str, str]]
    by_phone: list[tuple[str, str]]
    by_splink: list[tuple[str, str]]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _typo(word: str, rng: np.random.Generator) -> str:
    i = int(rng.integers(1, len(word) - 1))
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def make_dirty_people(folder: Path, rng: np.random.Generator, people: int = 400) -> DirtyData:
    """A CRM file of ``people`` distinct people and a shop file with 100 of them again.

    40 reappear with the same address written differently (case, spaces), 30 with another
    address but the same phone written another way, 30 with a typo in the surname and the
    email but the same birth date and home address: only probabilistic matching finds those.
    """
    crm: list[list[str]] = []
    for i in range(people):
        first = _FIRST[i % len(_FIRST)]
        last = _LAST[(i * 7) % len(_LAST)]
        born = datetime(1950, 1, 1) + timedelta(days=int(rng.integers(0, 18000)))
        crm.append(
            [
                f"crm-{i}",
                f"{first}.{last}{i}@example.org",
                first,
                last,
                f"514-555-{i:04d}",
                "America/Montreal",
                "CA",
                (NOW - timedelta(days=int(rng.integers(1, 900)))).isoformat(),
                born.strftime("%Y-%m-%d"),
                str(int(rng.integers(1, 999))),
                _STREETS[int(rng.integers(len(_STREETS)))],
                _CITIES[int(rng.integers(len(_CITIES)))],
                f"H{int(rng.integers(1000, 9999))}",
            ]
        )
    shop: list[list[str]] = []
    by_email: list[tuple[str, str]] = []
    by_phone: list[tuple[str, str]] = []
    by_splink: list[tuple[str, str]] = []
    chosen = rng.choice(people, 100, replace=False).tolist()
    for n, i in enumerate(chosen):
        row = list(crm[i])
        shop_id = f"shop-{n}"
        row[0] = shop_id
        if n < 40:
            row[1] = "  " + row[1].upper() + " "
            row[4] = ""
            by_email.append((f"crm:crm-{i}", f"shop:{shop_id}"))
        elif n < 70:
            row[1] = f"customer{n}@shop.test"
            row[4] = f"+1 (514) 555-{i:04d}"
            by_phone.append((f"crm:crm-{i}", f"shop:{shop_id}"))
        else:
            row[1] = _typo(row[1].split("@")[0], rng) + "@example.org"
            row[3] = _typo(row[3], rng)
            row[4] = ""
            by_splink.append((f"crm:crm-{i}", f"shop:{shop_id}"))
        row[7] = NOW.isoformat()
        shop.append(row)
    return DirtyData(
        write_csv(folder / "crm.csv", CONTACT_HEADER, crm),
        write_csv(folder / "shop.csv", CONTACT_HEADER, shop),
        people,
        by_email,
        by_phone,
        by_splink,
    )
