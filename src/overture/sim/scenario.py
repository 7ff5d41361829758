"""Scenarios: every knob of the simulated audience, read from a TOML file and validated.

A scenario file may start from another with ``extends = "default"``: tables are merged key by
key and arrays are replaced, so a variant only states what it changes. Unknown knobs and
impossible values are refused with a :class:`~overture.exceptions.ConfigError` naming the file,
the line where it can be found, the key and the reason.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Self, cast
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from overture.exceptions import ConfigError

__all__ = [
    "Archetype",
    "Audience",
    "Consent",
    "Deliverability",
    "Engagement",
    "Fatigue",
    "History",
    "LocalizedLine",
    "Privacy",
    "Purchases",
    "Region",
    "Scenario",
    "SubjectEffects",
    "Subjects",
    "Timing",
    "load_scenario",
    "scenario_names",
]

_STRICT = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Weight = Annotated[float, Field(gt=0.0)]


class Region(BaseModel):
    """Where a share of the audience lives: time zone, country, subdivision, language."""

    model_config = _STRICT
    time_zone: str
    """IANA time zone, e.g. ``America/Montreal``."""
    country: str = Field(pattern=r"^[A-Z]{2}$")
    """ISO 3166-1 alpha-2 code, e.g. ``CA``."""
    region: str = Field(min_length=1)
    """Subdivision code, e.g. ``QC``."""
    weight: Weight
    """Relative size of this region in the audience (weights are normalised)."""
    french_share: Probability = 0.0
    """Share of this region's contacts whose locale is ``fr`` (the rest are ``en``)."""
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    """ISO 4217 currency of this region's purchases."""

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in _zones():
            raise ValueError(f"'{value}' is not an IANA time zone (e.g. America/Toronto)")
        return value


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


class Audience(BaseModel):
    """Who is on the list."""

    model_config = _STRICT
    contacts: int = Field(default=20_000, ge=1, le=50_000_000)
    """How many contacts the population has."""
    regions: tuple[Region, ...] = Field(min_length=1)
    """Where contacts live (time zone, country, subdivision, share speaking French)."""
    signup_sources: dict[str, Weight] = Field(
        default_factory=lambda: {"web_form": 0.5, "purchase": 0.25, "import": 0.15, "event": 0.1}
    )
    """Relative weights of the ways contacts joined the list."""
    max_tenure_years: float = Field(default=6.0, gt=0.0, le=50.0)
    """Oldest contact's age on the list; tenures are spread evenly up to it."""
    clients: dict[str, Weight] = Field(
        default_factory=lambda: {
            "apple_mail_ios": 0.35,
            "apple_mail_mac": 0.08,
            "gmail": 0.30,
            "outlook": 0.15,
            "yahoo": 0.06,
            "other": 0.06,
        }
    )
    """Relative weights of the mail clients contacts read with (keys from the client table)."""

    @field_validator("signup_sources", "clients")
    @classmethod
    def _not_empty(cls, value: dict[str, float]) -> dict[str, float]:
        if not value:
            raise ValueError("needs at least one entry")
        return value

    @field_validator("clients")
    @classmethod
    def _known_clients(cls, value: dict[str, float]) -> dict[str, float]:
        known = ("apple_mail_ios", "apple_mail_mac", "gmail", "outlook", "yahoo", "other")
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise ValueError(f"unknown mail client {unknown}; known: {', '.join(known)}")
        return value


class Engagement(BaseModel):
    """How likely each contact is to open and click, before subject, time and fatigue."""

    model_config = _STRICT
    mean_open: Probability = 0.2
    """Mean chance that a person opens a message at a neutral hour with a neutral subject."""
    concentration: float = Field(default=2.0, gt=0.0)
    """Beta concentration of engagement: small = a few fans and many dormant contacts."""
    click_given_open: Probability = 0.12
    """Mean chance that a person who opened clicks a link."""
    unsubscribe: Probability = 0.002
    """Base chance per delivered message that the contact unsubscribes."""
    complaint: Probability = 0.0002
    """Base chance per delivered message that the contact marks it as spam."""
    dormant_unsubscribe_factor: float = Field(default=2.0, ge=0.0)
    """How much more the least engaged contacts unsubscribe than the most engaged."""
    open_delay_hours: float = Field(default=4.0, gt=0.0, le=48.0)
    """Median delay between delivery and a person's open, for opens not at an active hour."""
    active_open_share: Probability = 0.6
    """Share of a person's opens that come when they next check their mail, around their own
    peak hour (as readers do: why send-time optimization can learn from open timestamps);
    the rest come a lognormal delay after delivery."""
    active_spread_hours: float = Field(default=1.5, gt=0.0, le=6.0)
    """Standard deviation of an active-hour open around the contact's peak hour."""


