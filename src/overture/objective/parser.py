"""Read a goal sentence, in English or French, into a typed :class:`Objective`.

The grammar is small and data-driven: word tables per language (``_vocabulary.py``), regular
expressions for targets (``_quantities.py``) and deadlines (``_deadlines.py``). A sentence is
read in passes, each crossing out what it understood, so no word is read twice and none is
silently dropped:

1. the language, from which language's words the sentence uses;
2. the deadline ("by March", "within 8 weeks", "d'ici la fin du trimestre");
3. a verb that carries its own target ("double", "halve", "diviser par deux");
4. the metric ("open rate", "CTR", "taux de désabonnement", ...);
5. the target ("by 20%", "to 4%", "from 18% to 22%", "in half", "de 20 %", "à 4,5 %");
6. the direction verb ("increase", "cut", "improve", "réduire", ...);
7. what is left: the list ("of our weekly digest"), the segment ("for the VIP segment",
   "parmi les nouveaux abonnés"), the channel, and filler words ("please", "we want to").
   Any other word left over is an error that names it.

Choices worth knowing:

- "open rate" always means human opens (machine opens from privacy proxies excluded).
- "improve", "reach", "améliorer" point the way that is better for the metric: up for opens,
  clicks, conversions and revenue, down for unsubscribes and churn.
- A change in percentage *points* ("by 2 points") needs the current level, which a sentence
  does not give, so it is refused with a suggestion to state the level ("to 22%") or a
  relative change ("by 10%"). The same holds for a change in money ("by $0.10").
- "of 25%" / "de 25 %" / a bare "25%" is a level after "reach" / "atteindre" or right before
  the metric ("hit a 25% open rate"), and a relative change otherwise.
- A rate level must be written with a percent sign ("to 4%"); revenue per recipient is an
  amount in the store's currency ("to $0.50", "à 0,50 €").
- Names of lists and segments are kept lower case; several names for the default newsletter
  ("newsletter", "infolettre", "lettre d'information") all mean ``newsletter``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from pydantic import ValidationError

from overture.exceptions import ObjectiveParseError, UsageError
from overture.objective._deadlines import DeadlineError, read_deadlines
from overture.objective._quantities import Form, Quantity, TargetReading, read_targets
from overture.objective._text import MASK, Sentence
from overture.objective._vocabulary import (
    ENGLISH,
    FRENCH,
    VOCABULARIES,
    Lean,
    Unit,
    Verb,
    Vocabulary,
    phrase_pattern,
    words,
    words_pattern,
)
from overture.objective.model import Direction, Metric, Objective, Scope, Target, TargetKind

__all__ = ["SUPPORTED_LANGUAGES", "accepted_forms", "parse_objective"]

SUPPORTED_LANGUAGES = ("en", "fr")

_ACCEPTED_FORMS: Mapping[str, tuple[str, ...]] = {
    "en": (
        "Increase the open rate of our newsletter by 20%",
        "Raise click-through to 4% by March",
        "Cut unsubscribes in half within 8 weeks",
        "Reduce churn by 10% by the end of the quarter",
        "Boost the conversion rate of the product updates list from 2% to 3%",
        "Double clicks among new subscribers",
        "Increase revenue per recipient to $0.50 for the VIP segment by June 30",
    ),
    "fr": (
        "Augmenter le taux d'ouverture de notre infolettre de 20 %",
        "Augmenter le taux de clics à 4 % d'ici mars",
        "Réduire de moitié les désabonnements d'ici 8 semaines",
        "Diminuer l'attrition de 10 % d'ici la fin du trimestre",
        "Faire passer le taux de conversion de 2 % à 3 % pour le segment VIP",
        "Doubler les clics parmi les nouveaux abonnés",
        "Augmenter le revenu par destinataire à 0,50 € avant le 1er juin",
    ),
}

_SAY: Mapping[str, Mapping[str, str]] = {
    "en": {
        "by": '"by 20%"',
        "to": '"to 4%"',
        "up": '"increase"',
        "down": '"reduce"',
        "money": '"to $0.50"',
        "deadline": '"by March 31", "by the end of the quarter" or "within 8 weeks"',
        "metrics": "open rate, click rate, conversion rate, unsubscribe rate, churn or "
        "revenue per recipient",
    },
    "fr": {
        "by": '"de 20 %"',
        "to": '"à 4 %"',
        "up": '"augmenter"',
        "down": '"réduire"',
        "money": '"à 0,50 €"',
        "deadline": '"d\'ici le 31 mars", "d\'ici la fin du trimestre" ou "d\'ici 8 semaines"',
        "metrics": "taux d'ouverture, taux de clics, taux de conversion, taux de "
        "désabonnement, attrition ou revenu par destinataire",
    },
}

_LOWER_IS_BETTER = frozenset({Metric.UNSUBSCRIBE_RATE, Metric.CHURN_RATE})
_SEGMENT_PREPOSITIONS = ("among", "parmi", "chez", "aupres")
"""A name after these is a group of people, hence a segment, whatever its words."""


def accepted_forms(language: str) -> tuple[str, ...]:
    """Example sentences the parser reads, in ``language`` (``en`` or ``fr``)."""
    try:
        return _ACCEPTED_FORMS[language]
    except KeyError:
        raise UsageError(
            f"no objective grammar for language {language!r}",
            fix=f"use one of {', '.join(SUPPORTED_LANGUAGES)}",
        ) from None


@dataclass(frozen=True)
class _Grammar:
    """The compiled patterns of one language."""

    vocabulary: Vocabulary
    metric: re.Pattern[str]
    multiplier: re.Pattern[str]
    verb: re.Pattern[str]
    list_phrase: re.Pattern[str] | None
    name_after_preposition: re.Pattern[str]
    channel: re.Pattern[str]
    filler: re.Pattern[str]
    adjunct: re.Pattern[str]
    date_words: re.Pattern[str]
    metrics: Mapping[str, Metric]
    """Every table below is keyed by :func:`_squash` of the phrase, as phrases match."""
    unsupported: Mapping[str, str]
    verbs: Mapping[str, Verb]
    multipliers: Mapping[str, float]
    channels: Mapping[str, str]


_E = r"(?![\w'])"
_V = TypeVar("_V")


def _squash(phrase: str) -> str:
    """A phrase without spaces or hyphens: "click-through", "click through" and
    "clickthrough" are one key, as :func:`phrase_pattern` matches them all."""
    return re.sub(r"[\s-]", "", phrase)


def _squashed(table: Mapping[str, _V]) -> dict[str, _V]:
    return {_squash(key): value for key, value in table.items()}


def _compile(vocabulary: Vocabulary) -> _Grammar:
    # A month is never part of a name, so "in March" is left for the deadline check.
    months = {m for m in vocabulary.months if m != "may"}
    reserved = words_pattern(vocabulary.reserved | months)
    word = rf"(?:\"[^\"{MASK}]*\"|(?!{reserved}{_E})[^\W\d_][\w'&+.-]*)"
    name = rf"(?P<name>{word}(?:\s+{word})*)"
    if vocabulary.language == "fr":
        preposition = (
            r"(?P<prep>(?:de|du|des|pour|sur|dans|parmi|chez|aupres\s+(?:de|du|des))\s+"
            r"|d'|aupres\s+d')"
        )
        list_phrase: re.Pattern[str] | None = re.compile(
            rf"{preposition}(?:(?:la|les|notre|nos|votre|vos|l')\s*)?"
            rf"{words_pattern(vocabulary.list_words)}\s+(?:(?:de|des|du)\s+|d')?{name}"
        )
    else:
        preposition = r"(?P<prep>(?:of|for|in|on|from|across|to|within|among|inside)\s+)"
        list_phrase = None
    months_and_units = [
        *vocabulary.months,
        *words("days weeks months quarter year jours semaines mois trimestre annee"),
    ]
    return _Grammar(
        vocabulary=vocabulary,
        metric=re.compile(phrase_pattern([*vocabulary.metrics, *vocabulary.unsupported_metrics])),
        multiplier=re.compile(phrase_pattern(vocabulary.multipliers)),
        verb=re.compile(phrase_pattern(vocabulary.verbs)),
        list_phrase=list_phrase,
        name_after_preposition=re.compile(preposition + name),
        channel=re.compile(phrase_pattern(vocabulary.channels)),
        filler=re.compile(rf"{words_pattern(vocabulary.fillers)}(?:(?<=')|{_E})"),
        adjunct=re.compile(rf"{name}(?:'s|s'|')?\s*"),
        date_words=re.compile(rf"(?<![\w']){words_pattern(months_and_units)}{_E}"),
        metrics=_squashed(vocabulary.metrics),
        unsupported=_squashed(vocabulary.unsupported_metrics),
        verbs=_squashed(vocabulary.verbs),
        multipliers=_squashed(vocabulary.multipliers),
        channels=_squashed(vocabulary.channels),
    )


_GRAMMARS = {language: _compile(vocabulary) for language, vocabulary in VOCABULARIES.items()}


def _marker_pattern(own: Vocabulary, other: Vocabulary) -> re.Pattern[str]:
    return re.compile(phrase_pattern(own.markers() - other.markers()))


_MARKERS = {
    "en": _marker_pattern(ENGLISH, FRENCH),
    "fr": _marker_pattern(FRENCH, ENGLISH),
}


def _language_of(folded: str) -> str:
    """The language whose own words the sentence uses most; English on a tie."""
    scores = {language: len(pattern.findall(folded)) for language, pattern in _MARKERS.items()}
    return "fr" if scores["fr"] > scores["en"] else "en"


@dataclass
class _ScopeReading:
    audiences: list[str] = field(default_factory=list[str])
    segments: list[str] = field(default_factory=list[str])
    channels: list[str] = field(default_factory=list[str])
    unread: list[str] = field(default_factory=list[str])


@dataclass(frozen=True)
class _Token:
    folded: str
    display: str


def _tokens(sentence: Sentence, start: int, end: int) -> list[_Token]:
    folded, display = sentence.folded[start:end], sentence.display[start:end]
    tokens: list[_Token] = []
    for match in re.finditer(r"\S+", folded):
        f, d = match.group(), display[match.start() : match.end()]
        # "l'infolettre": a leading elided article is a word of its own.
        if not tokens and len(f) > 2 and f.startswith("l'"):
            tokens.extend([_Token(f[:2], d[:2]), _Token(f[2:], d[2:])])
        else:
            tokens.append(_Token(f, d))
    return tokens


def _strip_phrase(
    tokens: list[_Token],
    phrases: Mapping[str, object] | tuple[str, ...] | frozenset[str],
    *,
    leading: bool,
) -> tuple[list[_Token], str | None]:
    for size in range(min(3, len(tokens)), 0, -1):
        part = tokens[:size] if leading else tokens[-size:]
        phrase = " ".join(t.folded for t in part)
        if phrase in phrases:
            return (tokens[size:] if leading else tokens[:-size]), phrase
    return tokens, None


def _classify(
    tokens: list[_Token], vocabulary: Vocabulary, forced_segment: bool, scope: _ScopeReading
) -> None:
    """File one name under list, segment or channel."""
    determiners = frozenset(vocabulary.determiners)

    def strip_determiners(rest: list[_Token]) -> list[_Token]:
        while rest and rest[0].folded in determiners:
            rest = rest[1:]
        return rest

    tokens = strip_determiners(tokens)
    if tokens and re.search(r"(?<=\w)'s?$", tokens[-1].folded):
        # "our newsletter's open rate": the possessive is not part of the name.
        last = tokens[-1]
        cut = len(last.folded.rstrip("s").rstrip("'"))
        tokens = [*tokens[:-1], _Token(last.folded[:cut], last.display[:cut])]
    segment = forced_segment
    for leading in (False, True):
        if tokens and tokens[0 if leading else -1].folded == vocabulary.segment_word:
            tokens = tokens[1:] if leading else tokens[:-1]
            segment = True
    tokens = strip_determiners(tokens)
    for leading in (True, False):
        tokens, channel = _strip_phrase(tokens, vocabulary.channels, leading=leading)
        if channel is not None:
            scope.channels.append(vocabulary.channels[channel])
    if not segment:
        tokens, _ = _strip_phrase(tokens, vocabulary.generic_suffixes, leading=False)
        tokens, _ = _strip_phrase(tokens, vocabulary.list_words, leading=True)
    name = " ".join(t.display for t in tokens)
    folded = " ".join(t.folded for t in tokens)
    if quoted := re.search(r'"([^"]*)"', name):
        # A quoted name is taken exactly; the words around it only describe it.
        name = folded = quoted.group(1).strip()
    name, folded = name.replace('"', "").strip(), folded.replace('"', "").strip()
    if not name:
        return
    if tokens[-1].folded in vocabulary.people:
        if len(tokens) == 1:
            return  # "among subscribers" is everyone.
        segment = True
    if segment:
        scope.segments.append(name)
    else:
        scope.audiences.append("newsletter" if folded in vocabulary.newsletter else name)


def _read_scope(sentence: Sentence, grammar: _Grammar, metric_start: int | None) -> _ScopeReading:
    scope = _ScopeReading()
    unread = sentence.unread
    vocabulary = grammar.vocabulary
    for fragment in re.finditer(rf"[^{MASK}]+", unread):
        position, end = fragment.start(), fragment.end()
        while True:
            while position < end and unread[position] == " ":
                position += 1
            if position >= end:
                break
            if (
                grammar.list_phrase is not None
                and (match := grammar.list_phrase.match(unread, position, end))
            ) or (match := grammar.name_after_preposition.match(unread, position, end)):
                _classify(
                    _tokens(sentence, match.start("name"), match.end("name")),
                    vocabulary,
                    match.group("prep").startswith(_SEGMENT_PREPOSITIONS),
                    scope,
                )
            elif match := grammar.channel.match(unread, position, end):
                scope.channels.append(grammar.channels[_squash(match.group())])
            elif match := grammar.filler.match(unread, position, end):
                pass
            elif end == metric_start and (
                match := grammar.adjunct.fullmatch(unread, position, end)
            ):
                _classify(
                    _tokens(sentence, match.start("name"), match.end("name")),
                    vocabulary,
                    False,
                    scope,
                )
            else:
                scope.unread.append(sentence.show(position, end))
                break
            position = match.end()
    return scope


def _fix(language: str) -> str:
    forms = "; ".join(f'"{form}"' for form in accepted_forms(language))
    return f"write the objective like one of these: {forms}"


def _percent(value: float) -> str:
    return f"{value:.4g}%"


class _Failure(Exception):
    """Raised inside the parser; turned into one ObjectiveParseError with what was understood."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _check_finite(value: float) -> float:
    if not math.isfinite(value):
        raise _Failure("that number is too large to be a target")
    return value


