"""How a goal sentence states its target: by how much, to what level, from what to what.

Each language has an ordered list of :class:`TargetForm`; the first form that matches a part of
the sentence reads it, so "from 18% to 22%" is read whole before "to 22%" could be read alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from overture.objective._text import Sentence, parse_number
from overture.objective._vocabulary import Lean, Unit, Vocabulary, words

__all__ = ["Form", "Quantity", "TargetForm", "TargetReading", "read_targets", "target_forms"]


class Form(Enum):
    CHANGE = "change"
    """A change relative to the baseline: "by 20%", "up 10%", "20% fewer"."""
    LEVEL = "level"
    """A level to reach: "to 4%", "below 0.2%"."""
    CHANGE_OR_LEVEL = "change or level"
    """"of 25%", "de 20 %" or a bare "25%": a level after "reach", or before the metric
    ("a 25% open rate"); otherwise a change."""
    FROM_TO = "from-to"
    """A stated starting level and the level to reach: "from 18% to 22%"."""
    HALF = "half"
    """"in half", "de moitié": a change of -50%."""


@dataclass(frozen=True)
class Quantity:
    value: float
    unit: Unit | None
    sign: int | None
    """+1 or -1 when the number was written with a sign."""


@dataclass(frozen=True)
class TargetForm:
    form: Form
    pattern: re.Pattern[str]
    cues: Mapping[str, Lean | None]
    bare: bool = False
    """A number with no word before it ("25%")."""


@dataclass(frozen=True)
class TargetReading:
    form: Form
    quantity: Quantity | None
    start: Quantity | None
    """The stated starting level of a from-to target."""
    lean: Lean | None
    """The way the cue word points ("up", "below", "fewer"), if it points at all."""
    text: str
    end: int
    """Where the reading ends in the sentence, to tell a level before the metric."""
    bare: bool = False


def _alternation(phrases: Mapping[str, object] | tuple[str, ...]) -> str:
    ordered = sorted(phrases, key=lambda p: (-len(p), p))
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in ordered)


def _quantity(name: str, vocabulary: Vocabulary) -> str:
    units = _alternation(tuple(vocabulary.units))
    return (
        rf"(?P<{name}_sign>[+-])?\s*(?P<{name}_currency>[$€£])?\s*"
        rf"(?<![\w.,])(?P<{name}_number>\d+(?:[.,]\d+)?)"
        rf"(?:\s*(?P<{name}_unit>{units})(?![\w]))?(?![\w])"
    )


_ENGLISH_LEVEL_CUES: Mapping[str, Lean | None] = {
    "to": None,
    "up to": Lean.UP,
    "down to": Lean.DOWN,
    "at least": Lean.UP,
    "above": Lean.UP,
    "over": Lean.UP,
    "more than": Lean.UP,
    "no less than": Lean.UP,
    "at most": Lean.DOWN,
    "below": Lean.DOWN,
    "under": Lean.DOWN,
    "beneath": Lean.DOWN,
    "less than": Lean.DOWN,
    "no more than": Lean.DOWN,
    "to below": Lean.DOWN,
    "to under": Lean.DOWN,
    "to less than": Lean.DOWN,
    "to above": Lean.UP,
    "to over": Lean.UP,
    "to more than": Lean.UP,
}
_ENGLISH_CHANGE_CUES: Mapping[str, Lean | None] = {
    "by": None,
    "up": Lean.UP,
    "up by": Lean.UP,
    "down": Lean.DOWN,
    "down by": Lean.DOWN,
}
_ENGLISH_AFTER_CUES: Mapping[str, Lean | None] = {
    **dict.fromkeys(
        words("more higher increase lift boost growth rise uplift improvement gain jump"),
        Lean.UP,
    ),
    **dict.fromkeys(words("fewer less lower decrease drop reduction decline cut"), Lean.DOWN),
}
_FRENCH_LEVEL_CUES: Mapping[str, Lean | None] = {
    "a": None,
    "jusqu'a": None,
    "au-dessus de": Lean.UP,
    "au dessus de": Lean.UP,
    "au moins": Lean.UP,
    "au minimum": Lean.UP,
    "plus de": Lean.UP,
    "superieur a": Lean.UP,
    "au-dessous de": Lean.DOWN,
    "au dessous de": Lean.DOWN,
    "en dessous de": Lean.DOWN,
    "en-dessous de": Lean.DOWN,
    "sous": Lean.DOWN,
    "au plus": Lean.DOWN,
    "au maximum": Lean.DOWN,
    "moins de": Lean.DOWN,
    "inferieur a": Lean.DOWN,
    "a moins de": Lean.DOWN,
    "a plus de": Lean.UP,
}
_FRENCH_CHANGE_CUES: Mapping[str, Lean | None] = {
    "en hausse de": Lean.UP,
    "en baisse de": Lean.DOWN,
}
_FRENCH_AFTER_CUES: Mapping[str, Lean | None] = {
    "de plus": Lean.UP,
    "en plus": Lean.UP,
    "supplementaires": Lean.UP,
    "supplementaire": Lean.UP,
    "de moins": Lean.DOWN,
    "en moins": Lean.DOWN,
}

_B = r"(?<![\w'])"
"""Start of a word (an apostrophe belongs to the word: "d'ici")."""
_E = r"(?![\w'])"


def _english(vocabulary: Vocabulary) -> tuple[TargetForm, ...]:
    q, a, b = (_quantity(n, vocabulary) for n in ("q", "a", "b"))

    def cue(cues: Mapping[str, Lean | None]) -> str:
        return f"(?P<cue>{_alternation(cues)})"

    return (
        TargetForm(
            Form.FROM_TO,
            re.compile(rf"{_B}from\s+{a}\s+(?:(?P<cue>up|down)\s+)?to\s+{b}"),
            {"up": Lean.UP, "down": Lean.DOWN},
        ),
        TargetForm(
            Form.LEVEL,
            re.compile(rf"{_B}{cue(_ENGLISH_LEVEL_CUES)}\s+{q}"),
            _ENGLISH_LEVEL_CUES,
        ),
        TargetForm(
            Form.CHANGE,
            re.compile(rf"{_B}{cue(_ENGLISH_CHANGE_CUES)}\s+{q}"),
            _ENGLISH_CHANGE_CUES,
        ),
        TargetForm(
            Form.CHANGE,
            re.compile(rf"{q}\s+{cue(_ENGLISH_AFTER_CUES)}{_E}"),
            _ENGLISH_AFTER_CUES,
        ),
        TargetForm(Form.HALF, re.compile(rf"{_B}(?:in|by)\s+(?:a\s+)?half{_E}"), {}),
        TargetForm(Form.CHANGE_OR_LEVEL, re.compile(rf"{_B}of\s+{q}"), {}),
        TargetForm(Form.CHANGE_OR_LEVEL, re.compile(q), {}, bare=True),
    )


def _french(vocabulary: Vocabulary) -> tuple[TargetForm, ...]:
    q, a, b = (_quantity(n, vocabulary) for n in ("q", "a", "b"))

    def cue(cues: Mapping[str, Lean | None]) -> str:
        return f"(?P<cue>{_alternation(cues)})"

    return (
        TargetForm(
            Form.FROM_TO,
            re.compile(rf"{_B}(?:de\s+|d')\s*{a}\s+(?:a|jusqu'a)\s+{b}"),
            {},
        ),
        TargetForm(
            Form.LEVEL,
            re.compile(rf"{_B}{cue(_FRENCH_LEVEL_CUES)}\s+{q}"),
            _FRENCH_LEVEL_CUES,
        ),
        TargetForm(
            Form.CHANGE,
            re.compile(rf"{_B}{cue(_FRENCH_CHANGE_CUES)}\s+{q}"),
            _FRENCH_CHANGE_CUES,
        ),
        TargetForm(
            Form.CHANGE,
            re.compile(rf"{q}\s+{cue(_FRENCH_AFTER_CUES)}{_E}"),
            _FRENCH_AFTER_CUES,
        ),
        TargetForm(Form.HALF, re.compile(rf"{_B}(?:(?:de|a)\s+moitie|par\s+deux){_E}"), {}),
        TargetForm(Form.CHANGE_OR_LEVEL, re.compile(rf"{_B}(?:de\s+|d')\s*{q}"), {}),
        TargetForm(Form.CHANGE_OR_LEVEL, re.compile(q), {}, bare=True),
    )


_FORMS: dict[str, tuple[TargetForm, ...]] = {}


def target_forms(vocabulary: Vocabulary) -> tuple[TargetForm, ...]:
    """The target grammar of a language, compiled once."""
    if vocabulary.language not in _FORMS:
        build = _french if vocabulary.language == "fr" else _english
        _FORMS[vocabulary.language] = build(vocabulary)
    return _FORMS[vocabulary.language]


def _read_quantity(match: re.Match[str], name: str, vocabulary: Vocabulary) -> Quantity | None:
    number = match.group(f"{name}_number")
    if number is None:
        return None
    unit_text = match.group(f"{name}_unit")
    unit = vocabulary.units[re.sub(r"\s+", " ", unit_text)] if unit_text else None
    if unit is None and match.group(f"{name}_currency"):
        unit = Unit.MONEY
    sign_text = match.group(f"{name}_sign")
    sign = None if sign_text is None else (-1 if sign_text == "-" else 1)
    return Quantity(value=parse_number(number), unit=unit, sign=sign)


def read_targets(sentence: Sentence, vocabulary: Vocabulary) -> list[TargetReading]:
    """Every target phrase in the sentence, in the order of the grammar's forms."""
    readings: list[TargetReading] = []
    for form in target_forms(vocabulary):
        for match in sentence.take(form.pattern):
            groups = match.groupdict()
            cue = groups.get("cue")
            if form.form is Form.FROM_TO:
                quantity = _read_quantity(match, "b", vocabulary)
                start = _read_quantity(match, "a", vocabulary)
            elif form.form is Form.HALF:
                quantity, start = None, None
            else:
                quantity, start = _read_quantity(match, "q", vocabulary), None
            readings.append(
                TargetReading(
                    form=form.form,
                    quantity=quantity,
                    start=start,
                    lean=form.cues.get(re.sub(r"\s+", " ", cue)) if cue else None,
                    text=sentence.show(match.start(), match.end()),
                    end=match.end(),
                    bare=form.bare,
                )
            )
    return readings
