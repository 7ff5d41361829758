"""The response model: each contact's chance of a human open, from hidden traits and the send.

One function serves the channel, the history and the oracle, so what the oracle expects is
what the channel draws from. The chance of a human open is

    engagement × time-of-day × weekday × exp(subject effects) × exp(-fatigue × recent sends)

capped at 0.95, where the subject effects are the scenario's global effects plus the contact's
archetype's, applied to the line's features, and "recent sends" decays with a half-life.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from overture.sim.population import Population
from overture.sim.scenario import Scenario, SubjectEffects
from overture.sim.subjects import FEATURES, subject_features

__all__ = [
    "ResponseModel",
    "SubjectTable",
    "local_clock",
    "subject_table",
    "utc_for_local",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
_MAX_OPEN = 0.95
_MISMATCH = FEATURES.index("language_mismatch")
_DAY = 86_400
_DENSE_HOURS = 100_000


@dataclass(frozen=True, eq=False)
class SubjectTable:
    """Features of a set of subject templates (``{first_name}`` marks personalization)."""

    templates: tuple[str, ...]
    matrix: F64
    """One row per template, :data:`FEATURES` order, language mismatch left at 0."""
    french: npt.NDArray[np.int8]
    """1 where the template is in French."""


def subject_table(templates: tuple[str, ...] | list[str]) -> SubjectTable:
    """Read the features of each template once."""
    features = [subject_features(t) for t in templates]
    matrix = np.array([f.vector("en") for f in features], dtype=np.float64).reshape(
        len(features), len(FEATURES)
    )
    matrix[:, _MISMATCH] = 0.0
    french = np.array([f.language == "fr" for f in features], dtype=np.int8)
    return SubjectTable(tuple(templates), matrix, french)


def _effects(effects: SubjectEffects) -> F64:
    values = effects.model_dump()
    return np.array([values[name] for name in FEATURES], dtype=np.float64)


class ResponseModel:
    """Open chances for any contacts, send hour, weekday, subject and fatigue load."""

    def __init__(self, population: Population, scenario: Scenario) -> None:
        self.population = population
        self.scenario = scenario
        shared = _effects(scenario.subjects.effects)
        self.effects = np.stack([shared + _effects(a.effects) for a in scenario.archetypes])
        """One row per archetype: the log-multiplier of each subject feature."""
        self.weekday = np.asarray(scenario.timing.weekday_profile, dtype=np.float64)

    def subject_multiplier(self, contacts: I64, table: SubjectTable, subject: I64) -> F64:
        archetype = self.population.archetype[contacts]
        logs = table.matrix @ self.effects.T  # templates × archetypes
        value = logs[subject, archetype]
        mismatch = table.french[subject] != self.population.locale[contacts]
        value += np.where(mismatch, self.effects[archetype, _MISMATCH], 0.0)
        return np.exp(value)

    def time_multiplier(self, contacts: I64, local_hour: F64, weekday: I64) -> F64:
        pop = self.population
        angle = (local_hour - pop.peak_hour[contacts]) * (2.0 * np.pi / 24.0)
        daily = 1.0 + pop.amplitude[contacts] * np.cos(angle)
        weekend = np.where(weekday >= 5, pop.weekend[contacts], np.float32(1.0))
        return daily * self.weekday[weekday] * weekend

    def fatigue_multiplier(self, contacts: I64, load: F64) -> F64:
        strength = self.scenario.fatigue.strength
        return np.exp(-strength * self.population.fatigue_sensitivity[contacts] * load)

    def open_probability(
        self,
        contacts: I64,
        local_hour: F64,
        weekday: I64,
        table: SubjectTable,
        subject: I64,
        load: F64,
    ) -> F64:
        """Chance of a human open for each contact, given the send and its fatigue load."""
        chance = (
            self.population.engagement[contacts]
            * self.time_multiplier(contacts, local_hour, weekday)
            * self.subject_multiplier(contacts, table, subject)
            * self.fatigue_multiplier(contacts, load)
        )
        return np.minimum(chance, _MAX_OPEN)


def local_clock(population: Population, contacts: I64, moments: I64) -> tuple[F64, I64]:
    """Local hour (fractional) and weekday (Monday = 0) of epoch-second ``moments``."""
    hours = moments // 3600
    low = int(hours.min()) if hours.size else 0
    span = int(hours.max()) - low + 1 if hours.size else 1
    if span <= _DENSE_HOURS:
        # Sends span a few days at most: index hours directly instead of sorting them.
        present = np.flatnonzero(np.bincount(hours - low, minlength=span))
        buckets = present + low
        position = np.zeros(span, np.int64)
        position[present] = np.arange(present.shape[0])
        inverse = position[hours - low]
    else:
        buckets, inverse = np.unique(hours, return_inverse=True)
    zones = [ZoneInfo(tz) for tz in population.time_zones]
    offsets = np.array(
        [[_offset(zone, int(bucket)) for bucket in buckets.tolist()] for zone in zones],
        dtype=np.int64,
    ).reshape(len(zones), buckets.shape[0])
    local = moments + offsets[population.region[contacts], inverse.reshape(-1)]
    hour = (local % _DAY) / 3600.0
    weekday = ((local // _DAY) + 3) % 7  # 1970-01-01 was a Thursday
    return hour, weekday


def _offset(zone: ZoneInfo, hour: int) -> int:
    delta = datetime.fromtimestamp(hour * 3600, UTC).astimezone(zone).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def utc_for_local(
    time_zones: tuple[str, ...], region: npt.NDArray[np.int16], day: date, local_hour: F64
) -> I64:
    """Epoch seconds of ``local_hour`` on ``day`` for contacts in ``region`` (their zone codes)."""
    midnights = np.array(
        [
            int(datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)).timestamp())
            for tz in time_zones
        ],
        dtype=np.int64,
    )
    return midnights[region] + np.round(local_hour * 3600).astype(np.int64)
