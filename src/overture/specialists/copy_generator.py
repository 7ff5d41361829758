"""The offline subject-line generator: bilingual lines built from explicit, named features.

The copywriter writes subject-line variants in English and French. Without a model it uses this
generator, whose every line is built from a :class:`LineSpec` and carries exactly the features
the spec names, so each claim ("this line is short, personalized and asks a question") can be
checked by reading the line back. A model-backed writer can later return the same
:class:`SubjectLine` records through the same functions' shapes.

Features (each is a field of :class:`LineSpec`):

- **personalized**: the contact's first name, as the ``{first_name}`` slot, either leading
  ("{first_name}, 20% off everything") or closing ("Want 20% off, {first_name}?").
- **length**: ``short`` is at most 30 characters, ``long`` at least 50, ``medium`` in between,
  counted with a typical six-letter first name in the slot; both languages must fall in the band.
- **question**: the line ends with a question mark.
- **number**: the line holds a digit (a percentage, a count of tips, an hour); a line without
  this feature holds no digit at all, which is why brand names may not contain digits.
- **urgency**: a deadline word, as a lead ("Last chance: ", "Dernière chance : ") or, for deals
  and events, a tail (", today only", ", aujourd'hui seulement").
- **emoji**: one emoji chosen for the topic, at the end of the line.
- **topic**: ``deal`` (sale, % off, free shipping / soldes, rabais, réduction), ``news``
  (news, introducing, what's new / nouvelles, du nouveau, découvrez, quoi de neuf), ``tips``
  (tips, ideas, guide, how to / conseils, astuces, idées, comment), ``event`` (invitation,
  evening, webinar, join us / soirée, webinaire, rejoignez-nous), or ``None`` for a general
  newsletter line that names no topic.

How a line is built: every (topic, number, question) combination has several hand-written
bodies, each an English/French pair of various lengths, some naming the brand. A line is

    [name lead] [urgency lead] body [urgency tail] [name tail] [question mark] [emoji]

where each bracketed part appears exactly when its feature is wanted. Every combination of
parts is a candidate phrasing; the candidates whose English *and* French lengths fall in the
wanted band form the pool, and a seeded generator picks from it. A word that follows a lead is
lower-cased ("{first_name}, last chance: want 20% off?"). The vocabulary keeps each feature's
cue words out of the lines that do not have that feature: no "save" in an event line, no
"comment" in a French line that is not about tips, no digit unless a number is wanted.

French typography: a no-break space (U+00A0) always stands before « ? ! : ; % » ("20 % de
rabais", "Quoi de neuf chez Northwind ?"); "de" elides before a brand starting with a vowel
("les soldes d'Atelier", "les soldes de Northwind"); accents are kept. English uses no space
before punctuation and "20%".

A spec is *supported* when its pool is non-empty for every valid brand (1 to
:data:`MAX_BRAND_LENGTH` characters, starting with a vowel or not); :func:`neighbours` only
returns supported specs, and :func:`generate_lines` refuses others.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache, cached_property
from typing import Literal, get_args

import numpy as np

from overture.exceptions import UsageError

__all__ = [
    "LENGTHS",
    "LONG_MIN",
    "MAX_BRAND_LENGTH",
    "SHORT_MAX",
    "TOPICS",
    "Length",
    "LineSpec",
    "SubjectLine",
    "Topic",
    "generate_lines",
    "is_supported",
    "neighbours",
    "phrasings",
    "supported_specs",
]

Length = Literal["short", "medium", "long"]
Topic = Literal["deal", "news", "tips", "event"]

LENGTHS: tuple[Length, ...] = get_args(Length)
TOPICS: tuple[Topic, ...] = get_args(Topic)

SHORT_MAX = 30
"""A short line has at most this many characters (a first name counted as six)."""
LONG_MIN = 50
"""A long line has at least this many characters (a first name counted as six)."""
MAX_BRAND_LENGTH = 20
"""The longest brand name every supported spec can still be written with."""

_NAME = "{first_name}"
_NAME_LENGTH = 6  # a typical first name, as the audience's feature reader counts the slot
_NBSP = "\u00a0"
_VOWELS = frozenset("aeiouàâäéèêëîïôöùûüœæ")
_BRAND_SHAPE = re.compile(r"[^\W\d_](?:[^\W\d_]|[ &'’.\-])*")


@dataclass(frozen=True)
class LineSpec:
    """The features a subject line must have; see the module docstring for each one."""

    personalized: bool = False
    length: Length = "medium"
    question: bool = False
    number: bool = False
    urgency: bool = False
    emoji: bool = False
    topic: Topic | None = None

    def __post_init__(self) -> None:
        if self.length not in LENGTHS:
            raise UsageError(
                f"unknown line length {self.length!r}", f"use one of {', '.join(LENGTHS)}"
            )
        if self.topic is not None and self.topic not in TOPICS:
            raise UsageError(
                f"unknown topic {self.topic!r}", f"use one of {', '.join(TOPICS)}, or None"
            )

    @cached_property
    def features(self) -> frozenset[str]:
        """The feature names this spec turns on, as the audience simulator names them."""
        flags = {
            "personalized": self.personalized,
            "short": self.length == "short",
            "long": self.length == "long",
            "question": self.question,
            "number": self.number,
            "urgency": self.urgency,
            "emoji": self.emoji,
        }
        names = {name for name, on in flags.items() if on}
        return frozenset(names | ({self.topic} if self.topic else set()))

    def rationale(self) -> str:
        """The features in words, in a fixed order: what a line of this spec claims."""
        parts = ["first name"] if self.personalized else []
        parts.append(
            {
                "short": f"short (≤{SHORT_MAX} characters)",
                "medium": "medium length",
                "long": f"long (≥{LONG_MIN} characters)",
            }[self.length]
        )
        parts += [
            name
            for name, on in (
                ("question", self.question),
                ("number", self.number),
                ("urgency", self.urgency),
                ("emoji", self.emoji),
            )
            if on
        ]
        parts.append(f"topic: {self.topic}" if self.topic else "no topic")
        return "; ".join(parts)


@dataclass(frozen=True)
class SubjectLine:
    """One subject line in both languages; ``{first_name}`` may stand for the contact's name."""

    en: str
    fr: str
    spec: LineSpec
    rationale: str


