"""The prices one estimate uses: each catalog figure beside the user's override, under a stable key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from finetune_guide.catalog import Catalog, Figure, ModelEntry, hosting_price, training_price
from finetune_guide.costs.running import TokenPrices

PRICE_KEYS: tuple[str, ...] = (
    "training",
    "finetuned.input",
    "finetuned.cached_input",
    "finetuned.output",
    "base.input",
    "base.cached_input",
    "base.output",
    "hosting",
)


@dataclass(frozen=True, slots=True)
class PriceLine:
    """One price the estimate uses: the catalog's figure (if any) and the user's override (if any)."""

    key: str
    figure: Figure[float] | None
    override: float | None = None

    @property
    def value(self) -> float | None:
        if self.override is not None:
            return self.override
        return self.figure.value if self.figure is not None else None

    @property
    def flagged(self) -> bool:
        return self.override is None and self.figure is not None and self.figure.flagged


def price_sheet(
    catalog: Catalog,
    entry: ModelEntry,
    tier: str,
    deployment_type: str | None,
    overrides: Mapping[str, float] | None = None,
) -> dict[str, PriceLine]:
    """The prices one configuration uses, each with its catalog figure and any override."""
    chosen = overrides or {}
    figures: dict[str, Figure[float] | None] = {
        "training": training_price(catalog, entry, tier),
        "finetuned.input": entry.finetuned_per_1m_usd.get("input"),
        "finetuned.cached_input": entry.finetuned_per_1m_usd.get("cached_input"),
        "finetuned.output": entry.finetuned_per_1m_usd.get("output"),
        "base.input": entry.base_per_1m_usd.get("input"),
        "base.cached_input": entry.base_per_1m_usd.get("cached_input"),
        "base.output": entry.base_per_1m_usd.get("output"),
    }
    if entry.provider == "azure":
        figures["hosting"] = hosting_price(entry, deployment_type) if deployment_type else None
    return {key: PriceLine(key, figure, chosen.get(key)) for key, figure in figures.items()}


def token_prices(prices: Mapping[str, PriceLine], side: str) -> TokenPrices | None:
    """The inference prices of one side ("finetuned" or "base") of a sheet; None when one is missing."""
    tokens_in = prices[f"{side}.input"].value
    tokens_out = prices[f"{side}.output"].value
    if tokens_in is None or tokens_out is None:
        return None
    return TokenPrices(tokens_in, tokens_out, prices[f"{side}.cached_input"].value)
