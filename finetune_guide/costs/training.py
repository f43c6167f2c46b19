"""What training costs: tokens billed per epoch, token-billed jobs, and RFT billed by the hour."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from finetune_guide.costs.units import TOKENS_PER_MILLION


def billing_tokens_per_epoch(example_tokens: Iterable[int], max_tokens_per_example: int) -> int:
    """Tokens billed per epoch: each example counts up to the per-example limit (the rest is cut off)."""
    return sum(min(max_tokens_per_example, tokens) for tokens in example_tokens)


def billing_tokens_from_totals(total_tokens: int, examples: int | None, max_tokens_per_example: int) -> int:
    """Billing tokens per epoch when only totals are known: no example can bill more than the limit."""
    if examples:
        return min(total_tokens, examples * max_tokens_per_example)
    return total_tokens


def training_cost_usd(billing_tokens_per_epoch: int, epochs: int, price_per_1m_usd: float) -> float:
    """Billed tokens × price; validation tokens are free, so they never enter here."""
    return billing_tokens_per_epoch * epochs * price_per_1m_usd / TOKENS_PER_MILLION


@dataclass(frozen=True, slots=True)
class RftCost:
    """Reinforcement fine-tuning: billed per hour of core training time, with Azure's per-job cap."""

    billed_hours: float
    uncapped_cost_usd: float
    cost_usd: float
    capped: bool


def rft_cost(hours: float, price_per_hour_usd: float, cap_usd: float | None = None) -> RftCost:
    """Hours (rounded to two decimals, as both providers bill) × rate; at the cap Azure pauses the job."""
    billed_hours = round(hours, 2)
    uncapped = billed_hours * price_per_hour_usd
    if cap_usd is not None and uncapped > cap_usd:
        return RftCost(billed_hours, uncapped, cap_usd, True)
    return RftCost(billed_hours, uncapped, uncapped, False)
