"""The hallucination check: what counts as a claim, and when evidence supports it."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from overture.observe import ClaimKind, EvidenceIndex, check_text, extract_claims


def test_figures_are_read_with_their_unit_and_rounding() -> None:
    claims = extract_claims(
        "Open rate 24.3% on 12,400 sends, 1.2k clicks, revenue $3,050.50, cost 12 USD, "
        "a click rate of 0.081 and a lift of 4 points."
    )
    got = [(c.kind, c.value, c.half_unit) for c in claims]
    assert got == [
        (ClaimKind.PERCENT, 24.3, pytest.approx(0.05)),
        (ClaimKind.COUNT, 12400.0, 0.5),
        (ClaimKind.COUNT, 1200.0, pytest.approx(50.0)),
        (ClaimKind.MONEY, 3050.5, pytest.approx(0.005)),
        (ClaimKind.MONEY, 12.0, 0.5),
        (ClaimKind.NUMBER, 0.081, pytest.approx(0.0005)),
        (ClaimKind.PERCENT, 4.0, 0.5),
    ]


def test_dates_times_identifiers_and_numbers_inside_names_are_not_figures() -> None:
    text = (
        "run-4f2a used gpt-4o on 2026-01-05T09:00:00+00:00 at 09:30 for v2, key "
        "e7b88bad43152c80; subject 'Save 20% today'"
    )
    claims = extract_claims(text)
    assert [(c.kind, c.text) for c in claims] == [(ClaimKind.NAME, "Save 20% today")]


def test_quoted_names_in_every_style() -> None:
    text = "Segments \"VIP\", “Lapsed buyers”, « Nouveaux », 'Don't miss this' and the team's plan"
    names = [c.text for c in extract_claims(text) if c.kind is ClaimKind.NAME]
    assert names == ["VIP", "Lapsed buyers", "Nouveaux", "Don't miss this"]


def test_a_percentage_matches_a_fraction_within_its_displayed_rounding() -> None:
    evidence = [{"open_rate": 0.24349, "sends": 12400}]
    assert check_text("Open rate 24.3% on 12,400 sends.", evidence).rate == 0.0
    off = check_text("Open rate 24.5% on 12,400 sends.", evidence)
    assert [c.text for c in off.unsupported] == ["24.5%"]
    assert off.rate == 0.5


def test_a_claim_with_no_source_counts() -> None:
    checked = check_text("We sent 5,000 emails to 'Big spenders'.", [{"sent": 4000}, "VIP list"])
    assert [(c.kind, c.supported) for c in checked.claims] == [
        (ClaimKind.COUNT, False),
        (ClaimKind.NAME, False),
    ]
    assert checked.rate == 1.0


def test_figures_and_names_in_evidence_text_are_sources() -> None:
    evidence = ["Increase the open rate of 'newsletter' by 20%", {"Lapsed buyers": {"n": 7}}]
    checked = check_text(
        "A 20% rise, i.e. 0.2, for the 'Newsletter' and 'lapsed  buyers'.", evidence
    )
    assert all(c.supported for c in checked.claims) and len(checked.claims) == 4


def test_no_claims_no_rate_and_booleans_are_not_numbers() -> None:
    assert check_text("still thinking", [1, 2]).rate == 0.0
    assert not check_text("we sent 1 email", [True]).claims[0].supported


def test_relative_tolerance_is_configurable() -> None:
    assert not check_text("about 1030 opens", [1000]).claims[0].supported
    assert check_text("about 1030 opens", [1000], rel_tol=0.05).claims[0].supported


def test_a_prepared_index_gives_the_same_answer() -> None:
    evidence = [{"a": 0.125, "b": [3, 4.5]}, float("nan")]
    index = EvidenceIndex.of(evidence)
    text = "12.5% then 3 and 4.5 and 9"
    assert check_text(text, index) == check_text(text, evidence)
    assert index.near(9, 0.1) is None


_FORMATS = ["{:.1%}", "{:.2%}", "{:.3f}", "{:.1f} percent"]


@given(
    value=st.floats(min_value=0.001, max_value=0.999),
    fmt=st.sampled_from(_FORMATS),
    others=st.lists(st.integers(min_value=1, max_value=10_000_000), max_size=5),
)
def test_a_value_from_the_evidence_is_supported_however_it_is_written(
    value: float, fmt: str, others: list[int]
) -> None:
    written = fmt.format(value * 100 if "percent" in fmt else value)
    text = f"The rate was {written} over {others[0] if others else 10:,} sends."
    evidence = [{"rate": value, "sends": others[0] if others else 10, "more": others}]
    assert check_text(text, evidence).rate == 0.0


@given(
    value=st.floats(min_value=1, max_value=1e7),
    factor=st.one_of(st.floats(1.02, 3.0), st.floats(0.2, 0.98)),
)
def test_a_figure_off_beyond_tolerance_is_caught(value: float, factor: float) -> None:
    claimed = value * factor
    text = f"revenue of ${claimed:,.2f}"
    tolerance = max(0.005, 0.005 * claimed)
    checked = check_text(text, [value])
    assert checked.claims[0].supported is (abs(round(claimed, 2) - value) <= tolerance)
    assert math.isclose(checked.claims[0].value or 0, round(claimed, 2))


def test_confidence_levels_are_not_claims() -> None:
    claims = extract_claims("17.43% (95% interval 16.93% to 17.94%), at 90 % confidence")
    assert [c.text for c in claims] == ["17.43%", "16.93%", "17.94%"]


def test_a_collection_supports_its_size() -> None:
    evidence = [{"lines": ["a", "b", "c", "d", "e", "f"], "segments": {"s0": 1, "s1": 2}}]
    assert check_text("Wrote 6 lines for 2 segments.", evidence).rate == 0.0
    assert check_text("Wrote 7 lines.", evidence).rate == 1.0
