"""One estimate's question and answer: the plan a user chooses, its checks, and the Estimate it yields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from finetune_guide.catalog import Availability, ModelEntry
from finetune_guide.costs.breakeven import BreakEven
from finetune_guide.costs.epochs import EpochsChoice
from finetune_guide.costs.prices import PRICE_KEYS, PriceLine
from finetune_guide.costs.running import Traffic
from finetune_guide.costs.training import RftCost, training_cost_usd
from finetune_guide.costs.validation import (
    MAX_EXAMPLES,
    MAX_PRICE_USD,
    MAX_REQUESTS_PER_DAY,
    MAX_TOKENS_PER_REQUEST,
    MAX_TRAINING_HOURS,
    MAX_TRAINING_TOKENS,
    EstimateInputError,
    check_amount,
    check_count,
    check_epochs,
)

Warning = Literal[
    "method_not_supported",
    "tier_not_available",
    "deployment_not_available",
    "no_new_jobs",
    "azure_tokens_times_epochs_quota",
    "rft_cap_reached",
    "developer_deployment_24h",
]


@dataclass(frozen=True, slots=True)
class EstimatePlan:
    """Everything a user chooses for one estimate; every field fits in a shareable link."""

    model: str
    provider: str = "openai"
    method: str | None = None
    tier: str = "standard"
    deployment_type: str | None = None
    billing_tokens_per_epoch: int = 0
    examples: int | None = None
    epochs: int | None = None
    rft_hours: float = 4.0
    traffic: Traffic | None = None
    prompt_tokens_saved: int = 0
    overrides: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Estimate:
    entry: ModelEntry
    method: str
    tier: str
    deployment_type: str | None
    epochs: EpochsChoice
    billing_tokens_per_epoch: int
    billed_training_tokens: int
    prices: Mapping[str, PriceLine]
    training_cost_usd: float | None
    rft: RftCost | None
    monthly_inference_cost_usd: float | None
    monthly_hosting_cost_usd: float | None
    break_even: BreakEven | None
    availability: Availability
    warnings: tuple[Warning, ...]

    @property
    def training_price(self) -> PriceLine:
        return self.prices["training"]

    @property
    def monthly_running_cost_usd(self) -> float:
        return (self.monthly_inference_cost_usd or 0.0) + (self.monthly_hosting_cost_usd or 0.0)

    @property
    def first_year_total_usd(self) -> float | None:
        """Training plus twelve months of inference and hosting."""
        if self.training_cost_usd is None:
            return None
        return self.training_cost_usd + 12 * self.monthly_running_cost_usd

    def cost_by_epochs(self, up_to: int) -> list[tuple[int, float]]:
        """Training cost for 1..up_to epochs at the same data and price (token-billed methods only)."""
        price = self.training_price.value
        if self.entry.hourly_training or price is None:
            return []
        return [(e, training_cost_usd(self.billing_tokens_per_epoch, e, price)) for e in range(1, up_to + 1)]


def check_plan(plan: EstimatePlan) -> None:
    """Every number of a plan in range, or EstimateInputError naming the first one that is not."""
    check_count("billing_tokens_per_epoch", plan.billing_tokens_per_epoch, maximum=MAX_TRAINING_TOKENS)
    if plan.examples is not None:
        check_count("examples", plan.examples, maximum=MAX_EXAMPLES)
    if plan.epochs is not None:
        check_epochs(plan.epochs)
    check_amount("rft_hours", plan.rft_hours, maximum=MAX_TRAINING_HOURS, allow_zero=False)
    if plan.traffic is not None:
        check_count("requests_per_day", plan.traffic.requests_per_day, maximum=MAX_REQUESTS_PER_DAY, allow_zero=True)
        for name in ("input_tokens", "cached_input_tokens", "output_tokens"):
            check_count(name, getattr(plan.traffic, name), maximum=MAX_TOKENS_PER_REQUEST, allow_zero=True)
    check_count("prompt_tokens_saved", plan.prompt_tokens_saved, maximum=MAX_TOKENS_PER_REQUEST, allow_zero=True)
    for key, value in plan.overrides.items():
        if key not in PRICE_KEYS:
            raise EstimateInputError("override", f"{key!r} is not a price; use one of {', '.join(PRICE_KEYS)}")
        check_amount(f"override {key}", value, maximum=MAX_PRICE_USD)
