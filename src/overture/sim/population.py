"""The simulated population: contacts as NumPy arrays, with the hidden traits that drive them.

Public attributes (names, locale, region, mail client, signup) are what a customer store would
hold. Hidden traits (engagement, archetype, daily activity curve, fatigue sensitivity, hazards,
invalid addresses, privacy proxies) exist only here; agents never receive a population, only
the channel's events and the store's import files.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

import numpy as np
import numpy.typing as npt

from overture.ids import ContactId
from overture.sim.clients import CLIENTS
from overture.sim.names import DOMAINS, FIRST_NAMES, LAST_NAMES
from overture.sim.scenario import Region, Scenario

__all__ = ["DEFAULT_START", "LOCALES", "Population", "generate_population"]

LOCALES = ("en", "fr")
"""Locale codes, in the order of a population's ``locale`` codes."""

DEFAULT_START = datetime(2026, 1, 5, tzinfo=UTC)
"""Where simulated time starts unless told otherwise (a Monday)."""

_YEAR = 365.25 * 86_400
F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]
I8 = npt.NDArray[np.int8]
I16 = npt.NDArray[np.int16]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Population:
    """Contacts by index ``0..size-1``. Contact ids are ``C`` and the index plus one."""

    regions: tuple[Region, ...]
    signup_sources: tuple[str, ...]
    archetypes: tuple[str, ...]
    locale: I8
    region: I16
    first_name: I16
    last_name: I16
    client: I8
    domain: I8
    signup_source: I8
    created_at: I64
    """Epoch seconds when the contact joined the list."""
    home_ip: npt.NDArray[np.uint32]
    engagement: F64
    """Hidden: chance of a human open at a neutral hour with a neutral subject."""
    archetype: I8
    """Hidden: which archetype the contact belongs to."""
    peak_hour: F32
    """Hidden: local hour of the contact's highest open chance."""
    amplitude: F32
    """Hidden: how much the open chance swings over the day."""
    weekend: F32
    """Hidden: the contact's own weekend multiplier."""
    click_propensity: F64
    """Hidden: chance of a click given a human open."""
    unsubscribe_hazard: F64
    complaint_hazard: F64
    fatigue_sensitivity: F32
    """Hidden: multiplier of the scenario's fatigue strength."""
    purchase_rate: F64
    """Hidden: mean orders per week."""
    invalid: npt.NDArray[np.bool_]
    """Hidden: the address bounces (hard) on every send."""
    mpp: npt.NDArray[np.bool_]
    """Hidden: the client pre-fetches every message through a privacy proxy."""

    @property
    def size(self) -> int:
        return int(self.locale.shape[0])

    def contact_id(self, index: int) -> ContactId:
        return ContactId(f"C{index + 1:07d}")

    def contact_ids(self, indexes: npt.NDArray[np.int64] | None = None) -> list[ContactId]:
        chosen = range(self.size) if indexes is None else indexes.tolist()
        return [ContactId(f"C{i + 1:07d}") for i in chosen]

    def index_of(self, contact_ids: Sequence[str]) -> I64:
        """Indexes of ``contact_ids``; an id not in the population raises ``KeyError``."""
        try:
            indexes = np.fromiter((int(c[1:]) for c in contact_ids), np.int64, len(contact_ids))
        except ValueError:
            bad = next(c for c in contact_ids if not (c[:1] == "C" and c[1:].isdigit()))
            raise KeyError(f"unknown contact id '{bad}'") from None
        indexes -= 1
        if indexes.size and (indexes.min() < 0 or indexes.max() >= self.size):
            raise KeyError("a contact id is outside this population")
        return indexes

    def first_names(self, indexes: npt.NDArray[np.int64] | None = None) -> list[str]:
        chosen = np.arange(self.size) if indexes is None else indexes
        tables = (FIRST_NAMES["en"], FIRST_NAMES["fr"])
        return [
            tables[loc][k]
            for loc, k in zip(
                self.locale[chosen].tolist(), self.first_name[chosen].tolist(), strict=True
            )
        ]

    def last_names(self, indexes: npt.NDArray[np.int64] | None = None) -> list[str]:
        chosen = np.arange(self.size) if indexes is None else indexes
        tables = (LAST_NAMES["en"], LAST_NAMES["fr"])
        return [
            tables[loc][k]
            for loc, k in zip(
                self.locale[chosen].tolist(), self.last_name[chosen].tolist(), strict=True
            )
        ]

    def emails(self, indexes: npt.NDArray[np.int64] | None = None) -> list[str]:
        chosen = np.arange(self.size) if indexes is None else indexes
        firsts, lasts = self.first_names(chosen), self.last_names(chosen)
        domains = [
            DOMAINS[CLIENTS[c]][d]
            for c, d in zip(self.client[chosen].tolist(), self.domain[chosen].tolist(), strict=True)
        ]
        return [
            f"{_ascii(f)}.{_ascii(last)}{i + 1}@{domain}"
            for f, last, i, domain in zip(firsts, lasts, chosen.tolist(), domains, strict=True)
        ]

    @cached_property
    def time_zones(self) -> tuple[str, ...]:
        return tuple(region.time_zone for region in self.regions)


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return plain.lower().replace(" ", "").replace("'", "")


def _weights(values: list[float]) -> F64:
    array = np.asarray(values, dtype=np.float64)
    return array / array.sum()