# ---------------------------------------------------------------------------------------------
# Phrase banks. ``{b}`` is the brand; ``{de_b}`` is French "de" + brand, elided before a vowel.
# Question bodies carry no question mark: the composer adds it after an optional name tail.
# French is written with plain spaces before punctuation; typography is applied in one place.

_Pair = tuple[str, str]

_BODIES: dict[tuple[Topic | None, bool, bool], tuple[_Pair, ...]] = {
    # (topic, number, question)
    (None, False, False): (
        ("Our picks for you", "Nos choix pour vous"),
        ("This week at {b}", "Cette semaine chez {b}"),
        ("Your weekly edition", "Votre édition de la semaine"),
        ("This week's newsletter", "L'infolettre de la semaine"),
        ("Your {b} weekly is here", "Votre hebdo {b} est là"),
        ("Your weekly picks are here", "Vos coups de cœur de la semaine"),
        ("Our favourite finds of the week", "Nos trouvailles préférées de la semaine"),
        ("A little something for your week", "Un petit quelque chose pour votre semaine"),
        (
            "The week's best, picked by our team for you",
            "Le meilleur de la semaine, choisi pour vous",
        ),
        (
            "The stories and finds our team loved most this week",
            "Les histoires et trouvailles préférées de notre équipe",
        ),
        (
            "Your weekly picks from {b}, chosen with care for you",
            "Vos coups de cœur de la semaine chez {b}, choisis pour vous",
        ),
        (
            "Everything worth your time this week, picked by our team",
            "Tout ce qui mérite votre attention cette semaine, choisi par notre équipe",
        ),
    ),
    (None, True, False): (
        ("4 favourites", "4 coups de cœur"),
        ("5 finds for you", "5 trouvailles pour vous"),
        ("Your top 5 from {b}", "Votre top 5 de la semaine chez {b}"),
        ("7 picks for your week", "7 coups de cœur pour votre semaine"),
        ("5 picks to brighten up your week", "5 coups de cœur pour égayer votre semaine"),
        ("3 finds our team loved for your week", "3 trouvailles que notre équipe a aimées"),
        ("3 things we loved this week", "3 choses que nous avons aimées cette semaine"),
        (
            "7 things our team loved this week, picked with you in mind",
            "7 choses que notre équipe a aimées cette semaine, pensées pour vous",
        ),
        (
            "10 favourites from the {b} team, picked for your week",
            "10 coups de cœur de l'équipe {b}, choisis pour votre semaine",
        ),
        (
            "The 3 things everyone at {b} is talking about this week",
            "Les 3 sujets dont tout le monde parle chez {b} cette semaine",
        ),
    ),
    (None, False, True): (
        ("Got a minute", "Vous avez une minute"),
        ("Got a minute for {b}", "Une minute pour {b}"),
        ("Ready for your weekly picks", "Envie de voir vos coups de cœur"),
        ("Ready for this week's picks", "Envie de voir la sélection de la semaine"),
        ("What caught our eye this week", "Qu'est-ce qui nous a plu cette semaine"),
        ("Shall we brighten up your week a little", "Et si l'on égayait un peu votre semaine"),
        ("Have you seen this week's picks", "Avez-vous vu les coups de cœur de la semaine"),
        (
            "Looking for something to brighten your week",
            "Envie de quelque chose pour égayer votre semaine",
        ),
        (
            "Would you like to see what our team loved most this week",
            "Voulez-vous voir ce que notre équipe a préféré cette semaine",
        ),
        (
            "Want to see what the {b} team loved most this week",
            "Voulez-vous voir ce que l'équipe {b} a préféré cette semaine",
        ),
    ),
    (None, True, True): (
        ("Got 2 minutes", "Vous avez 2 minutes"),
        ("Got 2 minutes for {b}", "Avez-vous 2 minutes pour {b}"),
        ("Seen our 5 favourites", "Vu nos 5 coups de cœur"),
        ("Ready for 5 picks from {b}", "Envie de 5 coups de cœur {de_b}"),
        ("Ready for our 5 favourites of the week", "Envie de nos 5 coups de cœur de la semaine"),
        ("Which of these 3 picks is for you", "Lequel de ces 3 coups de cœur est pour vous"),
        (
            "Have you seen the 7 picks our team loved this week",
            "Avez-vous vu les 7 coups de cœur de notre équipe cette semaine",
        ),
        (
            "Which of our 4 favourites from {b} would you pick this week",
            "Lequel de nos 4 coups de cœur {de_b} choisiriez-vous cette semaine",
        ),
    ),
    ("deal", False, False): (
        ("Our sale is on", "Nos soldes sont lancés"),
        ("Our sale starts now", "Nos soldes commencent"),
        ("The {b} sale is on", "Les soldes {de_b} sont là"),
        ("A promo code for you", "Un code promo pour vous"),
        ("Save on your favourites", "Économisez sur vos favoris"),
        ("A members' discount for you", "Une réduction pour nos membres"),
        ("Free shipping on every order this week", "Livraison gratuite sur toutes vos commandes"),
        (
            "A members' discount on the pieces you love",
            "Une réduction pour nos membres sur vos favoris",
        ),
        (
            "Free shipping on your next order at {b}",
            "Livraison gratuite sur votre prochaine commande chez {b}",
        ),
        (
            "Our biggest sale of the season is on, with free shipping",
            "Les grands soldes de la saison sont là, livraison gratuite",
        ),
        (
            "The biggest sale of the season has started at {b}",
            "Les grands soldes de la saison ont commencé chez {b}",
        ),
        (
            "Save on the pieces you loved, with free shipping included",
            "Économisez sur les articles que vous aimez, livraison gratuite incluse",
        ),
    ),
    ("deal", True, False): (
        ("10% off", "10 % de rabais"),
        ("20% off everything", "20 % de rabais sur tout"),
        ("Save 15% at {b}", "Économisez 15 % chez {b}"),
        ("Your 10% discount is here", "Votre réduction de 10 % est là"),
        ("25% off your favourites", "25 % de rabais sur vos favoris"),
        ("Save 15% on the pieces you love", "Économisez 15 % sur vos articles préférés"),
        (
            "25% off your favourites, just for members",
            "25 % de rabais sur vos favoris, pour nos membres",
        ),
        (
            "Save 20% on everything at {b}, with free shipping",
            "Économisez 20 % sur tout chez {b}, livraison gratuite incluse",
        ),
        (
            "Take 30% off the pieces you loved most this season",
            "30 % de rabais sur vos articles préférés de la saison",
        ),
        (
            "Save 20% on everything, with free shipping on every order",
            "Économisez 20 % sur tout, avec la livraison gratuite en prime",
        ),
    ),
    ("deal", False, True): (
        ("Looking for a deal", "Envie d'une bonne réduction"),
        ("Tempted by our sale", "Nos soldes vous tentent"),
        ("Did someone say sale", "Vous avez dit soldes"),
        ("Have you seen our sale", "Avez-vous vu nos soldes"),
        ("Did you see our sale this week", "Avez-vous vu nos soldes de la semaine"),
        ("Want a discount on your favourites", "Envie d'une réduction sur vos favoris"),
        (
            "Would you like free shipping on your next order this week",
            "Envie de la livraison gratuite sur votre prochaine commande",
        ),
        (
            "Want free shipping on your next order from {b}",
            "Envie de la livraison gratuite sur votre prochaine commande chez {b}",
        ),
        (
            "Have you spotted the best deal at {b} this week",
            "Avez-vous repéré la meilleure offre chez {b} cette semaine",
        ),
    ),
    ("deal", True, True): (
        ("Want 20% off", "Envie de 20 % de rabais"),
        ("Want 20% off your favourites", "Envie de 20 % de rabais sur vos favoris"),
        ("15% off, tempted", "15 % de rabais, ça vous tente"),
        ("How about 15% off your favourites", "15 % de rabais sur vos favoris, ça vous dit"),
        ("Have you used your 10% discount", "Avez-vous utilisé votre réduction de 10 %"),
        (
            "Have you claimed your 25% discount at {b} yet",
            "Avez-vous profité de votre réduction de 25 % chez {b}",
        ),
        (
            "Have you used the 10% discount waiting in your account",
            "Avez-vous utilisé la réduction de 10 % qui vous attend",
        ),
        (
            "How about 30% off the pieces you loved most this season",
            "Que diriez-vous de 30 % de rabais sur vos articles préférés de la saison",
        ),
    ),
    ("news", False, False): (
        ("News for you", "Des nouvelles pour vous"),
        ("The latest news", "Les dernières nouvelles"),
        ("Something new at {b}", "Du nouveau chez {b}"),
        ("News from the {b} team", "Des nouvelles de l'équipe {b}"),
        ("Announcing our new collection", "Découvrez notre nouvelle collection"),
        ("Introducing our latest collection", "Découvrez notre dernière collection"),
        ("The latest news from our whole team", "Les dernières nouvelles de toute l'équipe"),
        (
            "Introducing our new collection for the season",
            "Découvrez notre nouvelle collection de saison",
        ),
        (
            "The latest news from {b}, all in one place for you",
            "Les dernières nouvelles {de_b}, réunies pour vous en un seul endroit",
        ),
        (
            "Introducing the new collection our whole team has been working on",
            "Découvrez la nouvelle collection sur laquelle toute notre équipe a travaillé",
        ),
    ),
    ("news", True, False): (
        ("3 pieces of news", "3 nouvelles pour vous"),
        ("News: 3 new arrivals", "Du nouveau : 3 arrivages"),
        ("Introducing 4 new pieces", "Découvrez 4 nouvelles pièces"),
        ("3 pieces of news from {b}", "3 nouvelles de la semaine chez {b}"),
        ("Introducing 5 new pieces for the season", "Découvrez 5 nouvelles pièces de saison"),
        (
            "Announcing 5 new arrivals at {b} this week",
            "Découvrez 5 nouveaux arrivages chez {b} cette semaine",
        ),
        (
            "Introducing 6 new pieces our whole team has been working on",
            "Découvrez 6 nouvelles pièces sur lesquelles toute l'équipe a travaillé",
        ),
        (
            "Introducing 6 new pieces from the {b} collection, just landed",
            "Découvrez 6 nouvelles pièces de la collection {b}, tout juste arrivées",
        ),
    ),
    ("news", False, True): (
        ("Heard the news", "Vous avez vu les nouvelles"),
        ("What's new at {b}", "Quoi de neuf chez {b}"),
        ("What's new this week", "Quoi de neuf cette semaine"),
        ("Have you heard the news from {b}", "Avez-vous lu les nouvelles {de_b}"),
        ("Want the latest news from our team", "Envie des dernières nouvelles de l'équipe"),
        (
            "Have you seen what's new in our collection this season",
            "Savez-vous ce qu'il y a de nouveau dans notre collection",
        ),
        (
            "Have you seen what's new at {b} this week",
            "Savez-vous ce qu'il y a de nouveau chez {b} cette semaine",
        ),
        (
            "Curious about the latest news from the {b} team",
            "Envie des dernières nouvelles de l'équipe {b}",
        ),
    ),
    ("news", True, True): (
        ("Want 3 pieces of news", "Envie de 3 nouvelles"),
        ("Read our 3 news items", "Lu nos 3 nouvelles"),
        ("Heard the 3 pieces of news from {b}", "Vous avez lu les 3 nouvelles {de_b}"),
        ("Want the 5 news items of the week", "Envie des 5 nouvelles de la semaine"),
        (
            "Have you read the 5 news items of the week",
            "Avez-vous lu les 5 nouvelles de la semaine",
        ),
        ("Have you read our 3 news highlights", "Avez-vous lu nos 3 nouvelles à la une"),
        (
            "Have you seen the 4 new pieces we're introducing this season",
            "Avez-vous vu les 4 nouvelles pièces arrivées cette saison",
        ),
        (
            "Have you seen the 4 new pieces we're introducing at {b} this week",
            "Avez-vous vu les 4 nouvelles pièces arrivées chez {b} cette semaine",
        ),
    ),
    ("tips", False, False): (
        ("Tips for you", "Des conseils pour vous"),
        ("Tips for your week", "Conseils pour votre semaine"),
        ("Our tips for the week", "Nos conseils de la semaine"),
        ("Ideas for your weekend", "Des idées pour votre fin de semaine"),
        ("Tips from the {b} team", "Les conseils de l'équipe {b}"),
        ("Tips for a better weekend", "Des conseils pour une meilleure fin de semaine"),
        ("Our guide to a calmer week", "Notre guide pour une semaine plus calme"),
        ("Our tips for a calmer week ahead", "Nos conseils pour une semaine plus calme"),
        ("How to make the most of {b}", "Nos conseils pour profiter au mieux {de_b}"),
        (
            "Ideas to make the most of your weekend",
            "Des idées pour profiter de votre fin de semaine",
        ),
        (
            "Our guide to getting more out of every order from {b}",
            "Notre guide pour profiter de chaque commande chez {b}",
        ),
        (
            "Ideas from our team to make your week a little easier",
            "Des idées de notre équipe pour vous simplifier la semaine",
        ),
    ),
    ("tips", True, False): (
        ("5 tips for you", "5 conseils pour vous"),
        ("5 tips for your weekend", "5 conseils pour votre fin de semaine"),
        ("3 ideas to try", "3 idées à essayer"),
        ("4 tips from our team", "4 conseils de notre équipe"),
        ("7 ways to enjoy {b}", "7 astuces pour en profiter chez {b}"),
        ("5 tips for a better weekend", "5 conseils pour une meilleure fin de semaine"),
        (
            "4 ideas to make the most of your weekend",
            "4 idées pour profiter de votre fin de semaine",
        ),
        (
            "5 ways to get more out of every order, from the {b} team",
            "5 astuces pour profiter de chaque commande, par l'équipe {b}",
        ),
        (
            "3 simple ideas to make your week a little easier",
            "3 idées toutes simples pour alléger un peu votre semaine",
        ),
        (
            "7 ways to get more out of every order, from our team",
            "7 astuces de notre équipe pour profiter de chaque commande",
        ),
    ),
    ("tips", False, True): (
        ("Need a few tips", "Besoin de conseils"),
        ("Need a few ideas", "Besoin de quelques idées"),
        ("Looking for tips", "Envie de quelques astuces"),
        ("Have you read our guide", "Avez-vous lu notre guide"),
        ("Need ideas for the weekend", "Besoin d'idées pour la fin de semaine"),
        ("Want our guide to a calmer week", "Envie de notre guide pour une semaine calme"),
        ("Looking for ideas for your weekend", "Besoin d'idées pour votre fin de semaine"),
        (
            "Want to learn how to get more from {b}",
            "Voulez-vous savoir comment en profiter chez {b}",
        ),
        (
            "Would you like our guide to a calmer, simpler week ahead",
            "Envie de notre guide pour une semaine plus calme et plus simple",
        ),
    ),
    ("tips", True, True): (
        ("Want 5 tips", "Envie de 5 conseils"),
        ("Want 3 ideas", "Envie de 3 idées"),
        ("Tried these 3 ideas", "Essayé ces 3 idées"),
        ("Ready for 4 tips from the {b} team", "Envie de 4 conseils de l'équipe {b}"),
        ("Want 5 tips for a calmer week ahead", "Envie de 5 conseils pour une semaine calme"),
        (
            "Want 5 tips from our team for a calmer, simpler week",
            "Envie de 5 conseils de notre équipe pour une semaine plus calme",
        ),
        (
            "Have you tried these 3 ways to get more from {b}",
            "Avez-vous essayé ces 3 astuces pour mieux profiter {de_b}",
        ),
    ),
    ("event", False, False): (
        ("You're invited", "Une invitation pour vous"),
        ("Our members' evening", "Notre soirée membres"),
        ("Your invitation from {b}", "Une invitation de la part {de_b}"),
        ("Join us for a live webinar", "Rejoignez-nous pour un webinaire en direct"),
        ("Join us at our members' evening", "Rejoignez-nous à notre soirée membres"),
        ("You're invited to our members' evening", "Une invitation à notre soirée membres"),
        (
            "You're invited to the {b} members' evening",
            "Une invitation à la soirée membres {de_b}",
        ),
        (
            "Join us for an evening with our team and a few friends",
            "Rejoignez-nous pour une soirée avec notre équipe et des amis",
        ),
        (
            "Join us for an evening with the {b} team and friends",
            "Rejoignez-nous pour une soirée avec l'équipe {b} et ses amis",
        ),
        (
            "Come and meet the team behind {b} at our next event",
            "Venez rencontrer l'équipe {de_b} à notre prochain événement",
        ),
    ),
    ("event", True, False): (
        ("Join us at 6 pm", "Rejoignez-nous à 18 h"),
        ("Our event starts at 7 pm", "Notre événement commence à 19 h"),
        ("3 reasons to join us", "3 raisons de venir à notre soirée"),
        ("Webinar: 45 minutes with our experts", "Webinaire : 45 minutes avec nos experts"),
        (
            "Join us on the 12th for an evening with our whole team",
            "Rejoignez-nous le 12 pour une soirée avec toute notre équipe",
        ),
        (
            "Join us on the 12th for an evening with the {b} team",
            "Rejoignez-nous le 12 pour une soirée avec l'équipe {b}",
        ),
        (
            "2 hours, 1 evening: meet the people behind {b}",
            "2 heures, 1 soirée : rencontrez l'équipe {de_b}",
        ),
    ),
    ("event", False, True): (
        ("Will you join us", "Vous nous rejoignez"),
        ("Joining our webinar", "Serez-vous de notre webinaire"),
        ("Coming to our next event", "Serez-vous à notre événement"),
        ("Free for an evening with {b}", "Libre pour une soirée avec {b}"),
        ("Coming to our members' evening", "Serez-vous à notre soirée membres"),
        (
            "Can we count on you at our next event",
            "Pouvons-nous compter sur vous à notre prochain événement",
        ),
        (
            "Will you join our team for an evening among friends",
            "Rejoindrez-vous notre équipe pour une soirée entre amis",
        ),
        (
            "Will you join the {b} team for an evening among friends",
            "Rejoindrez-vous l'équipe {b} pour une soirée entre amis",
        ),
    ),
    ("event", True, True): (
        ("Join us at 7 pm", "Vous nous rejoignez à 19 h"),
        ("Got 45 minutes for our webinar", "45 minutes pour notre webinaire"),
        ("Coming to our webinar at 12:30", "Serez-vous à notre webinaire de 12 h 30"),
        ("See you at 6 pm for our members' evening", "On se voit à 18 h pour notre soirée membres"),
        (
            "Will you join us on the 12th for an evening with our team",
            "Serez-vous des nôtres le 12 pour une soirée avec notre équipe",
        ),
        (
            "Will you join us on the 12th for an evening with the {b} team",
            "Serez-vous des nôtres le 12 pour une soirée avec l'équipe {b}",
        ),
    ),
}

