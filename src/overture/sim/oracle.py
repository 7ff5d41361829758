"""The oracle: expected human-open rates of plans, and the best plan the levers allow.

A :class:`Plan` says, per contact, when the message goes out and which subject template it
carries (holdout contacts are simply not in it). The :class:`Oracle` reads the hidden traits,
so only benchmarks hold it: it scores any plan exactly as the channel draws, and finds the best
rate reachable by choosing, per contact, the best send hour and the best subject among a
candidate set. Benchmarks report regret and percent-of-oracle against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import numpy.typing as npt

from overture.channels.base import PlannedSend, Recipient
from overture.ids import CampaignId, IdempotencyKey
from overture.sim.behaviour import ResponseModel, local_clock, subject_table, utc_for_local
from overture.sim.channel import SendBatch
from overture.sim.population import DEFAULT_START, Population
from overture.sim.scenario import Scenario
from overture.sim.subjects import render_subject
from overture.sim.truth import GroundTruth

__all__ = ["Oracle", "OracleBest", "Plan"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
_DELIVERY_LAG = 45  # seconds between a send time and its delivery, on average


@dataclass(frozen=True, eq=False)
class Plan:
    """Per contact: the send time (epoch seconds) and the subject template."""

    contacts: I64
    send_at: I64
    subjects: tuple[str, ...]
    subject: I64
    """Each contact's template, an index into ``subjects``."""

    @classmethod
    def at_local_hours(
        cls,
        population: Population,
        contacts: I64,
        day: date,
        local_hour: npt.NDArray[np.float64] | npt.NDArray[np.int64],
        subjects: Sequence[str],
        subject: I64,
    ) -> Plan:
        """A plan sending on ``day`` at each contact's own local hour."""
        hours = np.asarray(local_hour, dtype=np.float64)
        send_at = utc_for_local(population.time_zones, population.region[contacts], day, hours)
        return cls(contacts, send_at, tuple(subjects), subject)

    @property
    def size(self) -> int:
        return int(self.contacts.shape[0])

    def batch(self, key: str, campaign_id: str, urls: tuple[str, ...] = ()) -> SendBatch:
        """The plan as a columnar send for :meth:`SimulatedEmailChannel.send_batch`."""
        return SendBatch(
            key=IdempotencyKey(key),
            campaign_id=CampaignId(campaign_id),
            contacts=self.contacts,
            send_at=self.send_at,
            subjects=self.subjects,
            subject=self.subject,
            urls=urls,
        )

    def planned_send(
        self, population: Population, key: str, campaign_id: str, content: str = ""
    ) -> PlannedSend:
        """The plan as the Channel protocol's :class:`PlannedSend`, subjects rendered."""
        names = population.first_names(self.contacts)
        emails = population.emails(self.contacts)
        ids = population.contact_ids(self.contacts)
        recipients = tuple(
            Recipient(
                contact_id=cid,
                address=email,
                send_at=datetime.fromtimestamp(at, UTC),
                subject=render_subject(self.subjects[s], name),
            )
            for cid, email, at, s, name in zip(
                ids, emails, self.send_at.tolist(), self.subject.tolist(), names, strict=True
            )
        )
        return PlannedSend(
            key=IdempotencyKey(key),
            campaign_id=CampaignId(campaign_id),
            recipients=recipients,
            content=content,
        )


@dataclass(frozen=True, eq=False)
class OracleBest:
    """The best reachable expected human-open rate, and the plan that reaches it."""

    rate: float
    plan: Plan


class Oracle:
    """Scores plans on the hidden traits. Hand it to benchmarks, never to agents."""

    def __init__(
        self, population: Population, scenario: Scenario, truth: GroundTruth | None = None
    ) -> None:
        self.population = population
        self.scenario = scenario
        self.truth = truth
        self._model = ResponseModel(population, scenario)

    def open_probabilities(self, plan: Plan, load: F64 | None = None) -> F64:
        """Each planned contact's chance of a human open if delivered.

        ``load`` is each planned contact's fatigue load (a past send's :attr:`SendTruth.load`,
        to score another plan for the same moment); by default, the load the truth holds now.
        """
        contacts = plan.contacts
        moments = plan.send_at + _DELIVERY_LAG
        hour, weekday = local_clock(self.population, contacts, moments)
        table = subject_table(plan.subjects)
        if load is None:
            load = self._load(contacts, moments)
        return self._model.open_probability(contacts, hour, weekday, table, plan.subject, load)

    def expected_rate(self, plan: Plan, load: F64 | None = None) -> float:
        """Expected human opens per delivered message under ``plan`` (``load``: as above)."""
        chance = self.open_probabilities(plan, load)
        valid = ~self.population.invalid[plan.contacts]
        return float(chance[valid].mean()) if valid.any() else 0.0

    def best_rate(
        self,
        candidate_subjects: Sequence[str],
        hours: Sequence[int] = tuple(range(24)),
        *,
        contacts: I64 | None = None,
        day: date | None = None,
    ) -> OracleBest:
        """Best expected rate choosing, per contact, an hour in ``hours`` and a candidate line.

        ``day`` is the local date of the send; by default, the sender's usual weekday in the
        first week of simulated time.
        """
        if not candidate_subjects or not hours:
            raise ValueError("the oracle needs at least one candidate subject and one hour")
        if day is None:
            day = DEFAULT_START.date() + timedelta(days=self.scenario.history.send_weekday)
        pop = self.population
        chosen = np.arange(pop.size, dtype=np.int64) if contacts is None else contacts
        n = chosen.shape[0]
        table = subject_table(list(candidate_subjects))
        by_subject = np.stack(
            [
                self._model.subject_multiplier(chosen, table, np.full(n, s, np.int64))
                for s in range(len(candidate_subjects))
            ],
            axis=1,
        )
        weekday = np.full(n, day.weekday(), np.int64)
        by_hour = np.stack(
            [self._model.time_multiplier(chosen, np.full(n, float(h)), weekday) for h in hours],
            axis=1,
        )
        # The chance is a product of separate factors, so the best pair is each factor's best.
        best_subject = np.argmax(by_subject, axis=1).astype(np.int64)
        best_hour = np.asarray(hours, dtype=np.float64)[np.argmax(by_hour, axis=1)]
        plan = Plan.at_local_hours(pop, chosen, day, best_hour, candidate_subjects, best_subject)
        return OracleBest(self.expected_rate(plan), plan)

    def _load(self, contacts: I64, moments: I64) -> F64:
        if self.truth is None:
            return np.zeros(contacts.shape[0], dtype=np.float64)
        return self.truth.load_at(contacts, moments, self.scenario.fatigue.half_life_days)
