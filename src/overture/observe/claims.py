"""The hallucination check: every number and named fact in a text, checked against evidence.

A pure function over a text (an agent's or the conductor's) and the evidence of that step (tool
outputs, query results, what the decider was shown). Numbers are percentages, money, counts and
rates; named facts are quoted names (a segment, a subject line, an agent). A claim is supported
when some evidence value matches it within tolerance: the rounding its own display implies
(``24.3%`` stands for anything in [24.25, 24.35]) or a relative tolerance, whichever is larger.
A percentage matches a fraction in the evidence (``24.3%`` and ``0.243``). Anything else counts as
hallucinated: a claim with no source, or one off beyond tolerance.

Dates, times, identifiers (``run-4f2a``, ``gpt-4o``), confidence levels (``95% interval``) and
numbers inside quoted names are not numeric claims. A list or mapping in the evidence also
supports its size ("6 subject lines" rests on a list of six).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

__all__ = [
    "DEFAULT_RELATIVE_TOLERANCE",
    "Claim",
    "ClaimKind",
    "EvidenceIndex",
    "TextCheck",
    "check_text",
    "extract_claims",
]

DEFAULT_RELATIVE_TOLERANCE = 0.005
"""Half a percent of the claimed value: a little more than display rounding, far less than an
invented figure."""

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class ClaimKind(StrEnum):
    PERCENT = "percent"
    MONEY = "money"
    COUNT = "count"
    NUMBER = "number"
    """A non-integer figure without a unit (a rate written as 0.243, a ratio)."""
    NAME = "name"


class Claim(BaseModel):
    """One checkable statement in a text, with where it sits."""

    model_config = _FROZEN
    kind: ClaimKind
    text: str
    start: int
    end: int
    value: float | None = None
    """The figure in its own unit (24.3 for ``24.3%``, 12400 for ``12.4k``); None for names."""
    half_unit: float = 0.0
    """Half the last displayed digit, in the value's unit: the rounding the display implies."""
    supported: bool = True
    matched: str | None = None
    """The evidence value it matched, for a supported claim."""


class TextCheck(BaseModel):
    """The claims of one text and which of them the evidence supports."""

    model_config = _FROZEN
    claims: tuple[Claim, ...] = ()

    @property
    def unsupported(self) -> tuple[Claim, ...]:
        return tuple(c for c in self.claims if not c.supported)

    @property
    def rate(self) -> float:
        """Share of claims unsupported; 0 for a text with no claims."""
        return len(self.unsupported) / len(self.claims) if self.claims else 0.0