def _level(quantity: Quantity, metric: Metric, say: Mapping[str, str]) -> float:
    """The level a quantity names, in the metric's unit (a fraction for a rate)."""
    value = _check_finite(quantity.value)
    if quantity.sign == -1:
        raise _Failure(f"a level cannot be negative (-{value:g})")
    if metric.is_rate:
        if quantity.unit is Unit.PERCENT:
            return value / 100
        if quantity.unit is Unit.POINTS:
            raise _Failure(
                f"a level of {value:g} points is not a rate: say the level as a percentage, "
                f"like {say['to']}"
            )
        if quantity.unit in (Unit.MONEY, Unit.CENTS):
            raise _Failure(f"the {metric.label} is a rate, not an amount: say {say['to']}")
        raise _Failure(f"say whether {value:g} is a percentage: write it like {say['to']}")
    if quantity.unit in (Unit.PERCENT, Unit.POINTS):
        raise _Failure(
            f"the {metric.label} is an amount, not a percentage: say {say['money']} "
            f"or a relative change like {say['by']}"
        )
    return value / 100 if quantity.unit is Unit.CENTS else value


def _relative(
    quantity: Quantity, metric: Metric, direction: Direction, say: Mapping[str, str]
) -> float:
    value = _check_finite(quantity.value)
    if quantity.unit is Unit.POINTS:
        raise _Failure(
            f"a change of {value:g} percentage points needs the current level, which the "
            f"sentence does not give: say the level to reach, like {say['to']}, or a relative "
            f"change, like {say['by']}"
        )
    if quantity.unit in (Unit.MONEY, Unit.CENTS):
        raise _Failure(
            f"a change by an amount needs the current level: say the level to reach, like "
            f"{say['money']}, or a relative change, like {say['by']}"
        )
    if quantity.unit is None:
        raise _Failure(f"by {value:g} what? say a percentage, like {say['by']}")
    if value == 0:
        raise _Failure("a change of 0% asks for no change")
    if direction is Direction.DECREASE and value > 100:
        raise _Failure(
            f"the {metric.label} cannot fall by more than 100% (asked: {_percent(value)})"
        )
    return value / 100 if direction is Direction.INCREASE else -value / 100


