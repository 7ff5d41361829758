"""Subject-line features: what the response model reads in a copywriter's text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from overture.sim import render_subject, subject_features
from overture.sim.subjects import FEATURES, NAME_SLOT


def test_features_of_typical_lines() -> None:
    deal = subject_features("20% off, this week only")
    assert (deal.deal, deal.number, deal.urgency, deal.short) == (True, True, True, True)
    last = subject_features("Last chance: our spring sale ends tonight 🔥")
    assert last.emoji and last.urgency and last.deal and not last.question
    news = subject_features("What's new at Northwind this week?")
    assert news.question and news.news and not news.deal
    assert subject_features("5 tips for a better weekend").tips
    assert subject_features("You're invited: our members' evening").event
    assert not subject_features("The Northwind newsletter").news  # words, not substrings
    long = subject_features("A very long subject line that goes on and on about nothing much")
    assert long.long and not long.short


def test_language_is_detected() -> None:
    assert subject_features("Quoi de neuf chez Northwind cette semaine ?").language == "fr"
    assert subject_features("Dernière chance : nos soldes finissent ce soir").language == "fr"
    assert subject_features("Your weekly picks are here").language == "en"
    french = subject_features("Votre hebdo Northwind")
    assert french.vector("en")[FEATURES.index("language_mismatch")] == 1.0
    assert french.vector("fr")[FEATURES.index("language_mismatch")] == 0.0


def test_personalization_by_slot_or_by_the_contacts_first_name() -> None:
    template = f"{NAME_SLOT}, your weekly picks"
    assert subject_features(template).personalized
    rendered = render_subject(template, "Anna")
    assert rendered == "Anna, your weekly picks"
    assert subject_features(rendered, first_name="Anna").personalized
    assert not subject_features(rendered, first_name="Léa").personalized
    assert not subject_features("Annabelle's picks", first_name="Anna").personalized
    # A template's length counts an average first name, not the slot.
    assert subject_features(template).length == len(rendered) + 2


@given(st.text(max_size=120), st.sampled_from(["Anna", "Léa", "Étienne"]))
def test_any_text_has_features_and_a_name_renders_personalized(text: str, name: str) -> None:
    features = subject_features(text)
    assert features.length >= 0
    assert features.vector("en").shape == (len(FEATURES),)
    subject = render_subject(f"{NAME_SLOT} {text}", name)
    assert subject_features(subject, first_name=name).personalized
