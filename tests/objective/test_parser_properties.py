"""Properties of the parser over generated goal sentences.

Sentences are composed from parts (verb, metric phrase, list, segment, target, deadline), in
either language, in any order after the verb and metric, with random case, spacing and end
punctuation; the parse must give back exactly the parts that were put in. Garbage and mangled
sentences may be refused, but only ever with an ObjectiveParseError.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overture.exceptions import ObjectiveParseError
from overture.objective import Direction, Metric, Objective, TargetKind, parse_objective

UP, DOWN = Direction.INCREASE, Direction.DECREASE
LOWER_IS_BETTER = {Metric.UNSUBSCRIBE_RATE, Metric.CHURN_RATE}
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@dataclass(frozen=True)
class Parts:
    """What a generated sentence says, and so what its parse must say."""

    metric: Metric
    direction: Direction
    kind: TargetKind
    value: float
    audience: str = "newsletter"
    segment: str | None = None
    deadline: date | None = None
    language: str = "en"


@dataclass(frozen=True)
class Language:
    code: str
    metrics: dict[Metric, tuple[str, ...]]
    up: tuple[str, ...]
    down: tuple[str, ...]
    better: tuple[str, ...]
    multipliers: tuple[tuple[str, float], ...]
    by: tuple[str, ...]
    """Templates of a relative change, ``{n}`` the number."""
    to: tuple[str, ...]
    from_to: tuple[str, ...]
    money: tuple[str, ...]
    half: tuple[str, ...]
    newsletter: tuple[str, ...]
    named_list: tuple[str, ...]
    segment: tuple[str, ...]
    names: tuple[str, ...]
    segment_names: tuple[str, ...]
    months: tuple[str, ...]
    by_month: tuple[str, ...]
    by_day: tuple[str, ...]
    before_day: tuple[str, ...]
    within_weeks: tuple[str, ...]
    end_of_quarter: tuple[str, ...]
    decimal: str


NBSP, NNBSP = "\u00a0", "\u202f"

ENGLISH = Language(
    code="en",
    metrics={
        Metric.HUMAN_OPEN_RATE: ("the open rate", "opens", "our open rate", "the human open rate"),
        Metric.CLICK_RATE: ("the click rate", "click-through", "CTR", "clicks", "the CTR"),
        Metric.CONVERSION_RATE: ("the conversion rate", "conversions"),
        Metric.UNSUBSCRIBE_RATE: ("the unsubscribe rate", "unsubscribes", "opt-outs"),
        Metric.CHURN_RATE: ("churn", "attrition", "the churn rate"),
        Metric.REVENUE_PER_RECIPIENT: ("revenue per recipient", "RPR", "revenue per email"),
    },
    up=("increase", "raise", "boost", "grow", "lift"),
    down=("reduce", "lower", "cut", "decrease"),
    better=("improve",),
    multipliers=(("double", 1.0), ("triple", 2.0), ("halve", -0.5)),
    by=("by {n}%", "by {n} %", "by {n} percent", "by {n} per cent"),
    to=("to {n}%",),
    from_to=("from {a}% to {b}%", "from {a} to {b}%"),
    money=("to ${n}", "to {n} dollars"),
    half=("in half", "by half"),
    newsletter=("of our newsletter", "of the newsletter", "for our email newsletter"),
    named_list=("of our {name}", "of the {name} list", "for the {name} list", "in {name}"),
    segment=("for the {seg} segment", "in segment {seg}", "among the {seg} segment"),
    names=("weekly", "digest", "product", "updates", "spring", "deals", "travel", "club"),
    segment_names=("vip", "gold", "loyal", "lapsed", "dormant"),
    months=tuple(calendar.month_name[1:]),
    by_month=("by {month}", "by the end of {month}"),
    by_day=("by {month} {day}", "by {day} {month}", "by the {day}th of {month}"),
    before_day=("before {month} {day}",),
    within_weeks=("within {n} weeks", "in {n} weeks", "over the next {n} weeks"),
    end_of_quarter=("by the end of the quarter", "this quarter", "by quarter end"),
    decimal=".",
)

FRENCH = Language(
    code="fr",
    metrics={
        Metric.HUMAN_OPEN_RATE: ("le taux d'ouverture", "les ouvertures", "le taux d’ouverture"),
        Metric.CLICK_RATE: ("le taux de clics", "les clics", "le taux de clic"),
        Metric.CONVERSION_RATE: ("le taux de conversion", "les conversions"),
        Metric.UNSUBSCRIBE_RATE: ("le taux de désabonnement", "les désabonnements"),
        Metric.CHURN_RATE: ("l'attrition", "le taux de churn", "l’attrition", "le churn"),
        Metric.REVENUE_PER_RECIPIENT: ("le revenu par destinataire",),
    },
    up=("augmenter", "accroître", "accroitre", "hausser", "augmentez"),
    down=("réduire", "diminuer", "baisser", "reduire"),
    better=("améliorer",),
    multipliers=(("doubler", 1.0), ("tripler", 2.0), ("diviser par deux", -0.5)),
    by=("de {n} %", "de {n}%", f"de {{n}}{NBSP}%", f"de {{n}}{NNBSP}%", "de {n} pour cent"),
    to=("à {n} %", f"à {{n}}{NBSP}%"),
    from_to=("de {a} % à {b} %", "de {a} à {b} %"),
    money=("à {n} €", "à {n} euros"),
    half=("de moitié",),
    newsletter=(
        "de notre infolettre",
        "de la newsletter",
        "de notre lettre d'information",
        "de l'infolettre",
    ),
    named_list=("de la liste {name}", "de notre {name}", "de la liste des {name}"),
    segment=("pour le segment {seg}", "dans le segment {seg}", "du segment {seg}"),
    names=("hebdo", "nouveautés", "promos", "voyage", "recettes", "jardinage"),
    segment_names=("vip", "fidèles", "inactifs", "premium"),
    months=(
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    by_month=("d'ici {month}", "d'ici fin {month}", "d’ici la fin de {month}"),
    by_day=("d'ici le {day} {month}", "au plus tard le {day} {month}"),
    before_day=("avant le {day} {month}",),
    within_weeks=("d'ici {n} semaines", "dans {n} semaines", "en {n} semaines"),
    end_of_quarter=("d'ici la fin du trimestre", "ce trimestre", "avant la fin du trimestre"),
    decimal=",",
)

LANGUAGES = (ENGLISH, FRENCH)


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def number_text(language: Language, tenths: int) -> tuple[str, float]:
    """A number written as a person would ("12", "4.5" or "4,5") and its value."""
    whole, tenth = divmod(tenths, 10)
    text = str(whole) if tenth == 0 else f"{whole}{language.decimal}{tenth}"
    return text, tenths / 10


@st.composite
def verb_and_direction(
    draw: st.DrawFn, language: Language, metric: Metric
) -> tuple[str, Direction, float | None]:
    kind = draw(st.sampled_from(["up", "down", "better", "multiplier"]))
    if kind == "multiplier":
        verb, factor = draw(st.sampled_from(language.multipliers))
        return verb, (UP if factor > 0 else DOWN), factor
    if kind == "better":
        direction = DOWN if metric in LOWER_IS_BETTER else UP
        return draw(st.sampled_from(language.better)), direction, None
    verbs = language.up if kind == "up" else language.down
    return draw(st.sampled_from(verbs)), (UP if kind == "up" else DOWN), None


@st.composite
def target(
    draw: st.DrawFn, language: Language, metric: Metric, direction: Direction
) -> tuple[str, TargetKind, float]:
    options = ["by", "level"] + (["from_to"] if metric.is_rate else [])
    options += ["half"] if direction is DOWN else []
    form = draw(st.sampled_from(options))
    if form == "half":
        return draw(st.sampled_from(language.half)), TargetKind.RELATIVE, -0.5
    if form == "by":
        limit = 1000 if direction is DOWN else 3000
        text, value = number_text(language, draw(st.integers(1, limit)))
        template = draw(st.sampled_from(language.by))
        sign = 1 if direction is UP else -1
        return template.format(n=text), TargetKind.RELATIVE, sign * value / 100
    if form == "level" and not metric.is_rate:
        cents = draw(st.integers(1, 9999))
        text = f"{cents // 100}{language.decimal}{cents % 100:02d}"
        return (
            draw(st.sampled_from(language.money)).format(n=text),
            TargetKind.ABSOLUTE,
            cents / 100,
        )
    if form == "level":
        text, value = number_text(language, draw(st.integers(0, 1000)))
        return draw(st.sampled_from(language.to)).format(n=text), TargetKind.ABSOLUTE, value / 100
    low, high = sorted(draw(st.lists(st.integers(0, 1000), min_size=2, max_size=2, unique=True)))
    start, end = (low, high) if direction is UP else (high, low)
    start_text, _ = number_text(language, start)
    end_text, end_value = number_text(language, end)
    template = draw(st.sampled_from(language.from_to))
    return template.format(a=start_text, b=end_text), TargetKind.ABSOLUTE, end_value / 100


@st.composite
def audience(draw: st.DrawFn, language: Language) -> tuple[str, str]:
    form = draw(st.sampled_from(["none", "newsletter", "named"]))
    if form == "none":
        return "", "newsletter"
    if form == "newsletter":
        return draw(st.sampled_from(language.newsletter)), "newsletter"
    words = draw(st.lists(st.sampled_from(language.names), min_size=1, max_size=3, unique=True))
    name = " ".join(words)
    return draw(st.sampled_from(language.named_list)).format(name=name), name


@st.composite
def segment(draw: st.DrawFn, language: Language) -> tuple[str, str | None]:
    if draw(st.booleans()):
        return "", None
    name = draw(st.sampled_from(language.segment_names))
    return draw(st.sampled_from(language.segment)).format(seg=name), name


@st.composite
def deadline(draw: st.DrawFn, language: Language, today: date) -> tuple[str, date | None]:
    form = draw(st.sampled_from(["none", "month", "day", "before", "weeks", "quarter"]))
    month = draw(st.integers(1, 12))
    month_name = language.months[month - 1]
    day = draw(st.integers(1, 28))
    if form == "month":
        year = today.year if today <= month_end(today.year, month) else today.year + 1
        text = draw(st.sampled_from(language.by_month)).format(month=month_name)
        return text, month_end(year, month)
    if form in ("day", "before"):
        strict = form == "before"
        candidate = date(today.year, month, day)
        if candidate < today or (strict and candidate == today):
            candidate = date(today.year + 1, month, day)
        templates = language.before_day if strict else language.by_day
        day_text = "1er" if language.code == "fr" and day == 1 else str(day)
        text = draw(st.sampled_from(templates)).format(month=month_name, day=day_text)
        return text, candidate - timedelta(days=1) if strict else candidate
    if form == "weeks":
        weeks = draw(st.integers(1, 52))
        text = draw(st.sampled_from(language.within_weeks)).format(n=weeks)
        return text, today + timedelta(weeks=weeks)
    if form == "quarter":
        quarter_last_month = ((today.month - 1) // 3 + 1) * 3
        return (
            draw(st.sampled_from(language.end_of_quarter)),
            month_end(today.year, quarter_last_month),
        )
    return "", None


def scramble_case(draw: st.DrawFn, text: str) -> str:
    style = draw(st.sampled_from(["as is", "lower", "upper", "title", "random"]))
    if style == "lower":
        return text.lower()
    if style == "upper":
        return text.upper()
    if style == "title":
        return text.title()
    if style == "random":
        flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
        return "".join(c.upper() if f else c.lower() for c, f in zip(text, flips, strict=True))
    return text


@st.composite
def sentences(draw: st.DrawFn, language: Language) -> tuple[str, date, Parts]:
    today = draw(st.dates(date(2000, 1, 1), date(2090, 12, 31)))
    metric = draw(st.sampled_from(list(language.metrics)))
    metric_text = draw(st.sampled_from(language.metrics[metric]))
    verb, direction, factor = draw(verb_and_direction(language, metric))
    if factor is None:
        target_text, kind, value = draw(target(language, metric, direction))
    else:
        target_text, kind, value = "", TargetKind.RELATIVE, factor
    audience_text, audience_name = draw(audience(language))
    segment_text, segment_name = draw(segment(language))
    deadline_text, due = draw(deadline(language, today))
    tail = [p for p in (target_text, audience_text, segment_text, deadline_text) if p]
    tail = list(draw(st.permutations(tail)))
    words = [verb, metric_text, *tail]
    if draw(st.booleans()) and deadline_text:
        # A deadline may also open the sentence: "By March, increase ...".
        words = [deadline_text, *[w for w in words if w != deadline_text]]
    gaps = draw(
        st.lists(
            st.sampled_from([" ", "  ", "\t", NBSP, " , "]),
            min_size=len(words) - 1,
            max_size=len(words) - 1,
        )
    )
    text = words[0] + "".join(gap + word for gap, word in zip(gaps, words[1:], strict=True))
    text = scramble_case(draw, text)
    text = draw(st.sampled_from(["", " ", "  "])) + text
    text += draw(st.sampled_from(["", ".", "!", " .", "...", " !", "?"]))
    parts = Parts(
        metric=metric,
        direction=direction,
        kind=kind,
        value=value,
        audience=audience_name,
        segment=segment_name,
        deadline=due,
        language=language.code,
    )
    return text, today, parts


def parts_of(objective: Objective) -> Parts:
    return Parts(
        metric=objective.metric,
        direction=objective.direction,
        kind=objective.target.kind,
        value=objective.target.value,
        audience=objective.scope.audience,
        segment=objective.scope.segment,
        deadline=objective.deadline,
        language=objective.language,
    )


@pytest.mark.parametrize("language", LANGUAGES, ids=[lang.code for lang in LANGUAGES])
@PROPERTY_SETTINGS
@given(data=st.data())
def test_generated_sentences_parse_back_to_their_parts(
    language: Language, data: st.DataObject
) -> None:
    text, today, parts = data.draw(sentences(language))
    objective = parse_objective(text, today=today)
    got = parts_of(objective)
    assert replace(got, value=0.0) == replace(parts, value=0.0)
    assert got.value == pytest.approx(parts.value)
    assert objective.scope.channel == "email"
    assert objective.text == text.strip()


@pytest.mark.parametrize("language", LANGUAGES, ids=[lang.code for lang in LANGUAGES])
@PROPERTY_SETTINGS
@given(data=st.data())
def test_a_parse_reads_the_same_from_its_own_text(language: Language, data: st.DataObject) -> None:
    text, today, _ = data.draw(sentences(language))
    objective = parse_objective(text, today=today)
    assert parse_objective(objective.text, today=today) == objective


def outcome(text: str, today: date) -> str:
    """What parsing gives: "parsed", or the refusal's message and fix; anything else raises."""
    try:
        parse_objective(text, today=today)
    except ObjectiveParseError as error:
        return f"{error.message} / {error.fix}" if error.message and error.fix else ""
    return "parsed"


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200), today=st.dates())
def test_garbage_only_ever_raises_objective_parse_error(text: str, today: date) -> None:
    assert outcome(text, today)