@dataclass
class _Leans:
    """Every word that points a way, with the words it came from."""

    seen: list[tuple[Lean, str]] = field(default_factory=list[tuple[Lean, str]])

    def add(self, lean: Lean | None, source: str) -> None:
        if lean is not None:
            self.seen.append((lean, source))

    def direction(self, metric: Metric) -> Direction | None:
        """The one direction every word agrees on; :class:`_Failure` if two disagree."""
        better = Direction.DECREASE if metric in _LOWER_IS_BETTER else Direction.INCREASE
        plain = {Lean.UP: Direction.INCREASE, Lean.DOWN: Direction.DECREASE, Lean.BETTER: better}
        resolved = [(plain[lean], source) for lean, source in self.seen]
        for direction, source in resolved[1:]:
            first, first_source = resolved[0]
            if direction is not first:
                raise _Failure(
                    f'"{first_source}" asks to {first} the {metric.label} but "{source}" asks '
                    f"to {direction} it: the sentence contradicts itself"
                )
        return resolved[0][0] if resolved else None

    def first_word(self) -> str | None:
        return self.seen[0][0].value if self.seen else None


@dataclass
class _Reading:
    """Everything the passes read, before it is checked and assembled."""

    language: str
    metrics: list[Metric] = field(default_factory=list[Metric])
    metric_start: int | None = None
    unsupported: list[str] = field(default_factory=list[str])
    deadline: date | None = None
    deadline_problem: str | None = None
    targets: list[TargetReading] = field(default_factory=list[TargetReading])
    multiplier: float | None = None
    multiplier_text: str | None = None
    sets_level: bool = False
    leans: _Leans = field(default_factory=_Leans)
    scope: _ScopeReading = field(default_factory=_ScopeReading)

    def understood(self) -> dict[str, str]:
        """What was recognised, for an error message."""
        found: dict[str, str] = {}
        if len(self.metrics) == 1:
            found["metric"] = self.metrics[0].label
        direction = self.leans.first_word()
        if direction is not None:
            found["direction"] = direction
        target = self.multiplier_text or (self.targets[0].text if self.targets else None)
        if target is not None:
            found["target"] = target
        if self.deadline is not None:
            found["deadline"] = self.deadline.isoformat()
        for key, values in (
            ("audience", self.scope.audiences),
            ("segment", self.scope.segments),
            ("channel", self.scope.channels),
        ):
            if values:
                found[key] = values[0]
        return found