_HURRY: _Pair = ("Hurry: ", "Vite : ")
_LAST_CHANCE: _Pair = ("Last chance: ", "Dernière chance : ")
_DONT_MISS: _Pair = ("Don't miss this: ", "Ne manquez pas ça : ")
_FINAL_HOURS: _Pair = ("Final hours: ", "Dernières heures : ")

_URGENCY_LEADS: dict[Topic | None, tuple[_Pair, ...]] = {
    None: (_LAST_CHANCE, _DONT_MISS, _HURRY),
    "deal": (_LAST_CHANCE, _FINAL_HOURS, _HURRY, ("Today only: ", "Aujourd'hui seulement : ")),
    "news": (_DONT_MISS, _LAST_CHANCE, _HURRY),
    "tips": (_DONT_MISS, _LAST_CHANCE, _HURRY),
    "event": (_LAST_CHANCE, _FINAL_HOURS, _HURRY),
}

# Tails only follow statements, and only where a deadline makes sense.
_URGENCY_TAILS: dict[Topic | None, tuple[_Pair, ...]] = {
    "deal": (
        (", today only", ", aujourd'hui seulement"),
        (", ends tonight", ", jusqu'à ce soir"),
        (", this week only", ", cette semaine seulement"),
    ),
    "event": ((", last chance to sign up", ", dernière chance pour vous inscrire"),),
}

