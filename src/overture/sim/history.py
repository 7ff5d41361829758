"""History: weeks of past newsletters, written in the customer store's import formats.

The sender's past is simulated through the same channel as any live send (a fixed weekly
instant, the usual generic lines, suppression of unsubscribes, complaints and hard bounces),
then written as CSV files in exactly the layouts of docs/data-formats.md: ``crm-contacts``,
``consents``, ``email-events`` and ``purchases``. Nothing in them says which opens were machine
opens: an analyst reads what a provider would have reported.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt

from overture.sim._order import stable_order
from overture.sim.channel import EVENT_KINDS, EventTable, SimulatedEmailChannel
from overture.sim.clients import user_agents
from overture.sim.policies import PublicAudience, static_plan, weekly_send_moment
from overture.sim.population import DEFAULT_START, LOCALES, Population, generate_population
from overture.sim.scenario import Scenario
from overture.sim.subjects import NAME_SLOT, render_subject
from overture.sim.truth import GroundTruth

__all__ = ["CONSENT_COLUMNS", "CONTACT_COLUMNS", "EVENT_COLUMNS", "HistoryFiles", "write_history"]

CONTACT_COLUMNS = (
    "contact_id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "locale",
    "time_zone",
    "country",
    "region",
    "signup_source",
    "created_at",
)
CONSENT_COLUMNS = (
    "contact_id",
    "channel",
    "purpose",
    "legal_basis",
    "status",
    "recorded_at",
    "expires_at",
    "source",
)
EVENT_COLUMNS = (
    "event_id",
    "contact_id",
    "email",
    "campaign_id",
    "event_type",
    "occurred_at",
    "subject",
    "arm",
    "user_agent",
    "ip",
    "url",
    "bounce_type",
)
PURCHASE_COLUMNS = ("order_id", "contact_id", "email", "amount", "currency", "occurred_at")

I64 = npt.NDArray[np.int64]
_WEEK = 7 * 86_400
_YEAR = 365 * 86_400
_EU = {"FR", "BE", "DE", "ES", "GB", "IT", "NL", "IE", "PT", "AT", "LU"}
_GONE = ("unsubscribed", "complained")


@dataclass(frozen=True)
class HistoryFiles:
    """Where the history was written, and how many rows each file holds."""

    contacts: Path
    consents: Path
    email_events: Path
    purchases: Path
    rows: dict[str, int]


def write_history(
    population: Population,
    scenario: Scenario,
    weeks: int,
    out_dir: Path,
    rng: np.random.Generator,
    clock_start: datetime,
    *,
    channel: SimulatedEmailChannel | None = None,
) -> HistoryFiles:
    """Simulate ``weeks`` weekly newsletters before ``clock_start`` and write the import files.

    Pass ``channel`` to continue a live simulation from the history's fatigue and suppression
    state (a channel with a clock must not be past the history's first send, since a provider
    cannot send in the past); otherwise a private channel is drawn from ``rng``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    sender = channel or SimulatedEmailChannel(
        population, scenario, rng, truth=GroundTruth(population.size)
    )
    audience = PublicAudience.of(population)
    start = clock_start.astimezone(UTC)
    first_monday = start.date() - timedelta(days=start.weekday()) - timedelta(weeks=weeks)
    consent = _consent_plan(population, scenario, rng, int(start.timestamp()))
    mailable = consent.status != 2  # the sender honoured withdrawals made before the history
    sent_parts: list[_Sent] = []
    for week in range(weeks):
        monday = first_monday + timedelta(weeks=week)
        moment = weekly_send_moment(scenario.history, monday)
        contacts = np.flatnonzero(mailable & (population.created_at < moment)).astype(np.int64)
        plan = static_plan(
            audience, scenario.history, scenario.subjects.generic, contacts, monday, week
        )
        campaign = f"newsletter-{monday.isoformat()}"
        sender.send_batch(plan.batch(f"history-{campaign}", campaign))
        sent_parts.append(_Sent(contacts, moment, campaign, plan.subjects, plan.subject))
        feed = sender.campaign_events(campaign)
        gone = np.isin(feed.kind, [EVENT_KINDS.index(k) for k in _GONE])
        gone |= (feed.kind == EVENT_KINDS.index("bounced")) & (feed.bounce == 1)
        mailable[feed.contact[gone]] = False

    events = sender.event_table(_at(0), _at(int(start.timestamp()) + 4 * _WEEK))
    paths = HistoryFiles(
        contacts=out_dir / "crm-contacts.csv",
        consents=out_dir / "consents.csv",
        email_events=out_dir / "email-events.csv",
        purchases=out_dir / "purchases.csv",
        rows={},
    )
    emails = population.emails()
    rows = paths.rows
    rows["crm-contacts"] = _write_contacts(paths.contacts, population, emails, rng)
    unsubscribed = events.kind == EVENT_KINDS.index("unsubscribed")
    rows["consents"] = _write_consents(
        paths.consents,
        population,
        consent,
        events.contact[unsubscribed],
        events.occurred_at[unsubscribed],
    )
    rows["email-events"] = _write_events(paths.email_events, population, emails, events, sent_parts)
    clicks = events.kind == EVENT_KINDS.index("clicked")
    rows["purchases"] = _write_purchases(
        paths.purchases,
        population,
        scenario,
        emails,
        rng,
        (_midnight(first_monday), int(start.timestamp())),
        events.contact[clicks],
        events.occurred_at[clicks],
    )
    return paths


