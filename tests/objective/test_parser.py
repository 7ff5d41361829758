"""The goal-sentence parser on written examples, in English and French."""

from __future__ import annotations

import pickle
from dataclasses import dataclass, replace
from datetime import date

import pytest

from overture.exceptions import ObjectiveParseError, UsageError
from overture.objective import (
    SUPPORTED_LANGUAGES,
    Direction,
    Metric,
    Objective,
    TargetKind,
    accepted_forms,
    parse_objective,
)

TODAY = date(2025, 1, 10)
UP, DOWN = Direction.INCREASE, Direction.DECREASE
REL, ABS = TargetKind.RELATIVE, TargetKind.ABSOLUTE
OPEN, CLICK, CONV = Metric.HUMAN_OPEN_RATE, Metric.CLICK_RATE, Metric.CONVERSION_RATE
UNSUB, CHURN, RPR = Metric.UNSUBSCRIBE_RATE, Metric.CHURN_RATE, Metric.REVENUE_PER_RECIPIENT


@dataclass(frozen=True)
class Expect:
    metric: Metric
    direction: Direction
    kind: TargetKind
    value: float
    audience: str = "newsletter"
    segment: str | None = None
    deadline: date | None = None
    language: str = "en"
    channel: str = "email"


def check(text: str, expected: Expect, today: date = TODAY) -> Objective:
    objective = parse_objective(text, today=today)
    got = Expect(
        metric=objective.metric,
        direction=objective.direction,
        kind=objective.target.kind,
        value=objective.target.value,
        audience=objective.scope.audience,
        segment=objective.scope.segment,
        deadline=objective.deadline,
        language=objective.language,
        channel=objective.scope.channel,
    )
    assert replace(got, value=0.0) == replace(expected, value=0.0)
    assert got.value == pytest.approx(expected.value)
    assert objective.text == text.strip()
    return objective


def fails(text: str, today: date = TODAY) -> ObjectiveParseError:
    with pytest.raises(ObjectiveParseError) as caught:
        parse_objective(text, today=today)
    return caught.value


# The sentences the brief names, one by one.


def test_flagship_newsletter_objective() -> None:
    objective = check(
        "Increase the open rate of our newsletter by 20%", Expect(OPEN, UP, REL, 0.20)
    )
    assert objective.describe().startswith("Increase the open rate (human opens)")


def test_click_through_to_a_level_by_a_month() -> None:
    check(
        "raise click-through to 4% by March",
        Expect(CLICK, UP, ABS, 0.04, deadline=date(2025, 3, 31)),
    )


def test_french_flagship_objective() -> None:
    check(
        "Augmenter le taux d'ouverture de notre infolettre de 20 %",
        Expect(OPEN, UP, REL, 0.20, language="fr"),
    )


def test_cut_in_half() -> None:
    check("cut unsubscribes in half", Expect(UNSUB, DOWN, REL, -0.5))


