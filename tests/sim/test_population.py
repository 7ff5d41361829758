"""The population: sizes and shares drawn as the scenario says, ids that round-trip."""

from __future__ import annotations

import numpy as np
import pytest

from overture.sim import DEFAULT_START, Scenario, generate_population


def test_shares_follow_the_scenario(default_scenario: Scenario) -> None:
    population = generate_population(default_scenario, np.random.default_rng(1), contacts=20_000)
    assert population.size == 20_000
    weights = np.array([r.weight for r in default_scenario.audience.regions])
    drawn = np.bincount(population.region, minlength=weights.size) / population.size
    assert np.allclose(drawn, weights / weights.sum(), atol=0.01)
    quebec = [r.region for r in population.regions].index("QC")
    in_quebec = population.region == quebec
    assert 0.75 < population.locale[in_quebec].mean() < 0.85
    assert population.mpp.mean() == pytest.approx(default_scenario.privacy.mpp_share, abs=0.01)
    assert not population.mpp[population.client >= 2].any()  # only Apple Mail pre-fetches
    assert population.invalid.mean() == pytest.approx(0.004, abs=0.002)
    assert population.engagement.mean() == pytest.approx(0.2, abs=0.01)
    assert (population.created_at < int(DEFAULT_START.timestamp())).all()
    assert set(population.archetype.tolist()) == set(range(len(default_scenario.archetypes)))


def test_ids_names_and_emails(default_scenario: Scenario) -> None:
    population = generate_population(default_scenario, np.random.default_rng(2), contacts=500)
    ids = population.contact_ids()
    assert ids[0] == "C0000001" == population.contact_id(0)
    assert population.index_of(ids).tolist() == list(range(500))
    emails = population.emails()
    assert len(set(emails)) == 500
    assert all(e.isascii() and "@" in e for e in emails)
    assert len(population.first_names()) == len(population.last_names()) == 500
    with pytest.raises(KeyError):
        population.index_of(["C0000501"])
    with pytest.raises(KeyError):
        population.index_of(["someone"])


def test_same_seed_same_population(default_scenario: Scenario) -> None:
    one = generate_population(default_scenario, np.random.default_rng(5), contacts=300)
    two = generate_population(default_scenario, np.random.default_rng(5), contacts=300)
    assert one.emails() == two.emails()
    assert np.array_equal(one.engagement, two.engagement)
