"""Subject-line features: what the simulated audience reacts to in a copywriter's real text.

The response model never sees a subject line's id, only these features, so a new line written
by an agent is scored by what it says: the contact's first name, length, a question, a number,
urgency words, an emoji, topic words, and its language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "FEATURES",
    "NAME_SLOT",
    "SubjectFeatures",
    "render_subject",
    "subject_features",
]

NAME_SLOT = "{first_name}"
"""The placeholder a subject template uses for the contact's first name."""

FEATURES = (
    "personalized",
    "short",
    "long",
    "question",
    "number",
    "urgency",
    "emoji",
    "deal",
    "news",
    "tips",
    "event",
    "language_mismatch",
)
"""Feature names, in the order of :meth:`SubjectFeatures.vector` and the scenario's effects."""

_SHORT, _LONG = 30, 50
_AVERAGE_NAME = 6

_WORDS: dict[str, tuple[str, ...]] = {
    "urgency": (
        "last chance",
        "today only",
        "ends tonight",
        "ends today",
        "hurry",
        "don't miss",
        "final hours",
        "only hours",
        "now or never",
        "dernière chance",
        "aujourd'hui seulement",
        "ce soir",
        "dernières heures",
        "vite",
        "ne manquez pas",
        "urgent",
        "this week only",
        "cette semaine seulement",
    ),
    "deal": (
        "sale",
        "% off",
        "discount",
        "promo",
        "deal",
        "save",
        "free shipping",
        "coupon",
        "soldes",
        "rabais",
        "réduction",
        "solde",
        "offre",
        "économisez",
        "livraison gratuite",
        "% de",
    ),
    "news": (
        "news",
        "update",
        "what's new",
        "new at",
        "announcing",
        "introducing",
        "nouveau",
        "nouveauté",
        "quoi de neuf",
        "actualité",
        "nouvelles",
        "découvrez",
    ),
    "tips": (
        "tips",
        "how to",
        "guide",
        "ideas",
        "ways to",
        "learn",
        "conseils",
        "astuces",
        "comment",
        "idées",
        "guide",
    ),
    "event": (
        "event",
        "webinar",
        "invited",
        "invitation",
        "join us",
        "evening",
        "meet",
        "événement",
        "webinaire",
        "invité",
        "soirée",
        "rejoignez",
    ),
}

_FRENCH = re.compile(
    r"\b(le|la|les|des|du|de|vos|votre|nos|notre|pour|avec|chez|une|et|est|cette|semaine|"
    r"quoi|vous|ce|soir|seulement|neuf)\b|[éèêàçùœ]",
    re.IGNORECASE,
)
_ENGLISH = re.compile(
    r"\b(the|your|our|for|with|this|week|what|you|is|are|new|only|off|and|at|of|to)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d")


def _word(word: str) -> str:
    # Boundaries only where the word itself starts or ends with a letter ("20% off" has none).
    before = r"(?<!\w)" if word[0].isalnum() else ""
    after = r"(?!\w)" if word[-1].isalnum() else ""
    return before + re.escape(word) + after


_TOPICS = {kind: re.compile("|".join(_word(w) for w in words)) for kind, words in _WORDS.items()}


@dataclass(frozen=True)
class SubjectFeatures:
    """What the response model sees of one subject line."""

    personalized: bool
    length: int
    question: bool
    number: bool
    urgency: bool
    emoji: bool
    deal: bool
    news: bool
    tips: bool
    event: bool
    language: Literal["en", "fr"]

    @property
    def short(self) -> bool:
        return self.length <= _SHORT

    @property
    def long(self) -> bool:
        return self.length >= _LONG

    def vector(self, locale: str) -> npt.NDArray[np.float64]:
        """The feature vector in :data:`FEATURES` order, for a contact of ``locale``."""
        values = [
            self.personalized,
            self.short,
            self.long,
            self.question,
            self.number,
            self.urgency,
            self.emoji,
            self.deal,
            self.news,
            self.tips,
            self.event,
            self.language != locale,
        ]
        return np.array(values, dtype=np.float64)


def render_subject(template: str, first_name: str) -> str:
    """The subject a contact receives: the template with their first name filled in."""
    return template.replace(NAME_SLOT, first_name)


def subject_features(subject: str, first_name: str | None = None) -> SubjectFeatures:
    """Read the features of ``subject``, a template or a line rendered for ``first_name``.

    A subject is personalized when it holds the ``{first_name}`` slot or, once rendered, the
    contact's first name as a word.
    """
    personalized = NAME_SLOT in subject
    if not personalized and first_name:
        personalized = re.search(rf"\b{re.escape(first_name)}\b", subject) is not None
    length = len(subject) - (len(NAME_SLOT) - _AVERAGE_NAME) * subject.count(NAME_SLOT)
    text = subject.replace(NAME_SLOT, " ").lower().replace("’", "'")
    found = {kind: pattern.search(text) is not None for kind, pattern in _TOPICS.items()}
    french = len(_FRENCH.findall(text))
    english = len(_ENGLISH.findall(text))
    return SubjectFeatures(
        personalized=personalized,
        length=length,
        question="?" in text,
        number=_NUMBER.search(text) is not None,
        urgency=found["urgency"],
        emoji=any(_is_emoji(char) for char in subject),
        deal=found["deal"],
        news=found["news"],
        tips=found["tips"],
        event=found["event"],
        language="fr" if french > english else "en",
    )


def _is_emoji(char: str) -> bool:
    code = ord(char)
    if 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF:
        return True
    return unicodedata.category(char) == "So"
