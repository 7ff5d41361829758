"""Calibration: the figures the simulator emits match the published evidence it is tuned to.

Each figure is measured from events, truth and oracle scores (not read from the scenario), on
worlds small enough for tests; bounds are the calibration targets widened for sampling noise.
"""

from __future__ import annotations

import pytest

from overture.sim import Calibration, load_scenario, measure_calibration


@pytest.fixture(scope="module")
def figures() -> dict[str, Calibration]:
    return {
        name: measure_calibration(load_scenario(name), seed=1, contacts=15_000, warmup_weeks=6)
        for name in ("default", "privacy_heavy", "fatigue", "unreachable")
    }


def test_default_baselines(figures: dict[str, Calibration]) -> None:
    default = figures["default"]
    assert 0.15 <= default.human_open_rate <= 0.25
    assert 0.02 <= default.click_rate <= 0.03
    assert 0.001 <= default.unsubscribe_rate <= 0.003
    assert 0.002 <= default.hard_bounce_rate <= 0.007
    assert 0.35 <= default.machine_open_share <= 0.47


def test_default_levers(figures: dict[str, Calibration]) -> None:
    default = figures["default"]
    assert 0.0 < default.send_time_lift < 0.10  # send time alone: single-digit
    assert 0.15 <= default.best_line_lift <= 0.25  # best of six lines vs the average line
    assert default.send_time_lift < 0.2 and default.best_line_lift < 0.25
    assert 0.28 <= default.oracle_lift <= 0.42  # everything together: about +35%


def test_privacy_heavy_makes_half_the_opens_machine_opens(figures: dict[str, Calibration]) -> None:
    assert 0.45 <= figures["privacy_heavy"].machine_open_share <= 0.6


def test_in_fatigue_sending_less_often_wins(figures: dict[str, Calibration]) -> None:
    fatigue = figures["fatigue"]
    assert fatigue.less_often_rate_gain > 0.5
    assert fatigue.less_often_opens_gain > 0.0
    assert fatigue.less_often_unsubscribe_ratio < 0.5
    # In the default list, fatigue is mild: halving the sends halves the opens.
    assert figures["default"].less_often_opens_gain < -0.3


def test_unreachable_caps_the_oracle_under_ten_percent(figures: dict[str, Calibration]) -> None:
    assert 0.0 < figures["unreachable"].oracle_lift < 0.10
    assert figures["unreachable"].as_dict()["scenario"] == "unreachable"