def generate_history(
    scenario: Scenario,
    out_dir: Path,
    *,
    seed: int = 0,
    weeks: int | None = None,
    contacts: int | None = None,
    start: datetime = DEFAULT_START,
) -> HistoryFiles:
    """Draw the population of ``seed`` and write its history before ``start`` into ``out_dir``.

    The population is the one :meth:`Simulation.create` draws for the same scenario, seed,
    size and start, so a live simulation continues with the contacts the files describe.
    """
    population_seed, history_seed = np.random.SeedSequence(seed).spawn(2)
    population = generate_population(
        scenario, np.random.default_rng(population_seed), contacts=contacts, as_of=start
    )
    rng = np.random.default_rng(history_seed.spawn(1)[0])
    return write_history(population, scenario, weeks or scenario.history.weeks, out_dir, rng, start)


@dataclass(frozen=True, eq=False)
class _Sent:
    contacts: I64
    moment: int
    campaign: str
    subjects: tuple[str, ...]
    subject: I64


def _file_order(contact: I64, part: npt.NDArray[np.int32], moment: I64, size: int) -> I64:
    """Rows by time, then kind, then contact. The rows arrive as a few sorted runs, which a
    stable sort on one combined key merges quickly."""
    if moment.size == 0:
        return np.zeros(0, np.int64)
    offset = moment - int(moment.min())
    kinds = len(EVENT_KINDS) + 1
    if (int(offset.max()) + 1) * kinds * max(size, 1) >= 1 << 62:
        return stable_order(contact, part, moment)
    key = (offset * kinds + part) * size + contact
    return np.argsort(key, kind="stable")


def _pick(column: str, values: list[str]) -> str:
    """SQL that reads code ``column`` as one of ``values`` (NULL for -1 or none)."""
    if not values:
        return "NULL::varchar"
    literal = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"case when {column} >= 0 then [{literal}][{column} + 1] end"


def _midnight(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


# Contacts --------------------------------------------------------------------------------------


def _write_contacts(
    path: Path, population: Population, emails: list[str], rng: np.random.Generator
) -> int:
    firsts, lasts = population.first_names(), population.last_names()
    regions = population.regions
    sources = population.signup_sources
    has_phone = rng.random(population.size) < 0.6
    digits = rng.integers(0, 10, (population.size, 9))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CONTACT_COLUMNS)
        for i in range(population.size):
            region = regions[int(population.region[i])]
            phone = _phone(region.country, region.region, digits[i]) if has_phone[i] else ""
            writer.writerow(
                (
                    f"C{i + 1:07d}",
                    emails[i],
                    firsts[i],
                    lasts[i],
                    phone,
                    LOCALES[int(population.locale[i])],
                    region.time_zone,
                    region.country,
                    region.region,
                    sources[int(population.signup_source[i])],
                    _iso(int(population.created_at[i])),
                )
            )
    return population.size


_AREA = {
    "ON": "416",
    "QC": "514",
    "BC": "604",
    "AB": "403",
    "NS": "902",
    "NY": "212",
    "IL": "312",
    "CO": "303",
    "CA": "415",
}


def _phone(country: str, region: str, digits: npt.NDArray[np.int64]) -> str:
    d = "".join(str(x) for x in digits.tolist())
    if country in ("CA", "US"):
        exchange = str(200 + int(d[:3]) % 800)
        return f"({_AREA.get(region, '613')}) {exchange}-{d[3:7]}"
    if country == "FR":
        return f"06 1{d[0]} {d[2:4]} {d[4:6]} {d[6:8]}"
    if country == "BE":
        return f"+32 470 {d[0:2]} {d[2:4]} {d[4:6]}"
    if country == "GB":
        return f"+44 7911 1{d[0:5]}"
    if country == "DE":
        return f"+49 30 {d[0:7]}"
    return f"+34 6{d[0:2]} {d[2:5]} {d[5:8]}"


# Consents --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _ConsentPlan:
    status: npt.NDArray[np.int8]
    """0 valid, 1 missing, 2 withdrawn before the history, 3 expired."""
    withdrawn_at: I64
    expired_from: I64
    renewal: npt.NDArray[np.float64]
    """Where in its term an implied consent stands (a new purchase or inquiry renews it)."""
    now: int