_EMOJIS: dict[Topic | None, tuple[str, ...]] = {
    None: ("💌", "✨", "👋"),
    "deal": ("🔥", "🎁", "💸"),
    "news": ("📰", "✨", "🆕"),
    "tips": ("💡", "📝", "✅"),
    "event": ("🎉", "📅", "🥂"),
}

_NAME_LEAD: _Pair = (f"{_NAME}, ", f"{_NAME}, ")
_NAME_TAIL: _Pair = (f", {_NAME}", f", {_NAME}")


@dataclass(frozen=True)
class _Template:
    """One candidate phrasing and how its length grows with the brand's."""

    text: str
    fixed: int  # length without the brand, a first name counted as six
    brands: int  # how many times the brand appears
    elided: int  # how many French "de" + brand, which cost 2 or 3 characters

    @classmethod
    def of(cls, text: str) -> _Template:
        brands, elided = text.count("{b}"), text.count("{de_b}")
        names = text.count(_NAME)
        fixed = len(text) - 3 * brands - 6 * elided - (len(_NAME) - _NAME_LENGTH) * names
        return cls(text, fixed, brands, elided)

    def length(self, brand_length: int, vowel: bool) -> int:
        per_elision = brand_length + (2 if vowel else 3)
        return self.fixed + self.brands * brand_length + self.elided * per_elision

    def render(self, brand: str) -> str:
        de_brand = ("d'" if brand[0].lower() in _VOWELS else "de ") + brand
        return self.text.replace("{de_b}", de_brand).replace("{b}", brand)


