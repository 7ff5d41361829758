"""Consent, anti-spam, suppression, frequency and quiet-hour rules: small pure functions.

Each rule takes the facts about one contact, the message about to land and the policy, and
says whether the message must not be sent (``True`` blocks). Its docstring names the
regulation it enforces. :func:`first_block` runs them in order and returns the first rule
that blocks; any one rule blocking is enough. Sends are allowed only with a valid basis, so a
contact about whom nothing is known gets nothing.

Interpretation choices, all on the strict side: an opt-out is honoured at once (the laws
allow up to 10 business days); a contact whose country is unknown is held to the rules that
need consent; a withdrawal for the umbrella purpose ``marketing`` withdraws every marketing
purpose (an objection to direct marketing, GDPR Art. 21(3)), while in Quebec only a consent
for the very purpose counts (Law 25).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from overture.clock import utc
from overture.governance.facts import Basis, ConsentRecord, ContactFacts
from overture.governance.policy import Policy

__all__ = [
    "EU_COUNTRIES",
    "RULES",
    "UMBRELLA_PURPOSE",
    "Message",
    "Rule",
    "casl_implied_consent",
    "complained",
    "consent_expired",
    "consent_withdrawn",
    "current_consent",
    "first_block",
    "frequency_cap",
    "gdpr_lawful_basis",
    "gdpr_proof_of_consent",
    "hard_bounced",
    "in_quiet_hours",
    "law25_specific_purpose",
    "no_basis",
    "opted_out",
    "soft_opt_in_without_sale",
    "suppressed",
]

UMBRELLA_PURPOSE = "marketing"
"""A consent or withdrawal for ``marketing`` covers every marketing purpose (not in Quebec)."""

EU_COUNTRIES = frozenset(
    {
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
        "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
        "IS", "LI", "NO", "GB",
    }
)  # fmt: skip
"""The EU, the EEA (GDPR applies) and the United Kingdom (UK GDPR and PECR, alike here)."""

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Message:
    """One message about to land: on which channel, for which purpose, when."""

    channel: str
    purpose: str
    at: datetime


Rule = Callable[[ContactFacts, Message, Policy], bool]


def current_consent(contact: ContactFacts, message: Message) -> ConsentRecord | None:
    """The consent record in force for this channel and purpose at the message's time.

    The latest record covering the purpose decides (a withdrawal wins a tie); records made
    after the message's time do not count yet."""
    at = utc(message.at)
    covering = [
        record
        for record in contact.consents
        if record.channel == message.channel
        and record.purpose in (message.purpose, UMBRELLA_PURPOSE)
        and utc(record.recorded_at) <= at
    ]
    if not covering:
        return None
    return max(covering, key=lambda r: (utc(r.recorded_at), not r.given))


def _is_eu(contact: ContactFacts) -> bool:
    return contact.country in EU_COUNTRIES


def _is_ca(contact: ContactFacts) -> bool:
    return contact.country == "CA"


def _opt_out_regime(contact: ContactFacts, policy: Policy) -> bool:
    return bool(contact.country) and contact.country in policy.consent.opt_out_countries


def suppressed(contact: ContactFacts, message: Message, policy: Policy) -> bool:
    """On a suppression list: never sent to, on any list (industry practice; a person who
    asked never to be contacted again is kept here, CAN-SPAM 15 U.S.C. 7704(a)(4))."""
    return contact.suppressed


def complained(contact: ContactFacts, message: Message, policy: Policy) -> bool:
    """Marked a message as spam: treated as an opt-out from then on (mailbox providers'
    sender guidelines; CAN-SPAM 15 U.S.C. 7704(a)(4) for the opt-out it amounts to)."""
    return any(utc(t) <= utc(message.at) for t in contact.complaints)


def hard_bounced(contact: ContactFacts, message: Message, policy: Policy) -> bool:
    """The address does not exist (a hard bounce): suppressed from then on (practice)."""
    return any(utc(t) <= utc(message.at) for t in contact.hard_bounces)


