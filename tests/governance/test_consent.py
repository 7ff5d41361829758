"""Each consent, anti-spam, frequency and quiet-hour rule on its own, at its boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from governance_support import NOW, consent, contact, policy

from overture.governance.consent import (
    RULES,
    Message,
    casl_implied_consent,
    complained,
    consent_expired,
    consent_withdrawn,
    current_consent,
    first_block,
    frequency_cap,
    gdpr_lawful_basis,
    gdpr_proof_of_consent,
    hard_bounced,
    in_quiet_hours,
    law25_specific_purpose,
    no_basis,
    opted_out,
    soft_opt_in_without_sale,
    suppressed,
)
from overture.governance.facts import Basis

P = policy()
DAY = timedelta(days=1)


def msg(at: datetime = NOW, purpose: str = "newsletter", channel: str = "email") -> Message:
    return Message(channel=channel, purpose=purpose, at=at)


def test_every_rule_cites_its_reference() -> None:
    for name, rule in RULES:
        assert rule.__doc__, name
        assert "(" in name, f"{name} names no reference"
    assert len({name for name, _ in RULES}) == len(RULES)


def test_express_consent_lets_a_message_through() -> None:
    assert first_block(contact("c", consent()), msg(), P) is None


def test_nothing_known_is_no_basis() -> None:
    assert no_basis(contact("c"), msg(), P)
    assert first_block(contact("c"), msg(), P) is not None and "no-basis" in str(
        first_block(contact("c"), msg(), P)
    )


def test_consent_for_another_channel_or_purpose_does_not_count() -> None:
    assert no_basis(contact("c", consent(channel="sms")), msg(), P)
    assert no_basis(contact("c", consent(purpose="profiling")), msg(), P)


def test_a_consent_recorded_after_the_send_does_not_count_yet() -> None:
    assert no_basis(contact("c", consent(at=NOW + DAY)), msg(), P)


def test_withdrawal_is_honoured_from_its_time_on() -> None:
    person = contact("c", consent(), consent(given=False, at=NOW - DAY))
    assert consent_withdrawn(person, msg(), P)
    assert not consent_withdrawn(person, msg(at=NOW - 2 * DAY), P)  # earlier sends were lawful
    same_moment = contact("c", consent(at=NOW - DAY), consent(given=False, at=NOW - DAY))
    assert consent_withdrawn(same_moment, msg(), P)  # a tie goes to the withdrawal


def test_an_objection_to_marketing_covers_every_marketing_purpose() -> None:
    person = contact("c", consent(), consent(given=False, purpose="marketing", at=NOW - DAY))
    assert consent_withdrawn(person, msg(), P)
    again = contact(
        "c", consent(given=False, purpose="marketing", at=NOW - 2 * DAY), consent(at=NOW - DAY)
    )
    assert current_consent(again, msg()) is not None
    assert not consent_withdrawn(again, msg(), P)  # a newer consent for the purpose stands


def test_expired_consent() -> None:
    person = contact("c", consent(expires=NOW))
    assert consent_expired(person, msg(), P)
    assert not consent_expired(person, msg(at=NOW - timedelta(seconds=1)), P)


def test_opt_outs_are_honoured_at_once_until_a_new_express_consent() -> None:
    person = contact("c", consent(), opt_outs=(NOW - timedelta(minutes=1),))
    assert opted_out(person, msg(), P)
    assert not opted_out(person, msg(at=NOW - DAY), P)
    back = contact("c", consent(at=NOW - timedelta(seconds=30)), opt_outs=(NOW - DAY,))
    assert not opted_out(back, msg(), P)
    implied = contact(
        "c", consent(Basis.IMPLIED_PURCHASE, at=NOW - timedelta(seconds=30)), opt_outs=(NOW - DAY,)
    )
    assert opted_out(implied, msg(), P)  # only an express consent lifts an opt-out


def test_suppression_bounces_and_complaints() -> None:
    assert suppressed(contact("c", consent(), suppressed=True), msg(), P)
    assert hard_bounced(contact("c", consent(), hard_bounces=(NOW - DAY,)), msg(), P)
    assert not hard_bounced(contact("c", consent(), hard_bounces=(NOW + DAY,)), msg(), P)
    assert complained(contact("c", consent(), complaints=(NOW - DAY,)), msg(), P)


def test_can_spam_opt_out_regime_only_where_the_policy_says() -> None:
    american = contact("c", country="US", region="NY", time_zone="America/New_York")
    assert no_basis(american, msg(), P)
    opt_out = policy(consent={"opt_out_countries": ["US"]})
    assert not no_basis(american, msg(), opt_out)
    assert first_block(american, msg(), opt_out) is None
    unsubscribed = contact("c", country="US", opt_outs=(NOW - DAY,))
    assert first_block(unsubscribed, msg(), opt_out) is not None
    assert no_basis(contact("c", country=""), msg(), opt_out)  # unknown country: strict


def test_gdpr_needs_provable_consent_or_documented_legitimate_interest() -> None:
    def french(*records: object) -> object:
        return contact("c", *records, country="FR", region="", time_zone="Europe/Paris")  # type: ignore[arg-type]

    assert gdpr_proof_of_consent(french(consent(proof="")), msg(), P)  # type: ignore[arg-type]
    assert not gdpr_proof_of_consent(french(consent()), msg(), P)  # type: ignore[arg-type]
    assert gdpr_lawful_basis(french(consent(Basis.LEGITIMATE_INTEREST, proof="")), msg(), P)  # type: ignore[arg-type]
    assert not gdpr_lawful_basis(french(consent(Basis.LEGITIMATE_INTEREST)), msg(), P)  # type: ignore[arg-type]
    strict = policy(consent={"accept_legitimate_interest": False})
    assert gdpr_lawful_basis(french(consent(Basis.LEGITIMATE_INTEREST)), msg(), strict)  # type: ignore[arg-type]
    assert gdpr_lawful_basis(french(consent(Basis.IMPLIED_PURCHASE)), msg(), P)  # type: ignore[arg-type]
    assert not gdpr_lawful_basis(contact("c", consent(Basis.IMPLIED_PURCHASE)), msg(), P)


def test_soft_opt_in_needs_a_sale() -> None:
    german = contact("c", consent(Basis.SOFT_OPT_IN), country="DE", time_zone="Europe/Berlin")
    assert soft_opt_in_without_sale(german, msg(), P)
    customer = contact(
        "c",
        consent(Basis.SOFT_OPT_IN),
        country="DE",
        time_zone="Europe/Berlin",
        purchases=(NOW - 100 * DAY,),
    )
    assert not soft_opt_in_without_sale(customer, msg(), P)
    assert first_block(customer, msg(), P) is None


def test_casl_implied_purchase_lasts_two_years_from_the_last_purchase() -> None:
    bought = datetime(2024, 3, 2, 12, tzinfo=UTC)
    person = contact("c", consent(Basis.IMPLIED_PURCHASE, at=bought))
    assert not casl_implied_consent(person, msg(at=datetime(2026, 3, 2, 11, tzinfo=UTC)), P)
    assert casl_implied_consent(person, msg(at=datetime(2026, 3, 2, 12, tzinfo=UTC)), P)
    again = contact("c", consent(Basis.IMPLIED_PURCHASE, at=bought), purchases=(NOW - DAY,))
    assert not casl_implied_consent(again, msg(), P)  # a new purchase restarts the clock


def test_casl_implied_inquiry_lasts_six_months() -> None:
    asked = datetime(2025, 8, 31, 12, tzinfo=UTC)
    person = contact("c", consent(Basis.IMPLIED_INQUIRY, at=asked))
    assert not casl_implied_consent(person, msg(at=datetime(2026, 2, 28, 11, tzinfo=UTC)), P)
    assert casl_implied_consent(person, msg(at=datetime(2026, 2, 28, 12, tzinfo=UTC)), P)
    assert casl_implied_consent(
        contact("c", consent(Basis.LEGITIMATE_INTEREST)), msg(), P
    )  # no such basis in CASL
    assert not casl_implied_consent(contact("c", consent()), msg(), P)


def test_leap_day_anniversaries() -> None:
    person = contact("c", consent(Basis.IMPLIED_PURCHASE, at=datetime(2024, 2, 29, tzinfo=UTC)))
    assert casl_implied_consent(person, msg(at=datetime(2026, 2, 28, tzinfo=UTC)), P)
    assert not casl_implied_consent(person, msg(at=datetime(2026, 2, 27, tzinfo=UTC)), P)


def test_law_25_wants_consent_for_the_very_purpose() -> None:
    umbrella = consent(purpose="marketing")
    quebec = contact("c", umbrella, region="QC", time_zone="America/Montreal")
    assert law25_specific_purpose(quebec, msg(), P)
    assert not law25_specific_purpose(contact("c", umbrella), msg(), P)  # Ontario: covered
    specific = contact("c", consent(), region="QC", time_zone="America/Montreal")
    assert not law25_specific_purpose(specific, msg(), P)


def test_frequency_cap_counts_sends_within_seven_days_either_side() -> None:
    capped = policy(sends={"max_per_contact_per_week": 2})
    two = contact("c", consent(), sends=(NOW - 6 * DAY, NOW + 3 * DAY))
    assert frequency_cap(two, msg(), capped)
    one = contact("c", consent(), sends=(NOW - 7 * DAY, NOW - DAY))
    assert not frequency_cap(one, msg(), capped)


@pytest.mark.parametrize(
    ("zone", "utc_hour", "quiet"),
    [
        ("America/Montreal", 15, False),  # 10:00
        ("America/Montreal", 2, True),  # 21:00 the evening before
        ("America/Montreal", 12, False),  # 07:00 -> quiet
        ("Europe/Paris", 21, True),  # 22:00
        ("Asia/Tokyo", 15, True),  # 00:00
        ("", 22, True),  # unknown: the policy's default zone (UTC)
        ("Not/AZone", 10, False),  # invalid: the default zone too
    ],
)
def test_quiet_hours_in_the_contacts_own_time_zone(zone: str, utc_hour: int, quiet: bool) -> None:
    at = datetime(2026, 3, 2, utc_hour, tzinfo=UTC)
    expected = quiet if (zone, utc_hour) != ("America/Montreal", 12) else True
    assert in_quiet_hours(contact("c", time_zone=zone), msg(at=at), P) is expected


def test_quiet_hours_can_be_a_daytime_window_or_off() -> None:
    lunch = policy(quiet_hours={"start": time(12), "end": time(13)})
    noon = msg(at=datetime(2026, 3, 2, 12, 30, tzinfo=UTC))
    assert in_quiet_hours(contact("c", time_zone="UTC"), noon, lunch)
    assert not in_quiet_hours(contact("c", time_zone="UTC"), msg(at=NOW), lunch)
    off = policy(quiet_hours={"enabled": False})
    assert not in_quiet_hours(contact("c", time_zone="UTC"), msg(at=NOW.replace(hour=23)), off)