class Timing(BaseModel):
    """Global shape of send-time response; each archetype sets its own peak hour."""

    model_config = _STRICT
    weekday_profile: tuple[float, float, float, float, float, float, float] = (
        1.0,
        1.02,
        1.0,
        1.01,
        0.98,
        0.95,
        0.96,
    )
    """Multiplier of the open chance by local weekday, Monday first."""
    weekend_spread: float = Field(default=0.05, ge=0.0, le=0.5)
    """Spread of each contact's own weekend multiplier around 1."""
    peak_spread_hours: float = Field(default=2.5, ge=0.0, le=12.0)
    """Standard deviation of a contact's peak hour around its archetype's peak."""

    @field_validator("weekday_profile")
    @classmethod
    def _positive(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if min(value) <= 0:
            raise ValueError("every weekday multiplier must be above 0")
        return value


class SubjectEffects(BaseModel):
    """Log-multipliers of the open chance, one per subject-line feature (0 = no effect)."""

    model_config = _STRICT
    personalized: float = 0.0
    """The contact's first name appears in the subject."""
    short: float = 0.0
    """30 characters or fewer."""
    long: float = 0.0
    """50 characters or more."""
    question: float = 0.0
    """Asks a question."""
    number: float = 0.0
    """Contains a number."""
    urgency: float = 0.0
    """Urgency words (last chance, today only, dernière chance...)."""
    emoji: float = 0.0
    """Contains an emoji."""
    deal: float = 0.0
    """Deal words (sale, % off, promo, soldes...)."""
    news: float = 0.0
    """News words (news, update, what's new, nouveautés...)."""
    tips: float = 0.0
    """Advice words (tips, how to, guide, conseils...)."""
    event: float = 0.0
    """Event words (event, webinar, invitation, événement...)."""
    language_mismatch: float = 0.0
    """The subject is not in the contact's language."""

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        for name, value in self.model_dump().items():
            if abs(cast(float, value)) > 3.0:
                raise ValueError(f"effect '{name}' = {value} is beyond ±3 (a 20-fold change)")
        return self


class Archetype(BaseModel):
    """A latent kind of reader: how members respond to subject features and send times."""

    model_config = _STRICT
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """Short identifier, used only in ground-truth reports."""
    weight: Weight
    """Relative share of the audience (weights are normalised)."""
    peak_hour: float = Field(ge=0.0, lt=24.0)
    """Local hour at which members are most likely to open."""
    amplitude: float = Field(default=0.1, ge=0.0, lt=1.0)
    """How much the open chance swings over the day (0.1 = ±10% around the mean)."""
    effects: SubjectEffects = SubjectEffects()
    """Subject-line effects for members, added to the global ones."""
    engagement_factor: float = Field(default=1.0, gt=0.0, le=5.0)
    """Multiplier of members' mean open chance."""


class LocalizedLine(BaseModel):
    """A subject line in English and French; ``{first_name}`` is replaced per contact."""

    model_config = _STRICT
    en: str = Field(min_length=1, max_length=200)
    """The English line."""
    fr: str = Field(min_length=1, max_length=200)
    """The French line."""


class Subjects(BaseModel):
    """Global subject-line effects and the lines the history and benchmarks use."""

    model_config = _STRICT
    effects: SubjectEffects = SubjectEffects(emoji=-0.06, language_mismatch=-0.4)
    """Effects every contact shares (an archetype's effects are added to them)."""
    generic: tuple[LocalizedLine, ...] = Field(min_length=1)
    """The sender's usual lines, rotated week by week in the history."""
    candidates: tuple[LocalizedLine, ...] = Field(min_length=3)
    """A copywriter's candidate lines, used by the oracle and the benchmarks."""


class Fatigue(BaseModel):
    """How recent sends wear contacts out."""

    model_config = _STRICT
    strength: float = Field(default=0.05, ge=0.0, le=5.0)
    """Open chance is multiplied by exp(-strength × recent sends)."""
    half_life_days: float = Field(default=7.0, gt=0.0, le=365.0)
    """How fast a past send stops counting as recent."""
    unsubscribe_boost: float = Field(default=0.5, ge=0.0, le=50.0)
    """Unsubscribe and complaint chances grow by this factor per recent send."""
    sensitivity_spread: float = Field(default=0.5, ge=0.0, le=3.0)
    """Log-normal spread of each contact's own fatigue sensitivity."""


class Privacy(BaseModel):
    """Mail privacy proxies that fetch every message at delivery (machine opens)."""

    model_config = _STRICT
    mpp_share: Probability = 0.14
    """Share of all contacts whose Apple Mail pre-fetches messages; drawn among Apple users."""
    fetch_probability: Probability = 0.97
    """Chance that a proxy fetches a given delivered message."""
    fetch_delay_seconds: float = Field(default=45.0, gt=0.0, le=3600.0)
    """Median delay between delivery and the proxy's fetch."""


class Deliverability(BaseModel):
    """Addresses that bounce."""

    model_config = _STRICT
    invalid_share: Probability = 0.004
    """Share of addresses that no longer exist (hard bounce on every send)."""
    soft_bounce: Probability = 0.005
    """Chance per message of a temporary failure (soft bounce)."""


class Consent(BaseModel):
    """How the consent records look: most are fine, some are missing or lapsed."""

    model_config = _STRICT
    missing_share: Probability = 0.03
    """Share of contacts with no consent record at all."""
    withdrawn_share: Probability = 0.02
    """Share of contacts who withdrew consent before the history starts."""
    expired_share: Probability = 0.03
    """Share of contacts whose implied consent has expired (e.g. CASL's two years)."""


class Purchases(BaseModel):
    """Orders placed by contacts, for conversion analyses."""

    model_config = _STRICT
    weekly_rate: float = Field(default=0.01, ge=0.0, le=1.0)
    """Mean number of orders per contact per week (scaled by engagement)."""
    click_boost: float = Field(default=0.08, ge=0.0, le=1.0)
    """Extra chance of an order within a day of a click."""
    median_amount: float = Field(default=60.0, gt=0.0)
    """Median order amount in the region's currency."""


class History(BaseModel):
    """What the sender did before: one newsletter a week at a fixed time."""

    model_config = _STRICT
    weeks: int = Field(default=26, ge=1, le=520)
    """How many weekly newsletters the history holds."""
    send_hour: int = Field(default=10, ge=0, le=23)
    """Hour of the fixed send, in ``send_time_zone``."""
    send_weekday: int = Field(default=1, ge=0, le=6)
    """Weekday of the fixed send, Monday = 0."""
    send_time_zone: str = "America/Toronto"
    """The sender's time zone (one instant for everyone, whatever their local hour)."""

    @field_validator("send_time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in _zones():
            raise ValueError(f"'{value}' is not an IANA time zone (e.g. America/Toronto)")
        return value


class Scenario(BaseModel):
    """Every knob of one simulated audience. See docs/simulator.md for each one."""

    model_config = _STRICT
    name: str = "custom"
    """The scenario's name (the file's stem unless set)."""
    description: str = ""
    """What this scenario is for."""
    audience: Audience
    """Who is on the list."""
    engagement: Engagement = Engagement()
    """Open, click, unsubscribe and complaint propensities."""
    timing: Timing = Timing()
    """Weekday and time-of-day response."""
    archetypes: tuple[Archetype, ...] = Field(min_length=1)
    """Latent kinds of readers (at least one)."""
    subjects: Subjects
    """Subject-line effects and lines."""
    fatigue: Fatigue = Fatigue()
    """How recent sends wear contacts out."""
    privacy: Privacy = Privacy()
    """Privacy proxies (machine opens)."""
    deliverability: Deliverability = Deliverability()
    """Bounces."""
    consent: Consent = Consent()
    """Missing and lapsed consent records."""
    purchases: Purchases = Purchases()
    """Orders."""
    history: History = History()
    """The sender's past newsletters."""

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        names = [archetype.name for archetype in self.archetypes]
        if len(set(names)) != len(names):
            raise ValueError(f"archetype names must be unique, got {names}")
        apple = sum(w for k, w in self.audience.clients.items() if k.startswith("apple"))
        apple_share = apple / sum(self.audience.clients.values())
        if self.privacy.mpp_share > apple_share + 1e-9:
            raise ValueError(
                f"privacy.mpp_share {self.privacy.mpp_share} exceeds the share of Apple Mail "
                f"users ({apple_share:.3f}); raise the apple_mail_* client weights or lower it"
            )
        lapsed = self.consent.missing_share + self.consent.withdrawn_share
        if lapsed + self.consent.expired_share > 1.0:
            raise ValueError("consent shares (missing + withdrawn + expired) exceed 1")
        return self


_SHIPPED = "overture.sim.scenarios"


def scenario_names() -> list[str]:
    """The scenarios shipped with Overture, by name."""
    folder = resources.files(_SHIPPED)
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Read a shipped scenario by name, or a scenario file by path, and validate it."""
    raw, label, text = _read(name_or_path, chain=())
    try:
        return Scenario.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        loc = tuple(first["loc"])
        key = ".".join(str(part) for part in loc)
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = f"unknown knob '{loc[-1]}'"
            fix = "remove it or check its spelling against docs/simulator.md"
        elif first["type"] == "missing":
            fix = "add this knob (docs/simulator.md lists every one)"
            message = "required knob is missing"
        else:
            fix = "set a possible value (docs/simulator.md gives each knob's range)"
        raise ConfigError(
            message, fix, file=label, line=_line_of(text, loc), key=key or "(top level)"
        ) from None


def _read(name_or_path: str | Path, chain: tuple[str, ...]) -> tuple[dict[str, object], str, str]:
    text, label, stem = _source(name_or_path)
    if label in chain:
        raise ConfigError(
            f"'extends' loops back to {label}", "break the cycle of extends", file=label
        )
    try:
        raw: dict[str, object] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+)", str(error))
        raise ConfigError(
            f"not valid TOML: {error}",
            "fix the TOML syntax at that line",
            file=label,
            line=int(found.group(1)) if found else None,
        ) from None
    own_name = raw.get("name")
    parent = raw.pop("extends", None)
    if parent is not None:
        if not isinstance(parent, str):
            raise ConfigError(
                "'extends' must name a scenario",
                'write e.g. extends = "default"',
                file=label,
                line=_line_of(text, ("extends",)),
                key="extends",
            )
        base, _, _ = _read(parent, (*chain, label))
        raw = _merge(base, raw)
    raw["name"] = own_name if own_name is not None else stem
    return raw, label, text


def _source(name_or_path: str | Path) -> tuple[str, str, str]:
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.is_file():
        if not candidate.is_file():
            raise ConfigError(
                "scenario file not found",
                f"check the path, or use a shipped scenario: {', '.join(scenario_names())}",
                file=str(candidate),
            )
        return candidate.read_text(encoding="utf-8"), str(candidate), candidate.stem
    name = str(name_or_path)
    if name not in scenario_names():
        raise ConfigError(
            f"no scenario named '{name}'",
            f"use one of {', '.join(scenario_names())} or a path to a .toml file",
            file=name,
        )
    text = resources.files(_SHIPPED).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return text, f"{name}.toml", name


def _merge(base: Mapping[str, object], override: Mapping[str, object]) -> dict[str, object]:
    merged = dict(base)
    for key, value in override.items():
        old = merged.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            merged[key] = _merge(cast(dict[str, object], old), cast(dict[str, object], value))
        else:
            merged[key] = value
    return merged


def _line_of(text: str, loc: tuple[object, ...]) -> int | None:
    """Best-effort line of the key at ``loc`` (tomllib keeps no positions)."""
    lines = text.splitlines()
    start, section = 0, ""
    keys = [part for part in loc if isinstance(part, str)]
    indexes = [part for part in loc if isinstance(part, int)]
    for depth in range(len(keys) - 1, 0, -1):
        table = ".".join(keys[:depth])
        headers = [
            number
            for number, line in enumerate(lines)
            if re.match(rf"^\s*\[\[?\s*{re.escape(table)}\s*\]\]?\s*$", line)
        ]
        if headers:
            position = indexes[0] if indexes and indexes[0] < len(headers) else 0
            start, section = headers[position], table
            break
    leaf = keys[len(section.split(".")) if section else 0 :] or keys[-1:]
    pattern = re.compile(rf"^\s*{re.escape(str(leaf[0]))}\s*=") if leaf else None
    for number in range(start, len(lines)):
        if number > start and section and lines[number].lstrip().startswith("["):
            break
        if pattern is not None and pattern.match(lines[number]):
            return number + 1
    return start + 1 if section else None
