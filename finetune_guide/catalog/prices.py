"""Prices read off an entry: the training rate of a tier (derived for Azure when unstated) and hosting fees."""

from __future__ import annotations

from dataclasses import replace

from finetune_guide.catalog.entries import Catalog, ModelEntry
from finetune_guide.catalog.figures import Figure


def training_price(catalog: Catalog, entry: ModelEntry, tier: str = "standard") -> Figure[float] | None:
    """The training rate for a tier (per 1M tokens, or per hour for RFT), derived when the source lacks it.

    Azure states Global as 10–30% below regional Standard (the midpoint is used) and Developer as 50%
    off Global; a derived figure keeps the date of the figure it comes from and says how it was made.
    """
    prices = entry.training_per_hour_usd or entry.training_per_1m_usd
    if tier not in entry.training_tiers.value:
        return None
    if tier in prices:
        return prices[tier]
    rules = catalog.azure
    mid = rules.global_discount_mid
    if tier == "global" and "standard" in prices:
        base = prices["standard"]
        return _derived(base, base.value * (1 - mid), f"Standard − {mid:.0%} (Azure: Global is 10–30% below Standard)")
    if tier == "standard" and "global" in prices:
        base = prices["global"]
        return _derived(
            base, base.value / (1 - mid), f"Global ÷ (1 − {mid:.0%}) (Azure: Global is 10–30% below Standard)"
        )
    if tier == "developer":
        global_price = training_price(catalog, entry, "global")
        if global_price is None:
            return None
        off = rules.developer_discount_vs_global.value
        return _derived(
            global_price,
            global_price.value * (1 - off),
            f"Global − {off:.0%} (Azure: Developer is 50% off Global)",
        )
    return None


def _derived(base: Figure[float], value: float, how: str) -> Figure[float]:
    return replace(base, value=value, status="derived", note=how)


def hosting_price(entry: ModelEntry, deployment_type: str) -> Figure[float] | None:
    """Hourly hosting fee of a deployment type (Azure only; OpenAI has no hosting fee)."""
    return entry.hosting_per_hour_usd.get(deployment_type)


def default_deployment_type(tier: str) -> str:
    """The deployment type that matches a training tier, for a first estimate."""
    return {"standard": "standard", "global": "global_standard", "developer": "developer"}.get(tier, "standard")