ENGLISH = [
    ("boost clicks by 15%", Expect(CLICK, UP, REL, 0.15)),
    ("grow conversions by 15 percent", Expect(CONV, UP, REL, 0.15)),
    ("improve the open rate by 10 per cent", Expect(OPEN, UP, REL, 0.10)),
    ("lift opens by 12 pct", Expect(OPEN, UP, REL, 0.12)),
    ("double clicks", Expect(CLICK, UP, REL, 1.0)),
    ("triple conversions", Expect(CONV, UP, REL, 2.0)),
    ("halve unsubscribes", Expect(UNSUB, DOWN, REL, -0.5)),
    ("reduce unsubscribes by half", Expect(UNSUB, DOWN, REL, -0.5)),
    ("lower the unsubscribe rate by 30%", Expect(UNSUB, DOWN, REL, -0.30)),
    ("decrease opt-outs by 5%", Expect(UNSUB, DOWN, REL, -0.05)),
    ("reduce churn by 10%", Expect(CHURN, DOWN, REL, -0.10)),
    ("cut attrition by 2.5%", Expect(CHURN, DOWN, REL, -0.025)),
    ("grow CTR from 18% to 22%", Expect(CLICK, UP, ABS, 0.22)),
    ("get the click rate from 3 to 4%", Expect(CLICK, UP, ABS, 0.04)),
    ("bring unsubscribes from 0.5% down to 0.3%", Expect(UNSUB, DOWN, ABS, 0.003)),
    ("increase the open rate to 25%", Expect(OPEN, UP, ABS, 0.25)),
    ("opens up 10%", Expect(OPEN, UP, REL, 0.10)),
    ("unsubscribes down 10%", Expect(UNSUB, DOWN, REL, -0.10)),
    ("CTR +15%", Expect(CLICK, UP, REL, 0.15)),
    ("10% more clicks", Expect(CLICK, UP, REL, 0.10)),
    ("20% fewer unsubscribes", Expect(UNSUB, DOWN, REL, -0.20)),
    ("a 5% lift in conversions", Expect(CONV, UP, REL, 0.05)),
    ("get unsubscribes below 0.2%", Expect(UNSUB, DOWN, ABS, 0.002)),
    ("keep churn under 3%", Expect(CHURN, DOWN, ABS, 0.03)),
    ("hit a 25% open rate", Expect(OPEN, UP, ABS, 0.25)),
    ("reach an open rate of 25%", Expect(OPEN, UP, ABS, 0.25)),
    ("achieve a click rate of at least 4%", Expect(CLICK, UP, ABS, 0.04)),
    ("increase the conversion rate by 8%", Expect(CONV, UP, REL, 0.08)),
    ("increase revenue per recipient to $0.50", Expect(RPR, UP, ABS, 0.50)),
    ("raise revenue per email by 10%", Expect(RPR, UP, REL, 0.10)),
    ("raise RPR to 50 cents", Expect(RPR, UP, ABS, 0.50)),
    ("increase RPR to 1.20 euros", Expect(RPR, UP, ABS, 1.20)),
    ("improve unsubscribes by 20%", Expect(UNSUB, DOWN, REL, -0.20)),
    ("improve churn to 2%", Expect(CHURN, DOWN, ABS, 0.02)),
    ("increase the click rate by 4,5%", Expect(CLICK, UP, REL, 0.045)),
    ("reduce unsubscribes by -20%", Expect(UNSUB, DOWN, REL, -0.20)),
    ("increase human opens by 5%", Expect(OPEN, UP, REL, 0.05)),
    ("reduce unsubscribes to below 0.2%", Expect(UNSUB, DOWN, ABS, 0.002)),
    ("increase CTR 4%", Expect(CLICK, UP, REL, 0.04)),
    ("keep unsubscribes at most 0.3%", Expect(UNSUB, DOWN, ABS, 0.003)),
]


@pytest.mark.parametrize(("text", "expected"), ENGLISH, ids=[t for t, _ in ENGLISH])
def test_english_phrasings(text: str, expected: Expect) -> None:
    check(text, expected)


SCOPES = [
    (
        "increase the open rate of our weekly digest by 5%",
        Expect(OPEN, UP, REL, 0.05, "weekly digest"),
    ),
    (
        "increase the open rate of the product updates list by 5%",
        Expect(OPEN, UP, REL, 0.05, "product updates"),
    ),
    ("increase the newsletter open rate by 5%", Expect(OPEN, UP, REL, 0.05)),
    ("increase our weekly digest's open rate by 5%", Expect(OPEN, UP, REL, 0.05, "weekly digest")),
    (
        "increase the open rate for the VIP segment by 20%",
        Expect(OPEN, UP, REL, 0.2, segment="vip"),
    ),
    (
        "increase the click rate among new subscribers by 10%",
        Expect(CLICK, UP, REL, 0.1, segment="new subscribers"),
    ),
    (
        "increase RPR for our VIP customers by 3%",
        Expect(RPR, UP, REL, 0.03, segment="vip customers"),
    ),
    ("increase clicks in segment gold by 3%", Expect(CLICK, UP, REL, 0.03, segment="gold")),
    (
        "increase clicks of the product updates list for the VIP segment by 3%",
        Expect(CLICK, UP, REL, 0.03, "product updates", "vip"),
    ),
    (
        'increase the open rate of our "Tips for Beginners" newsletter by 20%',
        Expect(OPEN, UP, REL, 0.2, "tips for beginners"),
    ),
    ("increase opens of our email newsletter by 5%", Expect(OPEN, UP, REL, 0.05)),
    ("increase opens of our sms list by 5%", Expect(OPEN, UP, REL, 0.05, channel="sms")),
    ("increase opens among all subscribers by 5%", Expect(OPEN, UP, REL, 0.05)),
    ("increase SMS clicks by 5%", Expect(CLICK, UP, REL, 0.05, channel="sms")),
    ("increase clicks on push notifications by 5%", Expect(CLICK, UP, REL, 0.05, channel="push")),
    (
        "Please, we want to increase our newsletter's open rate by 20%!",
        Expect(OPEN, UP, REL, 0.2),
    ),
]