def opted_out(contact: ContactFacts, message: Message, policy: Policy) -> bool:
    """Unsubscribed: honoured at once, across all lists, until a later express consent.

    CAN-SPAM 15 U.S.C. 7704(a)(4) and 16 CFR 316.5 (no sending more than 10 business days
    after an opt-out); CASL s. 11(3) (unsubscribe given effect within 10 business days);
    GDPR Art. 21(3) (no more processing for direct marketing after an objection)."""
    at = utc(message.at)
    past = [utc(t) for t in contact.opt_outs if utc(t) <= at]
    if not past:
        return False
    latest = max(past)
    return not any(
        r.given
        and r.basis is Basis.EXPRESS_CONSENT
        and r.channel == message.channel
        and r.purpose in (message.purpose, UMBRELLA_PURPOSE)
        and latest < utc(r.recorded_at) <= at
        for r in contact.consents
    )


def consent_withdrawn(contact: ContactFacts, message: Message, policy: Policy) -> bool:
    """The consent in force is a withdrawal: nothing is sent from its time on.

    GDPR Art. 7(3) (withdrawal at any time, effective from then on) and Art. 21(2)-(3)
    (objection to direct marketing is absolute); CASL s. 11 (withdrawal of consent);
    Quebec P-39.1 s. 14 (consent lasts only as long as the person allows)."""
    record = current_consent(contact, message)
    return record is not None and not record.given


def consent_expired(contact: ContactFacts, message: Message, policy: Policy) -> bool:
    """The consent in force has an expiry date that has passed.

    Quebec P-39.1 s. 14 (consent is valid only for the time needed for its purpose);
    GDPR Art. 7(1) (the controller must be able to show consent valid at the time)."""
    record = current_consent(contact, message)
    return (
        record is not None
        and record.given
        and record.expires_at is not None
        and utc(record.expires_at) <= utc(message.at)
    )


def no_basis(contact: ContactFacts, message: Message, policy: Policy) -> bool:
    """No consent recorded for this channel and purpose.

    GDPR Art. 6(1) (no lawful basis) with ePrivacy Directive 2002/58/EC Art. 13(1) (no
    marketing email without prior consent); CASL s. 6(1)(a) (no commercial electronic message
    without express or implied consent); Quebec P-39.1 s. 14. Only where the policy names the
    contact's country as opt-out (CAN-SPAM, 15 U.S.C. 7704) may a message go without one."""
    if _opt_out_regime(contact, policy):
        return False
    return current_consent(contact, message) is None


def gdpr_proof_of_consent(contact: ContactFacts, message: Message, policy: Policy) -> bool:
    """In the EU, consent must be provable: an express consent without proof is no basis.
    GDPR Art. 7(1)."""
    record = current_consent(contact, message)
    return (
        _is_eu(contact)
        and record is not None
        and record.given
        and record.basis is Basis.EXPRESS_CONSENT
        and not record.proof
    )


def gdpr_lawful_basis(contact: ContactFacts, message: Message, policy: Policy) -> bool:
    """In the EU, the basis must be consent (Art. 6(1)(a)), a documented legitimate interest
    (Art. 6(1)(f), when the policy accepts it: ePrivacy Art. 13 limits it for email to
    natural persons) or the soft opt-in (ePrivacy Art. 13(2)). North-American "implied"
    consents are not GDPR bases. GDPR Art. 6(1)."""
    record = current_consent(contact, message)
    if not _is_eu(contact) or record is None or not record.given:
        return False
    if record.basis is Basis.LEGITIMATE_INTEREST:
        return not (policy.consent.accept_legitimate_interest and record.proof)
    return record.basis in (Basis.IMPLIED_PURCHASE, Basis.IMPLIED_INQUIRY)


def soft_opt_in_without_sale(contact: ContactFacts, message: Message, policy: Policy) -> bool:
    """The soft opt-in holds only for a customer: the address was obtained in a sale.
    ePrivacy Directive 2002/58/EC Art. 13(2)."""
    record = current_consent(contact, message)
    if record is None or not record.given or record.basis is not Basis.SOFT_OPT_IN:
        return False
    return not _is_ca(contact) and not any(utc(t) <= utc(message.at) for t in contact.purchases)


def _add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")  # pragma: no cover