VOCABULARY_SCRAPS = (
    "by",
    "to",
    "from",
    "de",
    "à",
    "%",
    "-",
    "+",
    "20",
    "4,5",
    "0.5",
    "$",
    "€",
    "points",
    "half",
    "moitié",
    "double",
    "segment",
    "of our",
    "'s",
    "’",
    '"',
    "«",
    "within",
    "d'ici",
    "avant",
    "le 1er",
    "March",
    "mars",
    "Q3",
    "2026-13-45",
    "99999999999999 weeks",
    "fin",
    "l'",
    "quarter",
    "trimestre",
    "9" * 400,
)


@pytest.mark.parametrize("language", LANGUAGES, ids=[lang.code for lang in LANGUAGES])
@PROPERTY_SETTINGS
@given(data=st.data())
def test_mangled_sentences_only_ever_raise_objective_parse_error(
    language: Language, data: st.DataObject
) -> None:
    text, today, _ = data.draw(sentences(language))
    for _ in range(data.draw(st.integers(1, 4))):
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, min(len(text), start + 12)))
        insert = data.draw(st.sampled_from(VOCABULARY_SCRAPS) | st.text(max_size=6))
        text = text[:start] + data.draw(st.sampled_from(["", " "])) + insert + text[end:]
    assert outcome(text, today)