@pytest.mark.parametrize(("text", "expected"), SCOPES, ids=[t for t, _ in SCOPES])
def test_lists_segments_and_channels(text: str, expected: Expect) -> None:
    check(text, expected)


FRENCH = [
    ("Accroître les clics de 10 %", Expect(CLICK, UP, REL, 0.10, language="fr")),
    ("accroitre les clics de 10 %", Expect(CLICK, UP, REL, 0.10, language="fr")),
    ("Améliorer le taux de conversion de 5 %", Expect(CONV, UP, REL, 0.05, language="fr")),
    ("Hausser le taux de clics de 10 %", Expect(CLICK, UP, REL, 0.10, language="fr")),
    ("Doubler les clics", Expect(CLICK, UP, REL, 1.0, language="fr")),
    ("Multiplier par deux les conversions", Expect(CONV, UP, REL, 1.0, language="fr")),
    ("Réduire le taux de désabonnement de 30 %", Expect(UNSUB, DOWN, REL, -0.3, language="fr")),
    ("Diminuer les désabonnements de 10 %", Expect(UNSUB, DOWN, REL, -0.1, language="fr")),
    ("Baisser l'attrition de 10 %", Expect(CHURN, DOWN, REL, -0.1, language="fr")),
    ("Réduire l’attrition de 10 %", Expect(CHURN, DOWN, REL, -0.1, language="fr")),
    ("Réduire le taux de churn de 10 %", Expect(CHURN, DOWN, REL, -0.1, language="fr")),
    ("Couper de moitié les désabonnements", Expect(UNSUB, DOWN, REL, -0.5, language="fr")),
    ("Réduire de moitié les désabonnements", Expect(UNSUB, DOWN, REL, -0.5, language="fr")),
    ("Diviser par deux les désabonnements", Expect(UNSUB, DOWN, REL, -0.5, language="fr")),
    ("Augmenter le taux de clics à 4,5 %", Expect(CLICK, UP, ABS, 0.045, language="fr")),
    ("Augmenter le taux de clics à 4,5\u00a0%", Expect(CLICK, UP, ABS, 0.045, language="fr")),
    ("Augmenter le taux de clics de 20\u202f%", Expect(CLICK, UP, REL, 0.2, language="fr")),
    ("Augmenter le taux de clics de 20 pour cent", Expect(CLICK, UP, REL, 0.2, language="fr")),
    ("Faire passer le taux de clics de 3 % à 4 %", Expect(CLICK, UP, ABS, 0.04, language="fr")),
    ("Augmenter le taux d'ouverture de 18 à 22 %", Expect(OPEN, UP, ABS, 0.22, language="fr")),
    (
        "Augmenter le revenu par destinataire de 10 %",
        Expect(RPR, UP, REL, 0.1, language="fr"),
    ),
    (
        "Augmenter le revenu par destinataire à 0,50 €",
        Expect(RPR, UP, ABS, 0.5, language="fr"),
    ),
    ("Atteindre un taux d'ouverture de 25 %", Expect(OPEN, UP, ABS, 0.25, language="fr")),
    ("Taux de clics en hausse de 10 %", Expect(CLICK, UP, REL, 0.1, language="fr")),
    (
        "Réduire les désabonnements à moins de 0,2 %",
        Expect(UNSUB, DOWN, ABS, 0.002, language="fr"),
    ),
    ("Atteindre 25 % de taux d'ouverture", Expect(OPEN, UP, ABS, 0.25, language="fr")),
    (
        "Objectif : augmenter le taux d'ouverture de 20 % chez les abonnés VIP",
        Expect(OPEN, UP, REL, 0.2, segment="abonnés vip", language="fr"),
    ),
    (
        "Augmenter les ouvertures de la lettre d'information de 20 %",
        Expect(OPEN, UP, REL, 0.2, language="fr"),
    ),
    (
        "Augmenter les ouvertures de l'infolettre de 20 %",
        Expect(OPEN, UP, REL, 0.2, language="fr"),
    ),
    (
        "Augmenter les ouvertures de la newsletter de 20 %",
        Expect(OPEN, UP, REL, 0.2, language="fr"),
    ),
    (
        "Augmenter les clics de la liste Nouveautés produit de 10 %",
        Expect(CLICK, UP, REL, 0.1, "nouveautés produit", language="fr"),
    ),
    (
        "Augmenter les clics de la liste des nouveautés de 10 %",
        Expect(CLICK, UP, REL, 0.1, "nouveautés", language="fr"),
    ),
    (
        "Augmenter le taux de clics de 10 % pour le segment VIP",
        Expect(CLICK, UP, REL, 0.1, segment="vip", language="fr"),
    ),
    (
        "Augmenter le taux de clics de 10 % parmi les nouveaux abonnés",
        Expect(CLICK, UP, REL, 0.1, segment="nouveaux abonnés", language="fr"),
    ),
]