def _fits(length: int, band: Length) -> bool:
    if band == "short":
        return length <= SHORT_MAX
    if band == "long":
        return length >= LONG_MIN
    return SHORT_MAX < length < LONG_MIN


def _french_typography(text: str) -> str:
    return re.sub(r" ([?!:;%])", _NBSP + r"\1", text)


def _lower_first(text: str) -> str:
    # "You're invited" after a lead, but never a placeholder, a digit or an acronym.
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def _compose(
    name_lead: str, lead: str, body: str, tail: str, name_tail: str, question: str, emoji: str
) -> str:
    if name_lead:
        lead = _lower_first(lead)
    if name_lead or lead:
        body = _lower_first(body)
    return f"{name_lead}{lead}{body}{tail}{name_tail}{question}{emoji}"


@cache
def _candidates(spec: LineSpec) -> tuple[tuple[_Template, _Template], ...]:
    bodies = _BODIES[(spec.topic, spec.number, spec.question)]
    names: list[tuple[_Pair, _Pair]] = [(("", ""), ("", ""))]
    if spec.personalized:
        names = [(_NAME_LEAD, ("", "")), (("", ""), _NAME_TAIL)]
    emojis = tuple(f" {e}" for e in _EMOJIS[spec.topic]) if spec.emoji else ("",)
    question = ("?", " ?") if spec.question else ("", "")
    shapes: list[tuple[_Pair, _Pair]] = [(("", ""), ("", ""))]
    if spec.urgency:
        shapes = [(lead, ("", "")) for lead in _URGENCY_LEADS[spec.topic]]
        if not spec.question:
            shapes += [(("", ""), tail) for tail in _URGENCY_TAILS.get(spec.topic, ())]
    found: list[tuple[_Template, _Template]] = []
    for (name_lead, name_tail), (lead, tail), body, emoji in itertools.product(
        names, shapes, bodies, emojis
    ):
        if lead[0] and ":" in body[0]:
            continue  # one colon per line reads better than two
        if name_tail[0] and tail[0]:
            continue  # "…, today only, Anna" trails off
        if tail[0] and "week" in tail[0] and "week" in body[0]:
            continue
        en, fr = (
            _compose(name_lead[i], lead[i], body[i], tail[i], name_tail[i], question[i], emoji)
            for i in (0, 1)
        )
        found.append((_Template.of(en), _Template.of(_french_typography(fr))))
    return tuple(found)