# Masked before numbers are read: they contain digits but are not figures.
_NOT_FIGURES = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\b\d{1,2}:\d{2}(?::\d{2})?\b"
    r"|\b\d{1,2}(?:\.\d+)?\s?%(?=\s?(?:confidence|credible|CI\b|interval|prediction))"
    r"|\b[A-Za-z]+(?:[-_][A-Za-z0-9]+)*[-_]?\d+[A-Za-z0-9_-]*"  # identifiers: run-4f2a, v2, gpt-4o
    r"|\b[0-9a-f]*[a-f][0-9a-f]*\d[0-9a-f]*\b|\b\d+[a-f][0-9a-f]*\b"  # hex ids
)
_QUOTED = re.compile(
    r"\"(?P<d>[^\"\n]{1,120})\""
    r"|“(?P<c>[^”\n]{1,120})”"
    r"|«\s?(?P<g>[^»\n]{1,120}?)\s?»"
    r"|(?<![\w'])'(?P<s>(?:[^'\n]|(?<=\w)'(?=\w)){1,120}?)'(?![\w'])"
)
_FIGURE = re.compile(
    r"(?<![\w.,])(?P<cur>[$€£]\s?)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?P<unit>\s?%|\s?(?:percent|per cent|pc)\b|\s?(?:pp|percentage points?|points?)\b"
    r"|\s?[kK]\b|\s?(?:M|[mM]illion)\b|\s?(?:bn|[bB]illion)\b"
    r"|\s?(?:USD|EUR|GBP|dollars?|euros?)\b)?"
    r"(?![\w])"
)
_SCALE = {"k": 1e3, "m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}
_MONEY_WORDS = {"usd", "eur", "gbp", "dollar", "dollars", "euro", "euros"}


def _mask(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def extract_claims(text: str) -> tuple[Claim, ...]:
    """The numbers and quoted names in ``text``, in order of appearance."""
    claims: list[Claim] = []
    for match in _QUOTED.finditer(text):
        name = next(g for g in match.groups() if g is not None).strip()
        if name:
            claims.append(
                Claim(kind=ClaimKind.NAME, text=name, start=match.start(), end=match.end())
            )
    masked = _mask(_mask(text, _QUOTED), _NOT_FIGURES)
    claims.extend(_figures(masked, text))
    return tuple(sorted(claims, key=lambda c: c.start))


def _figures(masked: str, text: str) -> Iterator[Claim]:
    for match in _FIGURE.finditer(masked):
        raw = match.group("num")
        number = float(raw.replace(",", ""))
        decimals = len(raw.partition(".")[2])
        half_unit = 0.5 * 10.0**-decimals
        unit = (match.group("unit") or "").strip().lower()
        if match.group("cur") or unit in _MONEY_WORDS:
            kind = ClaimKind.MONEY
        elif unit in {"%", "percent", "per cent", "pc"} or unit.startswith(
            ("pp", "percentage", "point")
        ):
            kind = ClaimKind.PERCENT
        elif decimals == 0 or unit in _SCALE:
            kind = ClaimKind.COUNT
        else:
            kind = ClaimKind.NUMBER
        scale = _SCALE.get(unit, 1.0)
        yield Claim(
            kind=kind,
            text=text[match.start() : match.end()].strip(),
            start=match.start(),
            end=match.end(),
            value=number * scale,
            half_unit=half_unit * scale,
        )


@dataclass(frozen=True)
class EvidenceIndex:
    """The values a step's evidence holds, indexed for matching claims against them."""

    numbers: tuple[float, ...]
    """Sorted absolute values of every number in the evidence, including figures in its text."""
    strings: tuple[str, ...]
    """Every string (and key) in the evidence, lower-cased with whitespace collapsed."""

    @classmethod
    def of(cls, evidence: Iterable[object]) -> EvidenceIndex:
        """Index JSON-like values: numbers, strings, and mappings and sequences of them."""
        numbers: set[float] = set()
        strings: set[str] = set()
        for item in evidence:
            _collect(item, numbers, strings)
        return cls(tuple(sorted(numbers)), tuple(sorted(strings)))

    def near(self, value: float, tolerance: float) -> float | None:
        """An evidence number within ``tolerance`` of ``value``, or None."""
        target = abs(value)
        i = bisect_left(self.numbers, target - tolerance)
        if i < len(self.numbers) and self.numbers[i] <= target + tolerance:
            return self.numbers[i]
        return None

    def names(self, name: str) -> str | None:
        """An evidence string that contains ``name``, or None."""
        wanted = _normal(name)
        return next((s for s in self.strings if wanted in s), None)


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def _collect(value: object, numbers: set[float], strings: set[str]) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float):
        if math.isfinite(value):
            numbers.add(abs(float(value)))
        return
    if isinstance(value, str):
        strings.add(_normal(value))
        for claim in extract_claims(value):
            if claim.value is not None:
                numbers.add(abs(claim.value))
                if claim.kind is ClaimKind.PERCENT:
                    numbers.add(abs(claim.value) / 100)
        return
    if isinstance(value, Mapping | list | tuple) and value:
        numbers.add(float(len(value)))  # "6 subject lines" rests on a list of six
    if isinstance(value, Mapping):
        for key, item in value.items():
            _collect(key, numbers, strings)
            _collect(item, numbers, strings)
        return
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _collect(item, numbers, strings)


def _support(claim: Claim, index: EvidenceIndex, rel_tol: float) -> Claim:
    if claim.kind is ClaimKind.NAME:
        found = index.names(claim.text)
        return claim.model_copy(update={"supported": found is not None, "matched": found})
    assert claim.value is not None
    value = claim.value
    tolerance = max(claim.half_unit, rel_tol * abs(value))
    found = index.near(value, tolerance)
    if found is None and claim.kind is ClaimKind.PERCENT:
        # A percentage in the text, a fraction in the data: 24.3% is 0.243.
        found = index.near(value / 100, tolerance / 100)
    return claim.model_copy(
        update={"supported": found is not None, "matched": None if found is None else f"{found:g}"}
    )


def check_text(
    text: str,
    evidence: Iterable[object] | EvidenceIndex,
    *,
    rel_tol: float = DEFAULT_RELATIVE_TOLERANCE,
) -> TextCheck:
    """Check every claim of ``text`` against ``evidence`` (JSON values or a prepared index)."""
    index = evidence if isinstance(evidence, EvidenceIndex) else EvidenceIndex.of(evidence)
    claims = tuple(_support(claim, index, rel_tol) for claim in extract_claims(text))
    return TextCheck(claims=claims)
