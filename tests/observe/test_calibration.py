"""Acceptance: a writer that invents figures at a known rate is caught, true figures are not."""

from __future__ import annotations

import numpy as np

from overture.observe import check_text
from overture.observe.calibration import calibrate, scripted_text


def test_invented_claims_are_caught_and_true_ones_pass() -> None:
    result = calibrate(300, invent_rate=0.2, seed=11)
    assert result.invented > 500 and result.grounded > 2000
    assert result.recall >= 0.95
    assert result.false_positive_rate <= 0.02


def test_a_writer_that_invents_nothing_scores_zero() -> None:
    result = calibrate(100, invent_rate=0.0, seed=3)
    assert result.invented == 0 and result.recall == 1.0
    assert result.false_positives == 0


def test_a_writer_that_invents_everything_is_almost_always_caught() -> None:
    result = calibrate(100, invent_rate=1.0, seed=5)
    assert result.grounded == 0 and result.false_positive_rate == 0.0
    assert result.recall >= 0.95


def test_scripted_texts_are_reproducible_and_mark_what_they_invented() -> None:
    first = scripted_text(np.random.default_rng(9), 0.5)
    again = scripted_text(np.random.default_rng(9), 0.5)
    assert first == again
    checked = check_text(first.text, first.evidence)
    flagged = {(c.start, c.end) for c in checked.unsupported}
    for start, end, invented in first.slots:
        hit = any(s < end and e > start for s, e in flagged)
        assert hit == invented or invented  # a true claim is never flagged