def _read(sentence: Sentence, grammar: _Grammar, today: date) -> _Reading:
    """Run every pass over the sentence; nothing is judged yet."""
    reading = _Reading(language=grammar.vocabulary.language)
    try:
        deadlines = read_deadlines(sentence, grammar.vocabulary, today)
    except DeadlineError as error:
        reading.deadline_problem, deadlines = str(error), []
    if len({d.deadline for d in deadlines}) > 1:
        reading.deadline_problem = "two deadlines, " + " and ".join(
            f'"{d.text}"' for d in deadlines
        )
    elif deadlines:
        reading.deadline = deadlines[0].deadline
    multipliers = sentence.take(grammar.multiplier)
    metric_matches = sentence.take(grammar.metric)
    reading.targets = read_targets(sentence, grammar.vocabulary)
    verbs = sentence.take(grammar.verb)

    for match in metric_matches:
        found = grammar.metrics.get(_squash(match.group()))
        if found is None:
            reading.unsupported.append(sentence.show(match.start(), match.end()))
            continue
        if reading.metric_start is None:
            reading.metric_start = match.start()
        if found not in reading.metrics:
            reading.metrics.append(found)
    for match in verbs:
        verb = grammar.verbs[_squash(match.group())]
        reading.leans.add(verb.lean, sentence.show(match.start(), match.end()))
        reading.sets_level = reading.sets_level or verb.sets_level
    for match in multipliers:
        reading.multiplier_text = sentence.show(match.start(), match.end())
        reading.multiplier = grammar.multipliers[_squash(match.group())]
        reading.leans.add(Lean.UP if reading.multiplier > 0 else Lean.DOWN, reading.multiplier_text)
    for target in reading.targets:
        reading.leans.add(target.lean, target.text)
        if target.form is Form.HALF:
            reading.leans.add(Lean.DOWN, target.text)
        sign = target.quantity.sign if target.quantity else None
        if sign is not None and target.form in (Form.CHANGE, Form.CHANGE_OR_LEVEL):
            reading.leans.add(Lean.UP if sign > 0 else Lean.DOWN, target.text)
    reading.scope = _read_scope(sentence, grammar, reading.metric_start)
    return reading