@pytest.mark.parametrize(("text", "expected"), FRENCH, ids=[t for t, _ in FRENCH])
def test_french_phrasings(text: str, expected: Expect) -> None:
    check(text, expected)


DEADLINES = [
    ("by March", date(2025, 3, 31)),
    ("by January", date(2025, 1, 31)),
    ("by december", date(2025, 12, 31)),
    ("by the end of March", date(2025, 3, 31)),
    ("by March 15", date(2025, 3, 15)),
    ("by March 15th, 2026", date(2026, 3, 15)),
    ("by 15 March", date(2025, 3, 15)),
    ("by the 15th of March", date(2025, 3, 15)),
    ("by January 5", date(2026, 1, 5)),
    ("by Jan. 5", date(2026, 1, 5)),
    ("by 2025-06-30", date(2025, 6, 30)),
    ("before March", date(2025, 2, 28)),
    ("before June 1", date(2025, 5, 31)),
    ("before the end of June", date(2025, 6, 30)),
    ("by the end of the quarter", date(2025, 3, 31)),
    ("by end of quarter", date(2025, 3, 31)),
    ("this quarter", date(2025, 3, 31)),
    ("by quarter end", date(2025, 3, 31)),
    ("by the end of next quarter", date(2025, 6, 30)),
    ("next quarter", date(2025, 6, 30)),
    ("by Q3", date(2025, 9, 30)),
    ("by the end of Q1 2026", date(2026, 3, 31)),
    ("by the end of the third quarter", date(2025, 9, 30)),
    ("by the end of the month", date(2025, 1, 31)),
    ("next month", date(2025, 2, 28)),
    ("by the end of the year", date(2025, 12, 31)),
    ("by year-end", date(2025, 12, 31)),
    ("by the end of 2026", date(2026, 12, 31)),
    ("within 8 weeks", date(2025, 3, 7)),
    ("in 30 days", date(2025, 2, 9)),
    ("within two weeks", date(2025, 1, 24)),
    ("within a month", date(2025, 2, 10)),
    ("over the next 3 months", date(2025, 4, 10)),
    ("within 1 year", date(2026, 1, 10)),
    ("no later than April 30", date(2025, 4, 30)),
]


@pytest.mark.parametrize(("phrase", "deadline"), DEADLINES, ids=[p for p, _ in DEADLINES])
def test_english_deadlines(phrase: str, deadline: date) -> None:
    check(f"increase clicks by 10% {phrase}", Expect(CLICK, UP, REL, 0.1, deadline=deadline))