def generate_population(
    scenario: Scenario,
    rng: np.random.Generator,
    *,
    contacts: int | None = None,
    as_of: datetime = DEFAULT_START,
) -> Population:
    """Draw ``contacts`` contacts (the scenario's count by default) with their hidden traits."""
    n = scenario.audience.contacts if contacts is None else contacts
    audience = scenario.audience
    regions = audience.regions
    region = rng.choice(len(regions), n, p=_weights([r.weight for r in regions])).astype(np.int16)
    french = np.array([r.french_share for r in regions])[region]
    locale = (rng.random(n) < french).astype(np.int8)
    first = rng.integers(0, len(FIRST_NAMES["en"]), n).astype(np.int16)
    last = rng.integers(0, len(LAST_NAMES["en"]), n).astype(np.int16)

    client_names = [name for name in CLIENTS if name in audience.clients]
    client_weights = _weights([audience.clients[name] for name in client_names])
    client_codes = np.array([CLIENTS.index(name) for name in client_names], dtype=np.int8)
    client = client_codes[rng.choice(len(client_names), n, p=client_weights)]
    domain_sizes = np.array([len(DOMAINS[name]) for name in CLIENTS])
    domain = (rng.random(n) * domain_sizes[client]).astype(np.int8)

    sources = tuple(audience.signup_sources)
    signup = rng.choice(len(sources), n, p=_weights(list(audience.signup_sources.values()))).astype(
        np.int8
    )
    tenure = rng.random(n) * audience.max_tenure_years * _YEAR
    created_at = (int(as_of.timestamp()) - tenure).astype(np.int64)
    home_ip = _home_ips(region, regions, rng)

    archetypes = scenario.archetypes
    archetype = rng.choice(len(archetypes), n, p=_weights([a.weight for a in archetypes])).astype(
        np.int8
    )
    factor = np.array([a.engagement_factor for a in archetypes])[archetype]
    mean = scenario.engagement.mean_open
    kappa = scenario.engagement.concentration
    engagement = np.clip(rng.beta(mean * kappa, (1 - mean) * kappa, n) * factor, 0.0, 0.95)
    peaks = np.array([a.peak_hour for a in archetypes])[archetype]
    peak_hour = np.mod(peaks + rng.normal(0.0, scenario.timing.peak_spread_hours, n), 24.0)
    amplitudes = np.array([a.amplitude for a in archetypes])[archetype]
    amplitude = np.clip(amplitudes * rng.lognormal(0.0, 0.3, n), 0.0, 0.95)
    weekend = np.clip(1.0 + rng.normal(0.0, scenario.timing.weekend_spread, n), 0.5, 1.5)

    click_mean = scenario.engagement.click_given_open
    click = rng.beta(click_mean * 4.0, (1 - click_mean) * 4.0, n) if click_mean > 0 else np.zeros(n)
    # Dormant contacts leave more often than fans: hazards scale with how little they engage.
    dormancy = 1.0 + scenario.engagement.dormant_unsubscribe_factor * (1.0 - engagement)
    dormancy /= dormancy.mean()
    unsubscribe = scenario.engagement.unsubscribe * dormancy
    complaint = scenario.engagement.complaint * dormancy
    sensitivity = rng.lognormal(0.0, scenario.fatigue.sensitivity_spread, n)
    sensitivity /= max(float(sensitivity.mean()), 1e-9)
    purchase = scenario.purchases.weekly_rate * (0.5 + engagement / max(mean, 1e-9) * 0.5)
    invalid = rng.random(n) < scenario.deliverability.invalid_share

    apple = np.isin(client, np.array([0, 1], dtype=np.int8))
    apple_share = float(apple.mean()) if n else 0.0
    mpp_given_apple = min(1.0, scenario.privacy.mpp_share / apple_share) if apple_share else 0.0
    mpp = apple & (rng.random(n) < mpp_given_apple)

    return Population(
        regions=regions,
        signup_sources=sources,
        archetypes=tuple(a.name for a in archetypes),
        locale=locale,
        region=region,
        first_name=first,
        last_name=last,
        client=client,
        domain=domain,
        signup_source=signup,
        created_at=created_at,
        home_ip=home_ip,
        engagement=engagement,
        archetype=archetype,
        peak_hour=peak_hour.astype(np.float32),
        amplitude=amplitude.astype(np.float32),
        weekend=weekend.astype(np.float32),
        click_propensity=click,
        unsubscribe_hazard=unsubscribe,
        complaint_hazard=complaint,
        fatigue_sensitivity=sensitivity.astype(np.float32),
        purchase_rate=purchase,
        invalid=invalid,
        mpp=mpp,
    )


_FIRST_OCTETS = {"CA": (24, 70, 142, 174), "US": (73, 98, 107, 172), "EU": (2, 78, 81, 90)}


def _home_ips(
    region: I16, regions: tuple[Region, ...], rng: np.random.Generator
) -> npt.NDArray[np.uint32]:
    """Residential addresses, with first octets typical of each continent's providers."""
    n = region.shape[0]
    key = np.array(
        [0 if r.country == "CA" else 1 if r.country == "US" else 2 for r in regions], dtype=np.int8
    )[region]
    octets = np.array([_FIRST_OCTETS["CA"], _FIRST_OCTETS["US"], _FIRST_OCTETS["EU"]])
    first = octets[key, rng.integers(0, 4, n)].astype(np.uint32)
    return (first << np.uint32(24)) + rng.integers(1 << 8, 1 << 24, n, dtype=np.uint32)
