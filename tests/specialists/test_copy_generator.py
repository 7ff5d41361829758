"""The subject-line generator: every line has exactly the features it claims, in both languages."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from overture.exceptions import UsageError
from overture.sim.subjects import FEATURES, SubjectFeatures, render_subject, subject_features
from overture.specialists.copy_generator import (
    LENGTHS,
    LONG_MIN,
    MAX_BRAND_LENGTH,
    SHORT_MAX,
    TOPICS,
    LineSpec,
    SubjectLine,
    generate_lines,
    is_supported,
    neighbours,
    phrasings,
    supported_specs,
)
from overture.specialists.line_effects import informative_specs

BRANDS = ("Northwind", "Acme", "Blue Fox Outfitters", "Maison Dorée", "The Loft", "Z")
NBSP = "\u00a0"
CLAIMABLE = frozenset(FEATURES) - {"language_mismatch"}
ALL_SPECS = tuple(
    LineSpec(personalized, length, question, number, urgency, emoji, topic)
    for topic in (None, *TOPICS)
    for length in LENGTHS
    for personalized, question, number, urgency, emoji in itertools.product((False, True), repeat=5)
)


def seen(features: SubjectFeatures) -> frozenset[str]:
    return frozenset(name for name in CLAIMABLE if getattr(features, name))


def assert_round_trip(line: SubjectLine) -> None:
    for language in ("en", "fr"):
        text = getattr(line, language)
        features = subject_features(text)
        assert seen(features) == line.spec.features, (text, line.spec)
        assert features.language == language, text
        # Rendered for a six-letter first name, the contact sees the same features.
        rendered = render_subject(text, "Claire")
        as_sent = subject_features(rendered, first_name="Claire")
        assert seen(as_sent) == line.spec.features, rendered
        assert as_sent.length == len(rendered)


@pytest.mark.parametrize("brand", ["Northwind", "Acme"])
def test_every_phrasing_of_every_supported_spec_round_trips(brand: str) -> None:
    for spec in supported_specs():
        lines = phrasings(spec, brand=brand)
        assert lines, spec
        for line in lines:
            assert line.spec == spec and line.rationale == spec.rationale()
            for language in ("en", "fr"):
                text = getattr(line, language)
                features = subject_features(text)
                assert seen(features) == spec.features, (text, spec)
                assert features.language == language, text
                if spec.length == "short":
                    assert features.length <= SHORT_MAX
                elif spec.length == "long":
                    assert features.length >= LONG_MIN
                else:
                    assert SHORT_MAX < features.length < LONG_MIN


def test_french_typography_and_english_punctuation() -> None:
    for spec in supported_specs():
        for line in phrasings(spec, brand="Northwind"):
            assert not re.search(r"[^\u00a0][?!:;%]", line.fr), line.fr
            assert not re.search(r"\s[?!:;%]", line.en), line.en
            assert "  " not in line.en + line.fr
            assert line.en[0].isupper() or line.en.startswith(("{", *"0123456789"))
            assert line.fr[0].isupper() or line.fr.startswith(("{", *"0123456789"))
    deal = phrasings(LineSpec(number=True, topic="deal", length="short"), brand="Northwind")
    assert any(f"20{NBSP}% de rabais" in line.fr for line in deal)


def test_french_elides_de_before_a_brand_that_starts_with_a_vowel() -> None:
    def french(brand: str) -> str:
        return "\n".join(
            line.fr for spec in supported_specs() for line in phrasings(spec, brand=brand)
        )

    vowel, consonant = french("Acme"), french("Northwind")
    assert "d'Acme" in vowel and "de Acme" not in vowel
    assert "de Northwind" in consonant and "d'Northwind" not in consonant
    assert "L'infolettre de la semaine" in consonant


def test_a_lead_lowers_the_next_word_but_never_the_brand() -> None:
    spec = LineSpec(personalized=True, urgency=True, topic="news", length="long")
    texts = [line.en for line in phrasings(spec, brand="Northwind")]
    assert any(text.startswith("{first_name}, last chance: ") for text in texts)
    assert all("northwind" not in text for text in texts)


def test_generation_is_deterministic_per_seed_and_varies_across_seeds() -> None:
    specs = informative_specs(8, seed=3)
    first = generate_lines(specs, brand="Northwind", seed=11)
    assert first == generate_lines(specs, brand="Northwind", seed=11)
    others = {tuple(generate_lines(specs, brand="Northwind", seed=s)) for s in range(8)}
    assert len(others) > 1
    assert [line.spec for line in first] == specs


def test_repeated_specs_get_distinct_texts_until_phrasings_run_out() -> None:
    spec = LineSpec(topic="deal", number=True)
    available = len(phrasings(spec, brand="Northwind"))
    lines = generate_lines([spec] * available, brand="Northwind", seed=0)
    assert len({line.en for line in lines}) == available
    assert len({line.fr for line in lines}) == available
    with pytest.raises(UsageError, match="already used"):
        generate_lines([spec] * (available + 1), brand="Northwind", seed=0)


def test_an_unsupported_spec_is_refused() -> None:
    unsupported = next(spec for spec in ALL_SPECS if not is_supported(spec))
    with pytest.raises(UsageError, match="no phrasing fits"):
        generate_lines([unsupported], brand="Northwind", seed=0)


def test_neighbours_differ_in_exactly_one_feature() -> None:
    spec = LineSpec(length="medium", topic="deal", number=True)
    near = neighbours(spec)
    assert near and spec not in near
    assert len(near) == len(set(near))
    for other in near:
        assert is_supported(other)
        changed = [
            field
            for field in ("personalized", "length", "question", "number", "urgency", "emoji")
            if getattr(other, field) != getattr(spec, field)
        ] + (["topic"] if other.topic != spec.topic else [])
        assert len(changed) == 1
    assert {other.length for other in near} >= {"short", "long"}
    assert {other.topic for other in near} >= {None, "news", "tips", "event"}


def test_support_is_broad_where_it_matters() -> None:
    # Any two features on a medium or long line, and any topic alone on a short one.
    for spec in ALL_SPECS:
        if (spec.length != "short" and _switches(spec) <= 2) or _switches(spec) == 0:
            assert is_supported(spec), spec
    assert len(supported_specs()) >= 400


def _switches(spec: LineSpec) -> int:
    return sum((spec.personalized, spec.question, spec.number, spec.urgency, spec.emoji))


def test_rationale_names_each_feature() -> None:
    spec = LineSpec(True, "short", True, True, True, True, "deal")
    assert spec.rationale() == (
        "first name; short (≤30 characters); question; number; urgency; emoji; topic: deal"
    )
    assert LineSpec().rationale() == "medium length; no topic"
    assert LineSpec(length="long").features == frozenset({"long"})


def test_bad_specs_and_brands_are_refused_with_a_fix() -> None:
    with pytest.raises(UsageError, match="unknown line length"):
        LineSpec(length="huge")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="unknown topic"):
        LineSpec(topic="sports")  # type: ignore[arg-type]
    for brand in ("", "Shop24", "Fun 🎉", "Why?", "x" * (MAX_BRAND_LENGTH + 1), " Lead"):
        with pytest.raises(UsageError, match="cannot be written") as error:
            generate_lines([LineSpec()], brand=brand, seed=0)
        assert "How to fix" in str(error.value)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(supported_specs()), min_size=1, max_size=6, unique=True),
    st.sampled_from(BRANDS),
    st.integers(min_value=0, max_value=2**32 - 1),
)
def test_generated_lines_keep_their_claims(specs: list[LineSpec], brand: str, seed: int) -> None:
    lines = generate_lines(specs, brand=brand, seed=seed)
    assert [line.spec for line in lines] == specs
    assert len({line.en for line in lines}) == len({line.fr for line in lines}) == len(lines)
    for line in lines:
        assert brand in line.en + line.fr or "{b}" not in line.en + line.fr
        assert_round_trip(line)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(ALL_SPECS), st.integers(min_value=0, max_value=2**16))
def test_every_spec_is_written_or_refused_and_its_neighbours_are_writable(
    spec: LineSpec, seed: int
) -> None:
    if is_supported(spec):
        (line,) = generate_lines([spec], brand="Northwind", seed=seed)
        assert_round_trip(line)
    else:
        with pytest.raises(UsageError):
            generate_lines([spec], brand="Northwind", seed=seed)
    for other in neighbours(spec):
        assert phrasings(other, brand="Acme")