def _consent_plan(
    population: Population, scenario: Scenario, rng: np.random.Generator, now: int
) -> _ConsentPlan:
    c = scenario.consent
    u = rng.random(population.size)
    status = np.zeros(population.size, np.int8)
    status[u < c.missing_share + c.withdrawn_share + c.expired_share] = 3
    status[u < c.missing_share + c.withdrawn_share] = 2
    status[u < c.missing_share] = 1
    created = population.created_at
    withdrawn_at = created + (rng.random(population.size) * np.maximum(now - created, 0) * 0.5)
    expired_from = now - (rng.random(population.size) * 2 * _YEAR).astype(np.int64) - 86_400
    renewal = rng.random(population.size) * 0.75
    return _ConsentPlan(status, withdrawn_at.astype(np.int64), expired_from, renewal, now)


def _basis(country: str, region: str, source: str) -> str:
    if country in _EU:
        return "soft_opt_in" if source == "purchase" else "express_consent"
    if region == "QC":
        return "express_consent"  # Law 25: consent must be manifest and purpose-specific
    if source == "purchase":
        return "implied_purchase"
    return "implied_inquiry" if source == "event" and country == "US" else "express_consent"


def _write_consents(
    path: Path,
    population: Population,
    plan: _ConsentPlan,
    unsubscribed: I64,
    unsubscribed_at: I64,
) -> int:
    regions = population.regions
    sources = population.signup_sources
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CONSENT_COLUMNS)
        for i in range(population.size):
            status = int(plan.status[i])
            if status == 1:
                continue
            region = regions[int(population.region[i])]
            source = sources[int(population.signup_source[i])]
            contact = f"C{i + 1:07d}"
            created = int(population.created_at[i])
            proof = f"{source}-{created % 100_000:05d}"
            if status == 3:
                basis = "express_consent" if region.country in _EU else "implied_purchase"
                expires = int(plan.expired_from[i])
                recorded = min(created, expires - 2 * _YEAR)
                writer.writerow(
                    (
                        contact,
                        "email",
                        "newsletter",
                        basis,
                        "given",
                        _iso(recorded),
                        _iso(expires),
                        proof,
                    )
                )
                count += 1
                continue
            basis = _basis(region.country, region.region, source)
            recorded, expires = created, ""
            term = {"implied_purchase": 2 * _YEAR, "implied_inquiry": _YEAR // 2}.get(basis)
            if term is not None:
                # CASL's clock restarts with each purchase or inquiry: the latest one counts.
                latest = plan.now - int(plan.renewal[i] * term)
                recorded = max(created, latest)
                expires = _iso(recorded + term)
                proof = f"{'order' if basis == 'implied_purchase' else 'inquiry'}-{i + 1:07d}"
            writer.writerow(
                (contact, "email", "newsletter", basis, "given", _iso(recorded), expires, proof)
            )
            count += 1
            if status == 2:
                writer.writerow(
                    (
                        contact,
                        "email",
                        "newsletter",
                        basis,
                        "withdrawn",
                        _iso(int(plan.withdrawn_at[i])),
                        "",
                        "preference-centre",
                    )
                )
                count += 1
        for i, at in zip(unsubscribed.tolist(), unsubscribed_at.tolist(), strict=True):
            region = regions[int(population.region[i])]
            source = sources[int(population.signup_source[i])]
            writer.writerow(
                (
                    f"C{i + 1:07d}",
                    "email",
                    "newsletter",
                    _basis(region.country, region.region, source),
                    "withdrawn",
                    _iso(at),
                    "",
                    "unsubscribe-link",
                )
            )
            count += 1
    return count


# Email events ----------------------------------------------------------------------------------


def _write_events(
    path: Path,
    population: Population,
    emails: list[str],
    events: EventTable,
    sent_parts: list[_Sent],
) -> int:
    firsts = population.first_names()
    subjects: list[str] = []
    sent_contacts, sent_time, sent_campaign, sent_subject = [], [], [], []
    campaign_codes = {campaign: code for code, campaign in enumerate(events.campaigns)}
    for part in sent_parts:
        offset = len(subjects)
        subjects.extend(part.subjects)
        size = part.contacts.shape[0]
        sent_contacts.append(part.contacts)
        sent_time.append(np.full(size, part.moment, np.int64))
        sent_campaign.append(np.full(size, campaign_codes[part.campaign], np.int32))
        sent_subject.append(part.subject.astype(np.int32) + offset)
    feed_size = events.kind.shape[0]
    sent_size = sum(part.shape[0] for part in sent_contacts)
    contact = np.concatenate([*sent_contacts, events.contact])
    moment = np.concatenate([*sent_time, events.occurred_at])
    part = np.concatenate([np.zeros(sent_size, np.int32), events.kind.astype(np.int32) + 1])
    # One sort here keeps the file in time order with stable event ids; every text column is
    # then gathered in that order, so the writer streams rows without joins or a second sort.
    order = _file_order(contact, part, moment, population.size)
    contact, moment, part = contact[order], moment[order], part[order]

    none = np.full(sent_size, -1, np.int32)
    subject_codes = np.concatenate([*sent_subject, np.full(feed_size, -1, np.int32)])[order]
    personal = [k for k, template in enumerate(subjects) if NAME_SLOT in template]
    rows: dict[str, npt.NDArray[np.generic]] = {
        "n": np.arange(1, order.shape[0] + 1, dtype=np.int64),
        "contact": contact,
        "email": np.array(emails, dtype=object)[contact],
        "campaign": np.concatenate([*sent_campaign, events.campaign])[order],
        "part": part,
        "t": moment,
        "subject": subject_codes,
        "agent": np.concatenate([none, events.agent.astype(np.int32)])[order],
        "ip": np.concatenate([np.zeros(sent_size, np.int64), events.ip.astype(np.int64)])[order],
        "url": np.concatenate([none, events.url])[order],
        "bounce": np.concatenate([none, events.bounce.astype(np.int32)])[order],
    }
    subject_sql = _pick("subject", subjects)
    if personal:
        # Lines with the first-name slot are rendered per row; the others stay codes.
        rendered = np.full(order.shape[0], None, dtype=object)
        rows_personal = np.flatnonzero(np.isin(subject_codes, personal))
        rendered[rows_personal] = [
            render_subject(subjects[code], firsts[who])
            for code, who in zip(
                subject_codes[rows_personal].tolist(), contact[rows_personal].tolist(), strict=True
            )
        ]
        rows["rendered"] = rendered
        subject_sql = f"coalesce(rendered, {subject_sql})"
    con = duckdb.connect()
    try:
        con.register("rows", rows)
        query = f"""
        select
            'E' || lpad(n::varchar, 9, '0') as event_id,
            'C' || lpad((contact + 1)::varchar, 7, '0') as contact_id,
            email,
            {_pick("campaign", list(events.campaigns))} as campaign_id,
            {_pick("part", ["sent", *(str(k) for k in EVENT_KINDS)])} as event_type,
            strftime(make_timestamp(t * 1000000), '%Y-%m-%dT%H:%M:%S+00:00') as occurred_at,
            {subject_sql} as subject,
            NULL::varchar as arm,
            {_pick("agent", list(user_agents()))} as user_agent,
            case when ip > 0 then
                (ip >> 24)::varchar || '.' || ((ip >> 16) & 255)::varchar || '.' ||
                ((ip >> 8) & 255)::varchar || '.' || (ip & 255)::varchar end as ip,
            {_pick("url", list(events.urls))} as url,
            {_pick("bounce", ["soft", "hard"])} as bounce_type
        from rows
        """
        con.sql(query).write_csv(str(path), header=True)
    finally:
        con.close()
    return int(order.shape[0])


# Purchases -------------------------------------------------------------------------------------


def _write_purchases(
    path: Path,
    population: Population,
    scenario: Scenario,
    emails: list[str],
    rng: np.random.Generator,
    window: tuple[int, int],
    clickers: I64,
    clicked_at: I64,
) -> int:
    low, high = window
    weeks = max((high - low) / _WEEK, 0.0)
    orders = rng.poisson(population.purchase_rate * weeks)
    buyers = np.repeat(np.arange(population.size, dtype=np.int64), orders)
    when = low + (rng.random(buyers.shape[0]) * (high - low)).astype(np.int64)
    converted = rng.random(clickers.shape[0]) < scenario.purchases.click_boost
    after = clicked_at[converted] + (rng.random(int(converted.sum())) * 86_400).astype(np.int64)
    buyers = np.concatenate([buyers, clickers[converted]])
    when = np.concatenate([when, after])
    keep = (when >= population.created_at[buyers]) & (when < high)
    buyers, when = buyers[keep], when[keep]
    order = np.argsort(when, kind="stable")
    buyers, when = buyers[order], when[order]
    amounts = rng.lognormal(np.log(scenario.purchases.median_amount), 0.6, buyers.shape[0])
    currencies = [population.regions[int(r)].currency for r in population.region[buyers]]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(PURCHASE_COLUMNS)
        for k, (i, t, amount, currency) in enumerate(
            zip(buyers.tolist(), when.tolist(), amounts.tolist(), currencies, strict=True)
        ):
            writer.writerow(
                (f"O{k + 1:08d}", f"C{i + 1:07d}", emails[i], f"{amount:.2f}", currency, _iso(t))
            )
    return int(buyers.shape[0])
