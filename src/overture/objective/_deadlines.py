"""Deadlines in goal sentences, resolved against the day the sentence is read.

Rules, the same in both languages:

- "by March" / "d'ici mars" is the last day of the next March that has not ended yet;
  "by March 15" / "d'ici le 15 mars" is the next March 15 on or after today.
- "before" / "avant" is strict: "before June 1" and "avant le 1er juin" are May 31, "before
  June" is the last day of May. "before the end of June" is June 30.
- "by the end of the quarter" / "this quarter" is the last day of the current calendar
  quarter; "next quarter" the last day of the following one; likewise month and year.
- "within 8 weeks", "in 30 days", "dans 3 mois" count from today (a month keeps its day,
  clipped to the month's end).
- A date with a year that has already passed is an error, never silently moved.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from overture.objective._text import Sentence
from overture.objective._vocabulary import Vocabulary, words_pattern

__all__ = ["DeadlineError", "DeadlineReading", "read_deadlines"]


class DeadlineError(ValueError):
    """A deadline phrase that names no usable date (past, impossible, out of range)."""


@dataclass(frozen=True)
class DeadlineReading:
    deadline: date
    text: str


@dataclass(frozen=True)
class _Period:
    first: date
    last: date
    named_end: bool = False
    """The phrase says "the end of", so even "before" means its last day."""

    def deadline(self, strict: bool) -> date:
        return self.first - timedelta(days=1) if strict and not self.named_end else self.last


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _month_period(year: int, month: int) -> _Period:
    return _Period(date(year, month, 1), _month_end(year, month))


def _quarter_period(year: int, quarter: int) -> _Period:
    first_month = 3 * quarter - 2
    return _Period(date(year, first_month, 1), _month_end(year, first_month + 2))


def _current_period(today: date, period: str, offset: int) -> _Period:
    if period == "month":
        start = _add_months(today.replace(day=1), offset)
        return _month_period(start.year, start.month)
    if period == "quarter":
        index = today.year * 4 + (today.month - 1) // 3 + offset
        return _quarter_period(index // 4, index % 4 + 1)
    year = today.year + offset
    return _Period(date(year, 1, 1), date(year, 12, 31))


_PERIODS = {
    "month": "month",
    "mois": "month",
    "quarter": "quarter",
    "trimestre": "quarter",
    "year": "year",
    "annee": "year",
    "exercice": "year",
}
_NEXT = frozenset({"next", "coming", "prochain", "prochaine"})
_DURATION_UNITS = {
    "day": "days",
    "days": "days",
    "jour": "days",
    "jours": "days",
    "week": "weeks",
    "weeks": "weeks",
    "semaine": "weeks",
    "semaines": "weeks",
    "month": "months",
    "months": "months",
    "mois": "months",
    "year": "years",
    "years": "years",
    "an": "years",
    "ans": "years",
    "annee": "years",
    "annees": "years",
}
_QUARTER_WORDS = {
    "first": 1,
    "1st": 1,
    "premier": 1,
    "1er": 1,
    "second": 2,
    "2nd": 2,
    "deuxieme": 2,
    "2e": 2,
    "third": 3,
    "3rd": 3,
    "troisieme": 3,
    "3e": 3,
    "fourth": 4,
    "4th": 4,
    "quatrieme": 4,
    "4e": 4,
}
_STRICT = ("before", "ahead of", "prior to", "avant")


class _Reader:
    """Turns one match into a date; ``today`` and the vocabulary are fixed per sentence."""

    def __init__(self, today: date, vocabulary: Vocabulary) -> None:
        self.today = today
        self.vocabulary = vocabulary

    def _first_due(self, periods: Iterator[_Period], strict: bool) -> date:
        """The first candidate whose deadline is today or later."""
        last_seen: date | None = None
        for period in periods:
            last_seen = period.deadline(strict)
            if last_seen >= self.today:
                return last_seen
        if last_seen is None:
            raise DeadlineError("there is no such day")
        raise DeadlineError(f"{last_seen.isoformat()} is already past")

    def _years(self, year: str | None) -> Iterator[int]:
        if year is not None:
            yield int(year)
            return
        # Nine years always include a February 29 for "by February 29".
        yield from range(self.today.year, self.today.year + 9)

    def _dated(self, year: str | None, make: Callable[[int], _Period], strict: bool) -> date:
        def candidates() -> Iterator[_Period]:
            for y in self._years(year):
                try:
                    yield make(y)
                except ValueError:
                    if year is not None:
                        raise

        return self._first_due(candidates(), strict)

    def read(self, kind: str, groups: dict[str, str | None]) -> date:
        prep = groups.get("prep") or ""
        strict = prep.startswith(_STRICT)
        months = self.vocabulary.months
        year = groups.get("year")
        if kind == "iso":
            y, m, d = (int(part) for part in (groups["iso"] or "").split("-"))
            return self._dated(str(y), lambda _: _Period(date(y, m, d), date(y, m, d)), strict)
        if kind == "numeric":
            d, m, y = int(groups["d"] or 0), int(groups["m"] or 0), int(groups["y"] or 0)
            return self._dated(str(y), lambda _: _Period(date(y, m, d), date(y, m, d)), strict)
        if kind in ("day", "end_of_month", "month"):
            month = months[(groups["month"] or "").rstrip(".")]
            if kind == "day":
                day = int(groups["day"] or 0)
                return self._dated(
                    year, lambda y: _Period(date(y, month, day), date(y, month, day)), strict
                )
            named_end = kind == "end_of_month"
            return self._dated(
                year,
                lambda y: _Period(date(y, month, 1), _month_end(y, month), named_end),
                strict,
            )
        if kind == "quarter":
            digit = groups.get("q")
            quarter = int(digit) if digit else _QUARTER_WORDS[groups["qord"] or ""]
            named_end = bool(groups.get("end"))
            return self._dated(
                year,
                lambda y: _Period(
                    _quarter_period(y, quarter).first, _quarter_period(y, quarter).last, named_end
                ),
                strict,
            )
        if kind == "end_of_year":
            y = int(year or 0)
            return self._dated(
                year, lambda _: _Period(date(y, 1, 1), date(y, 12, 31), True), strict
            )
        if kind == "slashed":
            # 03/04/2025 is March 4 in the US and April 3 elsewhere: ask rather than guess.
            raise DeadlineError("a date written with slashes is ambiguous in English")
        if kind == "duration":
            return self._duration(groups)
        period = _current_period(
            self.today,
            _PERIODS[groups["period"] or ""],
            1 if (groups.get("which") or "").strip() in _NEXT else 0,
        )
        named_end = kind == "end_of_period"
        return self._first_due(iter([_Period(period.first, period.last, named_end)]), strict)

    def _duration(self, groups: dict[str, str | None]) -> date:
        count_text = groups["n"] or "0"
        count = int(count_text) if count_text.isdigit() else self.vocabulary.numbers[count_text]
        unit = _DURATION_UNITS[groups["unit"] or ""]
        if unit == "days":
            return self.today + timedelta(days=count)
        if unit == "weeks":
            return self.today + timedelta(weeks=count)
        return _add_months(self.today, count * (12 if unit == "years" else 1))


_B, _E = r"(?<![\w'])", r"(?![\w'])"
_YEAR = r"(?P<year>\d{4})"


def _english_forms(vocabulary: Vocabulary) -> tuple[tuple[str, re.Pattern[str]], ...]:
    prep = (
        r"(?P<prep>by|before|until|till|no\s+later\s+than|not\s+later\s+than|on\s+or\s+before"
        r"|in\s+time\s+for|ahead\s+of|prior\s+to)"
    )
    month = rf"(?P<month>{words_pattern(vocabulary.months)})\.?"
    day = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
    number = rf"(?P<n>\d+|{words_pattern(vocabulary.numbers)})"
    period = r"(?P<period>month|quarter|year)"
    which = r"(?P<which>this|next|current|coming)"
    forms = {
        "iso": rf"{_B}{prep}\s+(?:the\s+)?(?P<iso>\d{{4}}-\d{{1,2}}-\d{{1,2}})(?![\w-])",
        "slashed": rf"{_B}{prep}\s+(?:the\s+)?(?P<slashed>\d{{1,2}}/\d{{1,2}}/\d{{2,4}})(?![\w/])",
        "day": rf"{_B}{prep}\s+(?:the\s+)?{month}\s+{day}(?:\s+{_YEAR})?{_E}",
        "day_first": rf"{_B}{prep}\s+(?:the\s+)?{day}\s+(?:of\s+)?{month}(?:\s+{_YEAR})?{_E}",
        "end_of_month": rf"{_B}{prep}\s+(?:the\s+)?end\s+of\s+{month}(?:\s+{_YEAR})?{_E}",
        "month": rf"{_B}{prep}\s+{month}(?:\s+{_YEAR})?{_E}",
        "quarter": (
            rf"{_B}(?:{prep}|in|during|within)\s+(?:the\s+)?(?P<end>end\s+of\s+)?(?:the\s+)?"
            r"(?:q(?P<q>[1-4])|(?P<qord>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter)"
            rf"(?:\s+(?:of\s+)?{_YEAR})?{_E}"
        ),
        "end_of_year": rf"{_B}{prep}\s+(?:the\s+)?end\s+of\s+{_YEAR}{_E}",
        "duration": (
            rf"{_B}(?:within|in|over|during|inside)\s+(?:the\s+)?(?:(?:next|coming)\s+)?"
            rf"{number}\s+(?P<unit>days?|weeks?|months?|years?){_E}"
        ),
        "end_of_period": (
            rf"{_B}(?:(?:{prep}|within|in|during|at)\s+)?(?:the\s+)?end\s+of\s+(?:the\s+)?"
            rf"(?:{which}\s+)?{period}{_E}"
        ),
        "period_end": (rf"{_B}(?:{prep}\s+)?(?:the\s+)?(?:{which}\s+)?{period}[\s-]?end{_E}"),
        "period": (
            rf"{_B}(?:(?:{prep}|within|in|during|over|for)\s+)?(?:the\s+)?{which}\s+{period}{_E}"
        ),
        "within_period": rf"{_B}(?:within|during|in|over)\s+the\s+{period}{_E}",
    }
    return tuple((kind, re.compile(pattern)) for kind, pattern in forms.items())


def _french_forms(vocabulary: Vocabulary) -> tuple[tuple[str, re.Pattern[str]], ...]:
    prep = (
        r"(?P<prep>d'ici(?:\s+(?:au|a|le|la))?|avant(?:\s+(?:le|la))?|pour(?:\s+le)?"
        r"|au\s+plus\s+tard(?:\s+le)?|jusqu'(?:au|a))"
    )
    month = rf"(?P<month>{words_pattern(vocabulary.months)})\.?"
    day = r"(?P<day>\d{1,2})(?:er|ere|e|eme)?"
    number = rf"(?P<n>\d+|{words_pattern(vocabulary.numbers)})"
    period = r"(?P<period>mois|trimestre|annee|exercice)"
    nxt = r"(?P<which>prochain|prochaine)"
    forms = {
        "iso": rf"{_B}{prep}\s+(?:le\s+)?(?P<iso>\d{{4}}-\d{{1,2}}-\d{{1,2}})(?![\w-])",
        "numeric": (
            rf"{_B}{prep}\s+(?:le\s+)?(?P<d>\d{{1,2}})/(?P<m>\d{{1,2}})/(?P<y>\d{{4}})(?![\w/])"
        ),
        "duration": (
            rf"{_B}(?:dans|en|sous|d'ici(?:\s+a)?|au\s+cours\s+des|durant|pendant|sur)\s+"
            rf"(?:les\s+)?{number}\s+(?:prochain(?:e)?s\s+)?"
            rf"(?P<unit>jours?|semaines?|mois|ans|annees?)(?:\s+prochain(?:e)?s|\s+a\s+venir)?{_E}"
        ),
        "day": rf"{_B}{prep}\s+(?:le\s+)?{day}\s+{month}(?:\s+{_YEAR})?{_E}",
        "end_of_month": (
            rf"{_B}{prep}\s+(?:la\s+)?fin\s+(?:du\s+mois\s+)?(?:de\s+|d')?{month}"
            rf"(?:\s+{_YEAR})?{_E}"
        ),
        "month": (rf"{_B}{prep}\s+(?:le\s+mois\s+(?:de\s+|d'))?{month}(?:\s+{_YEAR})?{_E}"),
        "quarter": (
            rf"{_B}(?:{prep}|au|en|durant|pendant)\s+(?:la\s+|le\s+)?(?P<end>fin\s+(?:du\s+)?)?"
            r"(?:t(?P<q>[1-4])|(?P<qord>premier|1er|deuxieme|2e|second|troisieme|3e|quatrieme"
            rf"|4e)\s+trimestre)(?:\s+{_YEAR})?{_E}"
        ),
        "end_of_year": (
            rf"{_B}{prep}\s+(?:la\s+)?fin\s+(?:de\s+l'annee\s+|d'annee\s+)?{_YEAR}{_E}"
        ),
        "end_of_period": (
            rf"{_B}(?:{prep}\s+|en\s+|a\s+)?(?:la\s+)?fin\s+(?:du|de\s+l'|de\s+la|de\s+ce|"
            rf"de\s+cet|de\s+cette|d')\s*{period}(?:-ci|\s+{nxt}|\s+en\s+cours)?{_E}"
        ),
        "period": (
            rf"{_B}(?:(?:{prep}|dans|durant|pendant|sur|en|au\s+cours\s+(?:du|de\s+l'|de\s+la))"
            rf"\s*)?(?:ce|cet|cette)\s+{period}(?:-ci)?{_E}"
        ),
        "next_period": (
            rf"{_B}(?:(?:{prep}|dans|durant|pendant|sur|au\s+cours\s+(?:du|de\s+l'|de\s+la))"
            rf"\s*)?(?:le\s+|l'|la\s+)?{period}\s+{nxt}{_E}"
        ),
        "next_period_first": (
            rf"{_B}(?:(?:{prep}|dans|durant|pendant|au\s+cours\s+du)\s+)?(?:le\s+|au\s+|la\s+)?"
            rf"{nxt}\s+{period}{_E}"
        ),
    }
    return tuple((kind, re.compile(pattern)) for kind, pattern in forms.items())


_KIND = {
    "day_first": "day",
    "next_period": "period",
    "next_period_first": "period",
    "within_period": "period",
    "period_end": "end_of_period",
}
_FORMS: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {}


def _forms(vocabulary: Vocabulary) -> tuple[tuple[str, re.Pattern[str]], ...]:
    if vocabulary.language not in _FORMS:
        build = _french_forms if vocabulary.language == "fr" else _english_forms
        _FORMS[vocabulary.language] = build(vocabulary)
    return _FORMS[vocabulary.language]


def read_deadlines(
    sentence: Sentence, vocabulary: Vocabulary, today: date
) -> list[DeadlineReading]:
    """Every deadline phrase in the sentence, resolved; :class:`DeadlineError` if unusable."""
    reader = _Reader(today, vocabulary)
    readings: list[DeadlineReading] = []
    for kind, pattern in _forms(vocabulary):
        for match in sentence.take(pattern):
            text = sentence.show(match.start(), match.end())
            try:
                deadline = reader.read(_KIND.get(kind, kind), match.groupdict())
            except DeadlineError as error:
                raise DeadlineError(f'the deadline "{text}" is not usable: {error}') from None
            except (ValueError, OverflowError):
                raise DeadlineError(f'the deadline "{text}" is not a real date') from None
            readings.append(DeadlineReading(deadline=deadline, text=text))
    return readings
