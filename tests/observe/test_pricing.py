"""Prices of model calls: priced from the maintained table, free only for the offline model."""

from __future__ import annotations

import pytest

from overture.observe import price_call
from overture.observe.pricing import OFFLINE_PRICE_SOURCE, split_model_name


def test_the_offline_model_is_free_and_says_why() -> None:
    price = price_call("offline", 5000, 500)
    assert price.cost_usd == 0.0 and price.priced and price.source == OFFLINE_PRICE_SOURCE


def test_a_known_model_is_priced_with_its_source() -> None:
    price = price_call("openai:gpt-4o", 1000, 200)
    assert price.cost_usd == pytest.approx(0.0045)
    assert price.source.startswith("genai-prices ") and "gpt-4o" in price.source
    assert price_call("anthropic:claude-sonnet-4-5", 1000, 200).cost_usd == pytest.approx(0.006)


@pytest.mark.parametrize("name", ["acme:foo", "openai:no-such-model-xyz", "acme:"])
def test_an_unknown_model_is_unpriced_not_free(name: str) -> None:
    price = price_call(name, 1000, 200)
    assert price.cost_usd is None and not price.priced
    assert price.source.startswith("unpriced")


def test_model_names_split_into_provider_and_model() -> None:
    assert split_model_name("openai:gpt-4o") == ("openai", "gpt-4o")
    assert split_model_name("offline") == ("overture", "offline")
    assert split_model_name("gpt-4o") == ("", "gpt-4o")
