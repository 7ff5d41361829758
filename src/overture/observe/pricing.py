"""Prices of model calls from a maintained price table (genai-prices, bundled data, offline).

A call that cannot be priced is reported as unpriced, with the reason: never as free. The offline
model is a local deterministic policy: it costs nothing, and says so as its price's source.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version

from genai_prices import Usage as PriceUsage
from genai_prices import calc_price

from overture.models import OFFLINE_MODEL_NAME

__all__ = ["OFFLINE_PRICE_SOURCE", "Price", "price_call", "split_model_name"]

OFFLINE_PRICE_SOURCE = "local deterministic model (offline): no charge"


@dataclass(frozen=True)
class Price:
    """The cost of one call (``cost_usd`` None when unpriced) and where the price came from."""

    cost_usd: float | None
    source: str

    @property
    def priced(self) -> bool:
        return self.cost_usd is not None


def split_model_name(name: str) -> tuple[str, str]:
    """``provider:model`` as ``(provider, model)``; offline is ``("overture", "offline")``."""
    if name == OFFLINE_MODEL_NAME:
        return "overture", OFFLINE_MODEL_NAME
    provider, sep, model = name.partition(":")
    return (provider, model) if sep else ("", name)


def price_call(model_name: str, input_tokens: int, output_tokens: int) -> Price:
    """Price ``input_tokens`` in and ``output_tokens`` out on the model named ``model_name``."""
    if model_name == OFFLINE_MODEL_NAME:
        return Price(0.0, OFFLINE_PRICE_SOURCE)
    provider, model = split_model_name(model_name)
    if not model:
        return Price(None, f"unpriced: no model name in '{model_name}'")
    try:
        calc = calc_price(
            PriceUsage(input_tokens=input_tokens, output_tokens=output_tokens),
            model_ref=model,
            provider_id=provider or None,
        )
    except LookupError as error:
        return Price(None, f"unpriced: {error}")
    return Price(
        float(calc.total_price),
        f"genai-prices {version('genai-prices')}: {calc.provider.name} {calc.model.id}, "
        f"{calc.model_price}",
    )
