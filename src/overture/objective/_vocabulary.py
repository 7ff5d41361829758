"""The words the objective parser knows, one table per language.

Every phrase is written folded (lower case, no accents, straight apostrophes), the form the
parser matches against. Adding a synonym is adding a string to a table here; the grammar in
``_quantities.py``, ``_deadlines.py`` and ``parser.py`` does not change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from overture.objective.model import Metric

__all__ = [
    "ENGLISH",
    "FRENCH",
    "VOCABULARIES",
    "Lean",
    "Unit",
    "Verb",
    "Vocabulary",
    "phrase_pattern",
    "words",
    "words_pattern",
]


class Lean(Enum):
    """Which way a word pushes the metric."""

    UP = "increase"
    DOWN = "decrease"
    BETTER = "improve"
    """Up for a metric where more is better, down for unsubscribes and churn."""


class Unit(Enum):
    PERCENT = "percent"
    POINTS = "percentage points"
    MONEY = "money"
    CENTS = "cents"


@dataclass(frozen=True)
class Verb:
    lean: Lean | None
    """None for a verb that names no direction ("get", "faire passer")."""
    sets_level: bool = False
    """A verb like "reach" makes "an open rate of 25%" a level, not a change."""


@dataclass(frozen=True)
class Vocabulary:
    language: str
    metrics: Mapping[str, Metric]
    unsupported_metrics: Mapping[str, str]
    """Phrases for metrics Overture does not measure, mapped to the reason shown."""
    verbs: Mapping[str, Verb]
    multipliers: Mapping[str, float]
    """Verbs that carry their own relative target: "double" is +100%."""
    units: Mapping[str, Unit]
    months: Mapping[str, int]
    numbers: Mapping[str, int]
    """Small numbers written as words, for durations ("within two weeks")."""
    fillers: frozenset[str]
    """Words a goal sentence may carry that change nothing ("please", "we want to", "the")."""
    determiners: tuple[str, ...]
    reserved: frozenset[str]
    """Words that end a list or segment name (prepositions, conjunctions)."""
    channels: Mapping[str, str]
    newsletter: frozenset[str]
    """Names that all mean the one default newsletter."""
    people: frozenset[str]
    """Words that make a name a group of people, hence a segment ("new subscribers")."""
    generic_suffixes: tuple[str, ...]
    """Trailing words that name no list ("the product updates *list*")."""
    list_words: tuple[str, ...]
    """Leading words that introduce a list name ("la *liste* Nouveautés")."""
    segment_word: str
    function_words: frozenset[str]
    """Frequent words of the language, used only to tell the languages apart."""

    def markers(self) -> frozenset[str]:
        """Every phrase of this vocabulary, to tell which language a sentence is in."""
        return frozenset(
            [
                *self.metrics,
                *self.unsupported_metrics,
                *self.verbs,
                *self.multipliers,
                *self.months,
                *self.newsletter,
                *self.function_words,
            ]
        )


def words(text: str) -> frozenset[str]:
    """A set of words written as one space-separated string, to keep word tables short."""
    return frozenset(text.split())


def phrase_pattern(phrases: Iterable[str]) -> str:
    """A regex alternation matching any phrase as whole words, longest first.

    A space or hyphen inside a phrase matches a space, a hyphen or nothing, so
    "click-through", "click through" and "clickthrough" are one phrase.
    """
    parts: list[str] = []
    for phrase in sorted(set(phrases), key=lambda p: (-len(p), p)):
        pieces = re.split(r"[ -]", phrase)
        parts.append(r"[\s-]?".join(re.escape(piece) for piece in pieces))
    # An elided article may precede a phrase ("l'attrition"), but no letter may.
    return r"(?<!\w)(?:" + "|".join(parts) + r")(?![\w'])"


def words_pattern(words: Iterable[str]) -> str:
    """A regex alternation of exact words (no space or hyphen folding), longest first."""
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return "(?:" + "|".join(re.escape(w) for w in ordered) + ")"


_IRREGULAR: Mapping[str, tuple[str, ...]] = {
    "cut": ("cuts", "cutting"),
    "grow": ("grows", "grew", "grown", "growing"),
    "drop": ("drops", "dropped", "dropping"),
    "hit": ("hits", "hitting"),
    "get": ("gets", "got", "getting"),
    "bring": ("brings", "brought", "bringing"),
    "take": ("takes", "took", "taken", "taking"),
    "slash": ("slashes", "slashed", "slashing"),
    "push": ("pushes", "pushed", "pushing"),
    "rise": ("rises", "rose", "risen", "rising"),
    "trim": ("trims", "trimmed", "trimming"),
    "shrink": ("shrinks", "shrank", "shrunk", "shrinking"),
    "drive": ("drives", "drove", "driven", "driving"),
    "bump": ("bumps", "bumped", "bumping"),
    "ramp": ("ramps", "ramped", "ramping"),
    "keep": ("keeps", "kept", "keeping"),
}


def _english_forms(phrase: str) -> tuple[str, ...]:
    """Base, -s, -ed and -ing forms; a phrasal verb inflects its first word."""
    head, _, tail = phrase.partition(" ")
    if head in _IRREGULAR:
        heads = (head, *_IRREGULAR[head])
    elif head.endswith("e"):
        heads = (head, head + "s", head + "d", head[:-1] + "ing")
    else:
        heads = (head, head + "s", head + "ed", head + "ing")
    return tuple(f"{h} {tail}".strip() for h in heads)


def _verbs(groups: Mapping[Verb, Iterable[str]], *, inflect: bool) -> dict[str, Verb]:
    table: dict[str, Verb] = {}
    for sense, phrases in groups.items():
        for phrase in phrases:
            for form in _english_forms(phrase) if inflect else (phrase,):
                table[form] = sense
    return table


_UP, _DOWN, _BETTER = Verb(Lean.UP), Verb(Lean.DOWN), Verb(Lean.BETTER)
_REACH, _NEUTRAL = Verb(Lean.BETTER, sets_level=True), Verb(None)

ENGLISH = Vocabulary(
    language="en",
    metrics={
        "open rate": Metric.HUMAN_OPEN_RATE,
        "open rates": Metric.HUMAN_OPEN_RATE,
        "opening rate": Metric.HUMAN_OPEN_RATE,
        "opens": Metric.HUMAN_OPEN_RATE,
        "email opens": Metric.HUMAN_OPEN_RATE,
        "human open rate": Metric.HUMAN_OPEN_RATE,
        "human opens": Metric.HUMAN_OPEN_RATE,
        "unique opens": Metric.HUMAN_OPEN_RATE,
        "click rate": Metric.CLICK_RATE,
        "click rates": Metric.CLICK_RATE,
        "click-through": Metric.CLICK_RATE,
        "click-through rate": Metric.CLICK_RATE,
        "click-throughs": Metric.CLICK_RATE,
        "ctr": Metric.CLICK_RATE,
        "clicks": Metric.CLICK_RATE,
        "unique clicks": Metric.CLICK_RATE,
        "conversion rate": Metric.CONVERSION_RATE,
        "conversion rates": Metric.CONVERSION_RATE,
        "conversions": Metric.CONVERSION_RATE,
        "unsubscribe rate": Metric.UNSUBSCRIBE_RATE,
        "unsubscribes": Metric.UNSUBSCRIBE_RATE,
        "unsubscriptions": Metric.UNSUBSCRIBE_RATE,
        "unsubs": Metric.UNSUBSCRIBE_RATE,
        "opt-outs": Metric.UNSUBSCRIBE_RATE,
        "opt-out rate": Metric.UNSUBSCRIBE_RATE,
        "churn": Metric.CHURN_RATE,
        "churn rate": Metric.CHURN_RATE,
        "customer churn": Metric.CHURN_RATE,
        "attrition": Metric.CHURN_RATE,
        "attrition rate": Metric.CHURN_RATE,
        "revenue per recipient": Metric.REVENUE_PER_RECIPIENT,
        "revenue per email": Metric.REVENUE_PER_RECIPIENT,
        "revenue per send": Metric.REVENUE_PER_RECIPIENT,
        "revenue per message": Metric.REVENUE_PER_RECIPIENT,
        "rpr": Metric.REVENUE_PER_RECIPIENT,
        "rpe": Metric.REVENUE_PER_RECIPIENT,
    },
    unsupported_metrics={
        "click-to-open rate": "click-to-open rate",
        "ctor": "click-to-open rate",
        "bounce rate": "bounce rate",
        "bounces": "bounce rate",
        "complaint rate": "complaint rate",
        "spam complaints": "complaint rate",
        "spam rate": "complaint rate",
        "deliverability": "deliverability",
        "revenue": "total revenue",
        "roas": "return on ad spend",
        "return on ad spend": "return on ad spend",
        "list size": "subscriber count",
    },
    verbs=_verbs(
        {
            _UP: (
                "increase",
                "raise",
                "boost",
                "grow",
                "lift",
                "push up",
                "drive up",
                "bump up",
                "ramp up",
                "maximize",
                "maximise",
                "rise",
                "growth",
                "uplift",
            ),
            _DOWN: (
                "reduce",
                "lower",
                "cut",
                "decrease",
                "drop",
                "bring down",
                "drive down",
                "push down",
                "minimize",
                "minimise",
                "shrink",
                "slash",
                "trim",
                "curb",
                "reduction",
                "decline",
            ),
            _BETTER: ("improve", "improvement", "optimize", "optimise"),
            _REACH: ("reach", "hit", "achieve", "attain"),
            _NEUTRAL: ("get", "bring", "take", "move", "keep"),
        },
        inflect=True,
    ),
    multipliers={
        **dict.fromkeys(_english_forms("double"), 1.0),
        **dict.fromkeys(_english_forms("triple"), 2.0),
        **dict.fromkeys(_english_forms("quadruple"), 3.0),
        **dict.fromkeys(_english_forms("halve"), -0.5),
    },
    units={
        "%": Unit.PERCENT,
        "percent": Unit.PERCENT,
        "per cent": Unit.PERCENT,
        "pct": Unit.PERCENT,
        "percentage points": Unit.POINTS,
        "percentage point": Unit.POINTS,
        "points": Unit.POINTS,
        "point": Unit.POINTS,
        "pts": Unit.POINTS,
        "pt": Unit.POINTS,
        "pp": Unit.POINTS,
        "ppt": Unit.POINTS,
        "basis points": Unit.POINTS,
        "bps": Unit.POINTS,
        "dollars": Unit.MONEY,
        "dollar": Unit.MONEY,
        "euros": Unit.MONEY,
        "euro": Unit.MONEY,
        "pounds": Unit.MONEY,
        "usd": Unit.MONEY,
        "eur": Unit.MONEY,
        "gbp": Unit.MONEY,
        "$": Unit.MONEY,
        "€": Unit.MONEY,
        "£": Unit.MONEY,
        "cents": Unit.CENTS,
        "cent": Unit.CENTS,
        "¢": Unit.CENTS,
    },
    months={
        "january": 1,
        "jan": 1,
        "february": 2,
        "feb": 2,
        "march": 3,
        "mar": 3,
        "april": 4,
        "apr": 4,
        "may": 5,
        "june": 6,
        "jun": 6,
        "july": 7,
        "jul": 7,
        "august": 8,
        "aug": 8,
        "september": 9,
        "sept": 9,
        "sep": 9,
        "october": 10,
        "oct": 10,
        "november": 11,
        "nov": 11,
        "december": 12,
        "dec": 12,
    },
    numbers={
        "a": 1,
        "an": 1,
        "one": 1,
        "two": 2,
        "three": 3,
        "four": 4,
        "five": 5,
        "six": 6,
        "seven": 7,
        "eight": 8,
        "nine": 9,
        "ten": 10,
        "eleven": 11,
        "twelve": 12,
    },
    fillers=words(
        "please we i you us me want wants wanted would like need needs to let let's lets "
        "help our the my your their its a an goal objective aim aims target try should must "
        "can could we'd i'd we'll is are be so that overall average total it this in of and"
    ),
    determiners=("our", "the", "my", "your", "their", "its", "a", "an", "all", "every"),
    reserved=words(
        "of for in on to by from among across within at with and or than before until per up down"
    ),
    channels={
        "email": "email",
        "e-mail": "email",
        "emails": "email",
        "e-mails": "email",
        "mail": "email",
        "mails": "email",
        "mailings": "email",
        "sms": "sms",
        "texts": "sms",
        "text messages": "sms",
        "push": "push",
        "push notifications": "push",
    },
    newsletter=frozenset({"newsletter", "newsletters", "e-newsletter", "news letter"}),
    people=words(
        "subscribers customers buyers clients users members contacts shoppers readers "
        "recipients people prospects leads"
    ),
    generic_suffixes=(
        "mailing list",
        "list",
        "lists",
        "campaigns",
        "campaign",
        "sends",
        "audience",
    ),
    list_words=(),
    segment_word="segment",
    function_words=words(
        "the of our by to for within weeks week months month end and in from among days "
        "quarter year before half next this"
    ),
)

FRENCH = Vocabulary(
    language="fr",
    metrics={
        "taux d'ouverture": Metric.HUMAN_OPEN_RATE,
        "taux d'ouvertures": Metric.HUMAN_OPEN_RATE,
        "taux d'ouverture humaine": Metric.HUMAN_OPEN_RATE,
        "ouvertures": Metric.HUMAN_OPEN_RATE,
        "ouvertures humaines": Metric.HUMAN_OPEN_RATE,
        "open rate": Metric.HUMAN_OPEN_RATE,
        "taux de clics": Metric.CLICK_RATE,
        "taux de clic": Metric.CLICK_RATE,
        "clics": Metric.CLICK_RATE,
        "ctr": Metric.CLICK_RATE,
        "taux de conversion": Metric.CONVERSION_RATE,
        "taux de conversions": Metric.CONVERSION_RATE,
        "conversions": Metric.CONVERSION_RATE,
        "taux de desabonnement": Metric.UNSUBSCRIBE_RATE,
        "taux de desabonnements": Metric.UNSUBSCRIBE_RATE,
        "desabonnements": Metric.UNSUBSCRIBE_RATE,
        "taux de desinscription": Metric.UNSUBSCRIBE_RATE,
        "desinscriptions": Metric.UNSUBSCRIBE_RATE,
        "attrition": Metric.CHURN_RATE,
        "taux d'attrition": Metric.CHURN_RATE,
        "churn": Metric.CHURN_RATE,
        "taux de churn": Metric.CHURN_RATE,
        "taux de desabonnement client": Metric.CHURN_RATE,
        "revenu par destinataire": Metric.REVENUE_PER_RECIPIENT,
        "revenus par destinataire": Metric.REVENUE_PER_RECIPIENT,
        "chiffre d'affaires par destinataire": Metric.REVENUE_PER_RECIPIENT,
        "revenu par courriel": Metric.REVENUE_PER_RECIPIENT,
        "revenu par e-mail": Metric.REVENUE_PER_RECIPIENT,
        "revenu par envoi": Metric.REVENUE_PER_RECIPIENT,
        "rpr": Metric.REVENUE_PER_RECIPIENT,
    },
    unsupported_metrics={
        "taux de clics par ouverture": "click-to-open rate",
        "taux de reactivite": "click-to-open rate",
        "taux de rebond": "bounce rate",
        "rebonds": "bounce rate",
        "plaintes": "complaint rate",
        "taux de plainte": "complaint rate",
        "delivrabilite": "deliverability",
        "chiffre d'affaires": "total revenue",
        "revenu": "total revenue",
        "revenus": "total revenue",
        "roas": "return on ad spend",
    },
    verbs=_verbs(
        {
            _UP: (
                "augmenter",
                "augmentez",
                "augmente",
                "augmentons",
                "augmentation",
                "accroitre",
                "accroissez",
                "accroit",
                "accroissement",
                "hausser",
                "haussez",
                "hausse",
                "relever",
                "relevez",
                "booster",
                "boostez",
                "faire croitre",
                "faire monter",
                "faire grimper",
                "croissance",
                "progression",
                "maximiser",
            ),
            _DOWN: (
                "reduire",
                "reduisez",
                "reduisons",
                "reduis",
                "reduction",
                "diminuer",
                "diminuez",
                "diminue",
                "diminution",
                "baisser",
                "baissez",
                "baisse",
                "abaisser",
                "faire baisser",
                "couper",
                "coupez",
                "limiter",
                "limitez",
                "minimiser",
                "diviser",
            ),
            _BETTER: ("ameliorer", "ameliorez", "amelioration", "optimiser", "optimisez"),
            _REACH: ("atteindre", "atteignez", "obtenir", "obtenez", "viser", "visez"),
            _NEUTRAL: ("faire passer", "passer", "porter", "portez", "amener", "amenez"),
        },
        inflect=False,
    ),
    multipliers={
        "doubler": 1.0,
        "doublez": 1.0,
        "double": 1.0,
        "multiplier par deux": 1.0,
        "multiplier par 2": 1.0,
        "tripler": 2.0,
        "triplez": 2.0,
        "multiplier par trois": 2.0,
        "multiplier par 3": 2.0,
        "diviser par deux": -0.5,
        "diviser par 2": -0.5,
        "divisez par deux": -0.5,
    },
    units={
        "%": Unit.PERCENT,
        "pour cent": Unit.PERCENT,
        "pour-cent": Unit.PERCENT,
        "pourcent": Unit.PERCENT,
        "pourcents": Unit.PERCENT,
        "points de pourcentage": Unit.POINTS,
        "point de pourcentage": Unit.POINTS,
        "points": Unit.POINTS,
        "point": Unit.POINTS,
        "pts": Unit.POINTS,
        "pt": Unit.POINTS,
        "euros": Unit.MONEY,
        "euro": Unit.MONEY,
        "eur": Unit.MONEY,
        "dollars": Unit.MONEY,
        "dollar": Unit.MONEY,
        "$": Unit.MONEY,
        "€": Unit.MONEY,
        "£": Unit.MONEY,
        "centimes": Unit.CENTS,
        "centime": Unit.CENTS,
        "cents": Unit.CENTS,
        "¢": Unit.CENTS,
    },
    months={
        "janvier": 1,
        "janv": 1,
        "fevrier": 2,
        "fevr": 2,
        "fev": 2,
        "mars": 3,
        "avril": 4,
        "avr": 4,
        "mai": 5,
        "juin": 6,
        "juillet": 7,
        "juil": 7,
        "aout": 8,
        "septembre": 9,
        "sept": 9,
        "octobre": 10,
        "oct": 10,
        "novembre": 11,
        "nov": 11,
        "decembre": 12,
        "dec": 12,
    },
    numbers={
        "un": 1,
        "une": 1,
        "deux": 2,
        "trois": 3,
        "quatre": 4,
        "cinq": 5,
        "six": 6,
        "sept": 7,
        "huit": 8,
        "neuf": 9,
        "dix": 10,
        "onze": 11,
        "douze": 12,
    },
    fillers=words(
        "je j' nous on veux voulons veut voudrais voudrions souhaite souhaitons aimerais "
        "aimerions il faut objectif but notre nos votre vos mon ma mes le la les l' un une "
        "merci s'il vous plait svp global globale moyen moyenne total doit devons devrait "
        "faut-il cible de du des d' et"
    ),
    determiners=(
        *("notre", "nos", "votre", "vos", "mon", "ma", "mes", "le", "la", "les", "l'"),
        *("tous", "toutes"),
    ),
    reserved=words(
        "de du des d' pour sur dans parmi chez aupres a au aux par en avec et ou avant jusqu'a"
    ),
    channels={
        "email": "email",
        "e-mail": "email",
        "emails": "email",
        "e-mails": "email",
        "courriel": "email",
        "courriels": "email",
        "mail": "email",
        "mails": "email",
        "sms": "sms",
        "texto": "sms",
        "textos": "sms",
        "push": "push",
        "notifications push": "push",
    },
    newsletter=frozenset(
        {
            "infolettre",
            "infolettres",
            "newsletter",
            "newsletters",
            "lettre d'information",
            "lettre d'informations",
            "lettre d'info",
            "lettre d'infos",
            "bulletin d'information",
            "bulletin d'informations",
        }
    ),
    people=words(
        "abonnes clients clientes acheteurs acheteuses utilisateurs membres contacts "
        "lecteurs lectrices destinataires inscrits prospects"
    ),
    generic_suffixes=("de diffusion", "campagnes", "campagne", "envois"),
    list_words=("liste de diffusion", "liste", "listes"),
    segment_word="segment",
    function_words=words(
        "le la les de du des notre nos d'ici pour avant dans semaines semaine mois fin et "
        "trimestre annee jours moitie parmi chez taux pour cent prochain"
    ),
)

VOCABULARIES: Mapping[str, Vocabulary] = {"en": ENGLISH, "fr": FRENCH}