FRENCH_DEADLINES = [
    ("d'ici mars", date(2025, 3, 31)),
    ("d’ici mars", date(2025, 3, 31)),
    ("d'ici fin mars", date(2025, 3, 31)),
    ("d'ici la fin de mars", date(2025, 3, 31)),
    ("d'ici la fin du mois d'avril", date(2025, 4, 30)),
    ("d'ici le 15 mars", date(2025, 3, 15)),
    ("d'ici le 15 mars 2026", date(2026, 3, 15)),
    ("d'ici août", date(2025, 8, 31)),
    ("d'ici décembre", date(2025, 12, 31)),
    ("d'ici février", date(2025, 2, 28)),
    ("avant le 1er juin", date(2025, 5, 31)),
    ("avant juin", date(2025, 5, 31)),
    ("au plus tard le 30 avril", date(2025, 4, 30)),
    ("d'ici le 15/03/2025", date(2025, 3, 15)),
    ("d'ici la fin du trimestre", date(2025, 3, 31)),
    ("avant la fin du trimestre", date(2025, 3, 31)),
    ("ce trimestre", date(2025, 3, 31)),
    ("d'ici le trimestre prochain", date(2025, 6, 30)),
    ("au prochain trimestre", date(2025, 6, 30)),
    ("d'ici la fin du trimestre prochain", date(2025, 6, 30)),
    ("d'ici la fin de l'année", date(2025, 12, 31)),
    ("d'ici fin 2026", date(2026, 12, 31)),
    ("d'ici le T3", date(2025, 9, 30)),
    ("d'ici 8 semaines", date(2025, 3, 7)),
    ("dans 8 semaines", date(2025, 3, 7)),
    ("en deux semaines", date(2025, 1, 24)),
    ("sous 30 jours", date(2025, 2, 9)),
    ("dans les 3 prochains mois", date(2025, 4, 10)),
    ("le mois prochain", date(2025, 2, 28)),
]


@pytest.mark.parametrize(
    ("phrase", "deadline"), FRENCH_DEADLINES, ids=[p for p, _ in FRENCH_DEADLINES]
)
def test_french_deadlines(phrase: str, deadline: date) -> None:
    check(
        f"Augmenter le taux de clics de 10 % {phrase}",
        Expect(CLICK, UP, REL, 0.1, deadline=deadline, language="fr"),
    )


def test_month_deadlines_roll_to_next_year_once_passed() -> None:
    late = date(2025, 4, 1)
    check(
        "raise CTR to 4% by March", Expect(CLICK, UP, ABS, 0.04, deadline=date(2026, 3, 31)), late
    )
    on_the_day = date(2025, 3, 31)
    check("raise CTR to 4% by March", Expect(CLICK, UP, ABS, 0.04, deadline=on_the_day), on_the_day)


def test_a_deadline_may_come_first_and_words_in_any_order() -> None:
    check(
        "By June 30, for the VIP segment, raise revenue per recipient to $0.50",
        Expect(RPR, UP, ABS, 0.5, segment="vip", deadline=date(2025, 6, 30)),
    )
    check(
        "D'ici mars, augmenter de 20 % le taux d'ouverture de notre infolettre",
        Expect(OPEN, UP, REL, 0.2, deadline=date(2025, 3, 31), language="fr"),
    )


def test_case_accents_apostrophes_spaces_and_punctuation_are_normalised() -> None:
    expected = Expect(OPEN, UP, REL, 0.2, language="fr")
    for text in (
        "AUGMENTER LE TAUX D’OUVERTURE DE NOTRE INFOLETTRE DE 20 %.",
        "  augmenter   le taux d'ouverture\tde notre infolettre de 20 % !!",
        "Augmenter le taux d`ouverture de notre infolettre de 20\u00a0%",
    ):
        check(text, expected)
    check("  INCREASE   THE OPEN RATE BY 20 %. ", Expect(OPEN, UP, REL, 0.2))


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_accepted_form_parses_in_its_language(language: str) -> None:
    forms = accepted_forms(language)
    assert len(forms) >= 5
    for form in forms:
        assert parse_objective(form, today=TODAY).language == language