def parse_objective(text: str, *, today: date) -> Objective:
    """Read a goal sentence into an :class:`Objective`.

    ``today`` anchors relative deadlines ("by March" is the next March 31 on or after it).
    Raises :class:`~overture.exceptions.ObjectiveParseError` for a sentence it cannot read,
    with what it understood and example sentences in the sentence's language.
    """
    sentence = Sentence(text)
    language = _language_of(sentence.folded)
    if not sentence.folded:
        raise ObjectiveParseError(
            "the objective is empty: say which metric to move, which way and by how much",
            fix=_fix(language),
        )
    reading = _read(sentence, _GRAMMARS[language], today)
    understood = reading.understood()
    try:
        _check(reading)
        metric = reading.metrics[0]
        direction = _direction(reading, metric)
        understood["direction"] = direction.value
        target = _target(reading, metric, direction, sentence)
        return _objective(text, reading, metric, direction, target)
    except _Failure as failure:
        raise ObjectiveParseError(
            failure.message, fix=_fix(language), understood=understood
        ) from None


def _check(reading: _Reading) -> None:
    """Refuse what cannot make one objective, the most basic problem first."""
    say = _SAY[reading.language]
    if reading.unsupported:
        raise _Failure(
            f'"{reading.unsupported[0]}" is not a metric Overture measures: it measures '
            f"{say['metrics']}"
        )
    if len(reading.metrics) > 1:
        raise _Failure(
            "one objective moves one metric, and this sentence names "
            + " and ".join(m.label for m in reading.metrics)
            + ": state one objective at a time"
        )
    if reading.deadline_problem is not None:
        raise _Failure(f"{reading.deadline_problem}: say it like {say['deadline']}")
    if reading.scope.unread:
        part = reading.scope.unread[0]
        if _GRAMMARS[reading.language].date_words.search(Sentence(part).folded):
            raise _Failure(
                f'could not read the deadline in "{part}": say it like {say["deadline"]}'
            )
        raise _Failure(f'could not read "{part}"')
    for name, values in (
        ("lists", reading.scope.audiences),
        ("segments", reading.scope.segments),
        ("channels", reading.scope.channels),
    ):
        if len(set(values)) > 1:
            raise _Failure(f"two {name} named: " + " and ".join(f'"{v}"' for v in values))
    if not reading.metrics:
        raise _Failure(f"no metric: say what to move ({say['metrics']})")
    if len(reading.targets) + (reading.multiplier is not None) > 1:
        parts = [
            *([reading.multiplier_text] if reading.multiplier_text else []),
            *(t.text for t in reading.targets),
        ]
        raise _Failure("two targets, " + " and ".join(f'"{p}"' for p in parts) + ": keep one")