def _pool(spec: LineSpec, brand_length: int, vowel: bool) -> list[tuple[_Template, _Template]]:
    return [
        (en, fr)
        for en, fr in _candidates(spec)
        if _fits(en.length(brand_length, vowel), spec.length)
        and _fits(fr.length(brand_length, vowel), spec.length)
    ]


@cache
def is_supported(spec: LineSpec) -> bool:
    """Whether every valid brand leaves at least one phrasing of ``spec`` in both languages."""
    return all(
        _pool(spec, size, vowel)
        for size in range(1, MAX_BRAND_LENGTH + 1)
        for vowel in (False, True)
    )


@cache
def supported_specs() -> tuple[LineSpec, ...]:
    """Every supported spec, in a fixed order."""
    every = (
        LineSpec(personalized, length, question, number, urgency, emoji, topic)
        for topic in (None, *TOPICS)
        for length in LENGTHS
        for personalized, question, number, urgency, emoji in itertools.product(
            (False, True), repeat=5
        )
    )
    return tuple(spec for spec in every if is_supported(spec))


def _check_brand(brand: str) -> None:
    if not _BRAND_SHAPE.fullmatch(brand) or len(brand) > MAX_BRAND_LENGTH:
        raise UsageError(
            f"brand name {brand!r} cannot be written into subject lines",
            f"give a name of 1 to {MAX_BRAND_LENGTH} characters that starts with a letter and "
            "holds only letters, spaces and & ' . - (no digits, emoji or question marks, "
            "which would change the line's features)",
        )