def casl_implied_consent(contact: ContactFacts, message: Message, policy: Policy) -> bool:
    """In Canada, implied consent from an existing business relationship lasts 2 years after
    the last purchase and 6 months after the last inquiry; a new one restarts the clock.
    Legitimate interest is no CASL basis. CASL s. 10(9)(a) and 10(10) (CRTC guidance on
    implied consent)."""
    record = current_consent(contact, message)
    if not _is_ca(contact) or record is None or not record.given:
        return False
    at = utc(message.at)
    if record.basis is Basis.EXPRESS_CONSENT:
        return False
    if record.basis is Basis.LEGITIMATE_INTEREST:
        return True
    if record.basis is Basis.IMPLIED_INQUIRY:
        events, months = contact.inquiries, 6
    else:  # implied purchase, or a soft opt-in, which rests on a purchase too
        events, months = contact.purchases, 24
    anchors = [utc(record.recorded_at), *(utc(t) for t in events if utc(t) <= at)]
    return at >= _add_months(max(anchors), months)


def law25_specific_purpose(contact: ContactFacts, message: Message, policy: Policy) -> bool:
    """In Quebec, consent is given for specific purposes: a general "marketing" consent or a
    legitimate interest does not cover this purpose. Quebec P-39.1 s. 14 (as amended by
    Law 25)."""
    record = current_consent(contact, message)
    if contact.country != "CA" or contact.region != "QC" or record is None or not record.given:
        return False
    return record.purpose != message.purpose or record.basis in (
        Basis.LEGITIMATE_INTEREST,
        Basis.SOFT_OPT_IN,
    )


def frequency_cap(contact: ContactFacts, message: Message, policy: Policy) -> bool:
    """At most ``sends.max_per_contact_per_week`` messages in any 7 days (policy; practice,
    e.g. Klaviyo's smart sending). A message is refused when the others within 7 days of it,
    before or after, already reach the cap, so no 7-day window can ever exceed it."""
    at = utc(message.at)
    near = sum(1 for t in contact.sends if abs(utc(t) - at) < WEEK)
    return near >= policy.sends.max_per_contact_per_week


def _zone(name: str, fallback: str) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else ZoneInfo(fallback)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(fallback)


def _within(local: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # the window wraps past midnight


def in_quiet_hours(contact: ContactFacts, message: Message, policy: Policy) -> bool:
    """The message would land in quiet hours in the contact's own time zone (policy). No
    statute sets quiet hours for email; the US bans telephone solicitation before 8 a.m. and
    after 9 p.m. local time (47 CFR 64.1200(c)(1)), the policy's default window."""
    quiet = policy.quiet_hours
    if not quiet.enabled:
        return False
    zone = _zone(contact.time_zone, quiet.default_time_zone)
    local = utc(message.at).astimezone(zone).time().replace(tzinfo=None)
    return _within(local, quiet.start, quiet.end)


RULES: tuple[tuple[str, Rule], ...] = (
    ("suppression-list (practice: suppressed on every list)", suppressed),
    ("complaint (CAN-SPAM 15 U.S.C. 7704(a)(4))", complained),
    ("hard-bounce (practice: mailbox providers' sender rules)", hard_bounced),
    ("opt-out (CAN-SPAM 15 U.S.C. 7704(a)(4); CASL s. 11(3))", opted_out),
    ("consent-withdrawn (GDPR Art. 7(3), 21(3); CASL s. 11)", consent_withdrawn),
    ("consent-expired (P-39.1 s. 14; GDPR Art. 7(1))", consent_expired),
    ("no-basis (GDPR Art. 6(1); ePrivacy Art. 13(1); CASL s. 6(1))", no_basis),
    ("no-proof (GDPR Art. 7(1))", gdpr_proof_of_consent),
    ("lawful-basis (GDPR Art. 6(1))", gdpr_lawful_basis),
    ("soft-opt-in (ePrivacy Art. 13(2))", soft_opt_in_without_sale),
    ("implied-consent-expired (CASL s. 10(9)-(10))", casl_implied_consent),
    ("specific-purpose (Quebec P-39.1 s. 14)", law25_specific_purpose),
    ("frequency-cap (policy sends.max_per_contact_per_week)", frequency_cap),
    ("quiet-hours (policy quiet_hours)", in_quiet_hours),
)
"""Every rule with the identifier recorded when it removes a contact, in evaluation order."""


def first_block(contact: ContactFacts, message: Message, policy: Policy) -> str | None:
    """The first rule that blocks this message to this contact, or None when it may go."""
    for name, rule in RULES:
        if rule(contact, message, policy):
            return name
    return None
