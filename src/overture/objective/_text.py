"""Sentence normalisation for the objective parser: case, accents, apostrophes, spaces.

The parser matches its grammar against a *folded* copy of the sentence (lower case, accents
removed, one kind of apostrophe, quote and dash, single spaces) and slices names such as a list
or segment out of a *display* copy that keeps the accents. Both copies have the same length, so a
span found in one is the same span in the other.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["MASK", "Normalized", "Sentence", "normalize", "parse_number"]

MASK = "\x00"
"""Replaces characters the grammar has already read; no pattern matches it."""

_APOSTROPHES = "’‘`´ʼ′‛"
_QUOTES = "“”«»„‟″‹›"
_DASHES = "‐‑‒–—―−﹣－"
_PUNCTUATION_AS_SPACE = ";:()[]{}!?¡¿…"
_TRAILING = ".,;:!?… "


def _translation() -> dict[int, str]:
    table: dict[int, str] = {}
    table.update({ord(c): "'" for c in _APOSTROPHES})
    table.update({ord(c): '"' for c in _QUOTES})
    table.update({ord(c): "-" for c in _DASHES})
    table.update({ord(c): " " for c in _PUNCTUATION_AS_SPACE})
    return table


_TABLE = _translation()


def _clean(char: str) -> str:
    """One character in, one character out, so the folded and display copies stay aligned."""
    char = char.translate(_TABLE)
    if char.isspace() or unicodedata.category(char)[0] == "C":
        return " "
    lower = char.lower()
    return lower if len(lower) == 1 else char


def _fold(char: str) -> str:
    decomposed = unicodedata.normalize("NFD", char)
    if len(decomposed) > 1 and all(unicodedata.combining(c) for c in decomposed[1:]):
        return decomposed[0]
    return char


@dataclass(frozen=True)
class Normalized:
    """The two aligned copies of a sentence."""

    folded: str
    """Lower case, no accents: what the grammar reads."""
    display: str
    """Lower case with accents: where names are taken from."""


def _is_decimal_comma(text: str, index: int) -> bool:
    return 0 < index < len(text) - 1 and text[index - 1].isdigit() and text[index + 1].isdigit()


def normalize(text: str) -> Normalized:
    """Both copies of ``text``, with spaces collapsed and trailing punctuation dropped."""
    composed = unicodedata.normalize("NFC", text)
    chars: list[str] = []
    for index, raw in enumerate(composed):
        # A comma between digits is a decimal comma ("4,5 %"); any other comma only separates.
        char = " " if raw == "," and not _is_decimal_comma(composed, index) else _clean(raw)
        if char == " " and (not chars or chars[-1] == " "):
            continue
        chars.append(char)
    display = "".join(chars).rstrip(_TRAILING)
    return Normalized(folded="".join(_fold(c) for c in display), display=display)


def parse_number(text: str) -> float:
    """A number written with a decimal point or a decimal comma."""
    return float(text.replace(",", "."))


class Sentence:
    """A normalised sentence whose parts are crossed out as the grammar reads them.

    Reading a part replaces it with :data:`MASK` in :attr:`unread`, so no later pattern can
    read it again and no name can run across it.
    """

    def __init__(self, text: str) -> None:
        normalized = normalize(text)
        self.folded = normalized.folded
        self.display = normalized.display
        self._unread = list(self.folded)

    @property
    def unread(self) -> str:
        return "".join(self._unread)

    def take(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        """Every match of ``pattern`` in the unread text, now marked as read."""
        matches = list(pattern.finditer(self.unread))
        for match in matches:
            self.cross_out(match.start(), match.end())
        return matches

    def cross_out(self, start: int, end: int) -> None:
        self._unread[start:end] = MASK * (end - start)

    def show(self, start: int, end: int) -> str:
        """The words between two positions as written (accents kept), for messages and names."""
        return self.display[start:end].strip()