def _check_spec(spec: LineSpec) -> None:
    if not is_supported(spec):
        raise UsageError(
            f"no phrasing fits all of: {spec.rationale()}",
            "relax one feature (often the length); neighbours() and "
            "line_effects.informative_specs() "
            "only return specs that can be written",
        )


def phrasings(spec: LineSpec, *, brand: str) -> list[SubjectLine]:
    """Every line the generator may choose for ``spec`` and ``brand``, in a fixed order."""
    _check_brand(brand)
    _check_spec(spec)
    vowel = brand[0].lower() in _VOWELS
    return [
        SubjectLine(en.render(brand), fr.render(brand), spec, spec.rationale())
        for en, fr in _pool(spec, len(brand), vowel)
    ]


def generate_lines(specs: Sequence[LineSpec], *, brand: str, seed: int) -> list[SubjectLine]:
    """One line per spec, in order, picked at random among its phrasings; no text repeats.

    The same ``specs``, ``brand`` and ``seed`` always give the same lines.
    """
    rng = np.random.default_rng(seed)
    used: set[str] = set()
    lines: list[SubjectLine] = []
    for spec in specs:
        fresh = [line for line in phrasings(spec, brand=brand) if not {line.en, line.fr} & used]
        if not fresh:
            raise UsageError(
                f"every phrasing of ({spec.rationale()}) is already used in this call",
                "ask for fewer lines of the same spec, or vary their features",
            )
        line = fresh[int(rng.integers(len(fresh)))]
        used |= {line.en, line.fr}
        lines.append(line)
    return lines


def neighbours(spec: LineSpec) -> list[LineSpec]:
    """The supported specs that differ from ``spec`` in exactly one feature, in a fixed order."""
    near = [
        replace(spec, personalized=not spec.personalized),
        *(replace(spec, length=length) for length in LENGTHS if length != spec.length),
        replace(spec, question=not spec.question),
        replace(spec, number=not spec.number),
        replace(spec, urgency=not spec.urgency),
        replace(spec, emoji=not spec.emoji),
        *(replace(spec, topic=topic) for topic in (None, *TOPICS) if topic != spec.topic),
    ]
    return [other for other in near if is_supported(other)]