def _direction(reading: _Reading, metric: Metric) -> Direction:
    """The direction every word agrees on, a from-to target included."""
    say = _SAY[reading.language]
    target = reading.targets[0] if reading.targets else None
    if target is not None and target.form is Form.FROM_TO:
        assert target.quantity is not None and target.start is not None
        start = target.start
        if start.unit is None:
            start = Quantity(start.value, target.quantity.unit, start.sign)
        start_level = _level(start, metric, say)
        end_level = _level(target.quantity, metric, say)
        if start_level == end_level:
            raise _Failure(f'"{target.text}" asks for no change')
        reading.leans.add(Lean.UP if end_level > start_level else Lean.DOWN, target.text)
    direction = reading.leans.direction(metric)
    if direction is None:
        raise _Failure(
            f"no direction: say whether to {say['up']} or {say['down']} the {metric.label}"
        )
    return direction


def _target(reading: _Reading, metric: Metric, direction: Direction, sentence: Sentence) -> Target:
    say = _SAY[reading.language]
    if reading.multiplier is not None:
        return Target(kind=TargetKind.RELATIVE, value=reading.multiplier)
    if not reading.targets:
        raise _Failure(f"no target: say by how much ({say['by']}) or to what level ({say['to']})")
    target = reading.targets[0]
    if target.form is Form.HALF or target.quantity is None:
        return Target(kind=TargetKind.RELATIVE, value=-0.5)
    form = target.form
    if form is Form.CHANGE_OR_LEVEL:
        start = reading.metric_start
        right_before_metric = (
            start is not None
            and start >= target.end
            and not sentence.folded[target.end : start].strip()
        )
        as_level = reading.sets_level or (target.bare and right_before_metric)
        form = Form.LEVEL if as_level else Form.CHANGE
    if form is Form.CHANGE:
        value = _relative(target.quantity, metric, direction, say)
        return Target(kind=TargetKind.RELATIVE, value=value)
    level = _level(target.quantity, metric, say)
    if metric.is_rate and level > 1:
        raise _Failure(
            f"{_percent(level * 100)} is not a possible {metric.label}: a rate lies between 0% "
            "and 100%"
        )
    return Target(kind=TargetKind.ABSOLUTE, value=level)


def _objective(
    text: str, reading: _Reading, metric: Metric, direction: Direction, target: Target
) -> Objective:
    scope = reading.scope
    try:
        return Objective(
            text=text.strip(),
            metric=metric,
            direction=direction,
            target=target,
            scope=Scope(
                channel=scope.channels[0] if scope.channels else Scope().channel,
                audience=scope.audiences[0] if scope.audiences else Scope().audience,
                segment=scope.segments[0] if scope.segments else None,
            ),
            deadline=reading.deadline,
            language=reading.language,
        )
    except ValidationError as error:
        # The model's own checks, should a reading get past the parser's: same error type.
        reasons = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in error.errors())
        raise _Failure(reasons) from None