def test_accepted_forms_refuses_an_unknown_language() -> None:
    with pytest.raises(UsageError, match="'de'") as caught:
        accepted_forms("de")
    assert "en, fr" in caught.value.fix


# What the parser refuses, and how it says so.


def test_missing_target_names_what_is_missing_and_what_was_understood() -> None:
    error = fails("increase the click rate")
    assert error.understood == {"metric": "click rate", "direction": "increase"}
    assert error.message == 'no target: say by how much ("by 20%") or to what level ("to 4%")'
    assert "Increase the open rate of our newsletter by 20%" in error.fix


def test_french_errors_suggest_french_forms() -> None:
    error = fails("Augmenter le taux de clics")
    assert '"de 20 %"' in error.message
    assert "Augmenter le taux d'ouverture de notre infolettre de 20 %" in error.fix
    assert "Increase" not in error.fix


def test_missing_metric() -> None:
    error = fails("increase it by 20%")
    assert error.message.startswith("no metric")
    assert error.understood == {"direction": "increase", "target": "by 20%"}


def test_missing_direction() -> None:
    error = fails("get CTR to 4%")
    assert error.message.startswith("no direction")
    assert error.understood == {"metric": "click rate", "target": "to 4%"}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("increase unsubscribes by -20%", "contradicts itself"),
        ("reduce churn by +10%", "contradicts itself"),
        ("increase opens from 22% to 18%", "contradicts itself"),
        ("increase opens in half", "contradicts itself"),
        ("halve unsubscribes up 10%", "two targets"),
        ("decrease opens to 150%", "150% is not a possible open rate"),
        ("reduce churn by 120%", "cannot fall by more than 100%"),
        ("increase opens by 0%", "asks for no change"),
        ("increase opens from 20% to 20%", "asks for no change"),
        ("increase open rate by 10 points", "percentage points needs the current level"),
        ("increase open rate by 2 percentage points", "to 4%"),
        ("increase RPR by $0.10", "needs the current level"),
        ("increase clicks by 20", "say a percentage"),
        ("increase CTR to 4", "whether 4 is a percentage"),
        ("increase CTR to $4", "is a rate, not an amount"),
        ("increase CTR to 4 points", "not a rate"),
        ("increase RPR to 4%", "an amount, not a percentage"),
        ("increase opens to -5%", "cannot be negative"),
        ("increase opens and clicks by 10%", "one objective moves one metric"),
        ("increase bounce rate by 10%", '"bounce rate" is not a metric Overture measures'),
        ("raise the click-to-open rate by 5%", "click-to-open rate"),
        ("increase clicks by 10% and opens by 5%", "one objective moves one metric"),
        ("increase clicks by 10% by 20%", "two targets"),
        ("increase clicks by 10% by March by June", "two deadlines"),
        ("increase clicks by 10% by 2024-01-01", "already past"),
        ("increase clicks by 10% by 2025-02-30", "not a real date"),
        ("increase clicks by 10% in March", "could not read the deadline"),
        ("increase clicks by 10% by 03/15/2025", "slashes is ambiguous"),
        ("increase open rate by twenty percent", 'could not read "by twenty percent"'),
        ("increase clicks by 10% quickly", 'could not read "quickly"'),
        ("increase clicks by 10% of the alpha list and of the beta list", "two lists"),
        ("increase clicks by 10% within 99999999999 weeks", "not a real date"),
        ("increase clicks by 1" + "0" * 400 + "%", "too large"),
    ],
)
def test_refusals_are_clear(text: str, fragment: str) -> None:
    assert fragment in fails(text).message


def test_empty_and_blank_sentences_are_refused() -> None:
    for text in ("", "   ", "..."):
        assert fails(text).message.startswith("the objective is empty")


def test_contradiction_keeps_what_was_understood() -> None:
    error = fails("increase unsubscribes by -20%")
    assert error.understood["metric"] == "unsubscribe rate"
    assert error.understood["target"] == "by -20%"


def test_parse_errors_survive_pickling() -> None:
    error = fails("increase the click rate")
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, ObjectiveParseError)
    assert (copy.message, copy.fix, copy.understood) == (
        error.message,
        error.fix,
        error.understood,
    )
    assert "How to fix" in str(copy)
