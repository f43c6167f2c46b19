"""Fine-tuning cost arithmetic: epochs, training, inference, hosting and break-even (pure, USD)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

from finetune_guide.catalog import (
    PROVIDERS,
    Availability,
    Catalog,
    Figure,
    ModelEntry,
    availability,
    default_deployment_type,
    hosting_price,
    resolve_model,
    training_price,
)

# OpenAI's default-epochs rule, as its data-preparation cookbook states it: aim for 3 epochs, but keep
# examples × epochs between 100 and 25,000, with 1..25 epochs.
TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25

# The API accepts n_epochs from 1 to 50 (openai-openapi, FineTuneSupervisedHyperparameters).
MIN_EPOCHS = 1
MAX_EPOCHS = 50

TOKENS_PER_MILLION = 1_000_000
DAYS_PER_MONTH = 30
# Azure's own example bills a month of hosting as 30 days × 24 hours.
HOURS_PER_MONTH = DAYS_PER_MONTH * 24

# Upper bounds past which a number is a typo, not a plan: they keep the arithmetic and the charts sane.
MAX_TRAINING_TOKENS = 100_000_000_000
MAX_EXAMPLES = 100_000_000
MAX_TOKENS_PER_REQUEST = 10_000_000
MAX_REQUESTS_PER_DAY = 1_000_000_000
MAX_PRICE_USD = 100_000.0
MAX_TRAINING_HOURS = 10_000.0
MAX_MONTHS = 120

EpochsRule = Literal["set", "target", "raised_for_few_examples", "lowered_for_many_examples", "no_example_count"]


class EstimateInputError(ValueError):
    """A number an estimate cannot use; `field` names the input, the message says what to do."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


def default_epochs(examples: int) -> int:
    """The number of epochs OpenAI picks when n_epochs is "auto"."""
    if examples <= 0:
        return TARGET_EPOCHS
    if examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // examples)
    if examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // examples)
    return TARGET_EPOCHS


@dataclass(frozen=True, slots=True)
class EpochsChoice:
    """How many epochs a job runs and which branch of the rule chose it."""

    epochs: int
    rule: EpochsRule
    examples: int | None

    def explain(self) -> str:
        """The reason in plain English (the CLI's `epochs_rule`; the app translates `rule` itself)."""
        n = self.examples
        if self.rule == "set":
            return f"{self.epochs} epochs, set by hand"
        if self.rule == "no_example_count":
            return f"auto: {TARGET_EPOCHS} epochs, OpenAI's target (no example count given to apply the rule)"
        if self.rule == "raised_for_few_examples":
            return (
                f"auto: {self.epochs} epochs, because {n} examples × {TARGET_EPOCHS} "
                f"< {MIN_TARGET_EXAMPLES}: min({MAX_DEFAULT_EPOCHS}, {MIN_TARGET_EXAMPLES} // {n})"
            )
        if self.rule == "lowered_for_many_examples":
            return (
                f"auto: {self.epochs} epochs, because {n} examples × {TARGET_EPOCHS} "
                f"> {MAX_TARGET_EXAMPLES:,}: max({MIN_DEFAULT_EPOCHS}, {MAX_TARGET_EXAMPLES} // {n})"
            )
        return (
            f"auto: {TARGET_EPOCHS} epochs, OpenAI's target "
            f"({n} examples × {TARGET_EPOCHS} is within {MIN_TARGET_EXAMPLES}–{MAX_TARGET_EXAMPLES:,})"
        )


def choose_epochs(examples: int | None, epochs: int | None = None) -> EpochsChoice:
    """Epochs set by hand, or OpenAI's auto rule applied to the example count."""
    if epochs is not None:
        return EpochsChoice(check_epochs(epochs), "set", examples)
    if not examples:
        return EpochsChoice(TARGET_EPOCHS, "no_example_count", examples)
    chosen = default_epochs(examples)
    if examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return EpochsChoice(chosen, "raised_for_few_examples", examples)
    if examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return EpochsChoice(chosen, "lowered_for_many_examples", examples)
    return EpochsChoice(chosen, "target", examples)


# --- validation


def check_count(field: str, value: float, *, maximum: float, allow_zero: bool = False) -> int:
    """A whole number within range, or EstimateInputError saying why not."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise EstimateInputError(field, f"{value!r} is not a number; enter a whole number")
    if value != int(value):
        raise EstimateInputError(field, f"{value} is not a whole number")
    if value < 0 or (value == 0 and not allow_zero):
        lowest = 0 if allow_zero else 1
        raise EstimateInputError(field, f"{value:g} is too small; enter {lowest} or more")
    if value > maximum:
        raise EstimateInputError(field, f"{value:,.0f} is implausibly large; the most this accepts is {maximum:,.0f}")
    return int(value)


def check_amount(field: str, value: float, *, maximum: float, allow_zero: bool = True) -> float:
    """A finite, non-negative amount (price, hours) within range, or EstimateInputError."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise EstimateInputError(field, f"{value!r} is not a number; enter an amount such as 2.5")
    if value < 0 or (value == 0 and not allow_zero):
        raise EstimateInputError(field, f"{value:g} is too small; enter an amount above 0")
    if value > maximum:
        raise EstimateInputError(field, f"{value:,.2f} is implausibly large; the most this accepts is {maximum:,.0f}")
    return float(value)


def check_epochs(epochs: float) -> int:
    return check_count("epochs", epochs, maximum=MAX_EPOCHS)


# --- training


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


# --- running the model


@dataclass(frozen=True, slots=True)
class TokenPrices:
    """Inference prices per 1M tokens; a model without cached pricing bills cached input as input."""

    input_per_1m_usd: float
    output_per_1m_usd: float
    cached_input_per_1m_usd: float | None = None


@dataclass(frozen=True, slots=True)
class Traffic:
    """A day of use: requests, and per request the uncached input, cached input and output tokens."""

    requests_per_day: int
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int = 0

    def with_extra_input(self, tokens: int) -> Traffic:
        return Traffic(self.requests_per_day, self.input_tokens + tokens, self.output_tokens, self.cached_input_tokens)


def daily_inference_cost_usd(traffic: Traffic, prices: TokenPrices) -> float:
    cached_rate = prices.input_per_1m_usd if prices.cached_input_per_1m_usd is None else prices.cached_input_per_1m_usd
    per_request = (
        traffic.input_tokens * prices.input_per_1m_usd
        + traffic.cached_input_tokens * cached_rate
        + traffic.output_tokens * prices.output_per_1m_usd
    ) / TOKENS_PER_MILLION
    return traffic.requests_per_day * per_request


def monthly_inference_cost_usd(traffic: Traffic, prices: TokenPrices, days: int = DAYS_PER_MONTH) -> float:
    """Requests per day × (input, cached and output tokens × their prices) × days."""
    return daily_inference_cost_usd(traffic, prices) * days


def monthly_hosting_cost_usd(price_per_hour_usd: float, hours: float = HOURS_PER_MONTH) -> float:
    """Azure bills a deployed fine-tuned model every hour it exists, used or not."""
    return price_per_hour_usd * hours


# --- break-even


@dataclass(frozen=True, slots=True)
class BreakEven:
    """Fine-tuned model with a short prompt against the base model with a long few-shot prompt."""

    training_cost_usd: float
    finetuned_monthly_usd: float
    base_monthly_usd: float
    monthly_saving_usd: float
    months: float | None

    def cumulative(self, months: int) -> tuple[list[float], list[float]]:
        """Cumulative cost at month 0..months: (fine-tuned incl. training, base with few-shot)."""
        finetuned = [self.training_cost_usd + m * self.finetuned_monthly_usd for m in range(months + 1)]
        base = [m * self.base_monthly_usd for m in range(months + 1)]
        return finetuned, base


def break_even(
    training_cost_usd: float,
    traffic: Traffic,
    finetuned_prices: TokenPrices,
    base_prices: TokenPrices,
    *,
    prompt_tokens_saved: int,
    hosting_per_hour_usd: float = 0.0,
) -> BreakEven:
    """Months until training has paid for itself; None when fine-tuning never costs less per month."""
    finetuned = monthly_inference_cost_usd(traffic, finetuned_prices) + monthly_hosting_cost_usd(hosting_per_hour_usd)
    base = monthly_inference_cost_usd(traffic.with_extra_input(prompt_tokens_saved), base_prices)
    saving = base - finetuned
    months = training_cost_usd / saving if saving > 0 else None
    return BreakEven(training_cost_usd, finetuned, base, saving, months)


# --- overrides


def parse_overrides(text: str, allowed: Iterable[str]) -> dict[str, float]:
    """Price overrides written "key=value,key=value" (as in a shared link) → {key: price}.

    Raises EstimateInputError naming the first malformed part, so nothing is half applied.
    """
    known = set(allowed)
    found: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key, sep, raw = part.partition("=")
        key = key.strip()
        if not sep or not key:
            raise EstimateInputError("override", f"{part!r} is not key=value, e.g. training=2.5")
        if key not in known:
            raise EstimateInputError("override", f"{key!r} is not a price; use one of {', '.join(sorted(known))}")
        try:
            value = float(raw)
        except ValueError:
            raise EstimateInputError("override", f"{key}={raw!r}: {raw!r} is not a number") from None
        found[key] = check_amount(f"override {key}", value, maximum=MAX_PRICE_USD)
    return found


def format_overrides(overrides: Mapping[str, float]) -> str:
    """The inverse of parse_overrides, in a stable order so equal overrides make equal links."""
    return ",".join(f"{key}={value!r}" for key, value in sorted(overrides.items()))


# --- a whole estimate: the catalog's figures, the user's overrides and the arithmetic above

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


def _token_prices(prices: Mapping[str, PriceLine], side: str) -> TokenPrices | None:
    tokens_in = prices[f"{side}.input"].value
    tokens_out = prices[f"{side}.output"].value
    if tokens_in is None or tokens_out is None:
        return None
    return TokenPrices(tokens_in, tokens_out, prices[f"{side}.cached_input"].value)


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


def estimate(catalog: Catalog, plan: EstimatePlan, on: date) -> Estimate:
    """Training, running and break-even costs of one plan; unknown models raise UnknownModelError."""
    if plan.provider not in PROVIDERS:
        raise EstimateInputError("provider", f"{plan.provider!r} is not a provider; use openai or azure")
    check_plan(plan)
    entry = resolve_model(catalog, plan.model, plan.provider)
    warnings: list[Warning] = []
    methods = entry.methods.value
    method = plan.method or methods[0]
    if method not in methods:
        warnings.append("method_not_supported")
    tier = plan.tier if entry.provider == "azure" else "standard"
    if tier not in entry.training_tiers.value:
        warnings.append("tier_not_available")
    deployment_type: str | None = None
    if entry.provider == "azure":
        deployment_type = plan.deployment_type or default_deployment_type(tier)
        offered = entry.deployment_types.value if entry.deployment_types else ()
        if deployment_type not in offered:
            warnings.append("deployment_not_available")
        if deployment_type == "developer":
            warnings.append("developer_deployment_24h")
    prices = price_sheet(catalog, entry, tier, deployment_type, plan.overrides)

    choice = choose_epochs(plan.examples, plan.epochs)
    tokens_per_epoch = plan.billing_tokens_per_epoch
    billed = tokens_per_epoch * choice.epochs
    training_rate = prices["training"].value
    rft: RftCost | None = None
    training: float | None
    if entry.hourly_training:
        cap = catalog.azure.rft_cap_per_job_usd.value if entry.provider == "azure" else None
        rft = rft_cost(plan.rft_hours, training_rate, cap) if training_rate is not None else None
        training = rft.cost_usd if rft else None
        if rft and rft.capped:
            warnings.append("rft_cap_reached")
    else:
        training = (
            training_cost_usd(tokens_per_epoch, choice.epochs, training_rate) if training_rate is not None else None
        )
    if entry.provider == "azure" and billed > catalog.azure.max_tokens_times_epochs.value:
        warnings.append("azure_tokens_times_epochs_quota")

    hosting_rate = prices["hosting"].value if "hosting" in prices else None
    hosting = monthly_hosting_cost_usd(hosting_rate) if hosting_rate is not None else None
    inference: float | None = None
    breakeven: BreakEven | None = None
    finetuned_prices = _token_prices(prices, "finetuned")
    if plan.traffic is not None and finetuned_prices is not None:
        inference = monthly_inference_cost_usd(plan.traffic, finetuned_prices)
        base_prices = _token_prices(prices, "base")
        if base_prices is not None and training is not None:
            breakeven = break_even(
                training,
                plan.traffic,
                finetuned_prices,
                base_prices,
                prompt_tokens_saved=plan.prompt_tokens_saved,
                hosting_per_hour_usd=hosting_rate or 0.0,
            )
    found = availability(catalog, entry, on)
    if found.state == "closed":
        warnings.append("no_new_jobs")
    return Estimate(
        entry=entry,
        method=method,
        tier=tier,
        deployment_type=deployment_type,
        epochs=choice,
        billing_tokens_per_epoch=tokens_per_epoch,
        billed_training_tokens=billed,
        prices=prices,
        training_cost_usd=training,
        rft=rft,
        monthly_inference_cost_usd=inference,
        monthly_hosting_cost_usd=hosting,
        break_even=breakeven,
        availability=found,
        warnings=tuple(warnings),
    )


def compare_models(catalog: Catalog, plan: EstimatePlan, on: date) -> list[Estimate]:
    """The same data and traffic on every fine-tunable model, each in the plan's tier where it has it."""
    rows: list[Estimate] = []
    for entry in catalog.models:
        tiers = entry.training_tiers.value
        tier = plan.tier if plan.tier in tiers else tiers[0]
        variant = replace(
            plan,
            model=entry.snapshot,
            provider=entry.provider,
            method=None,
            tier=tier,
            deployment_type=None,
            overrides={},
        )
        rows.append(estimate(catalog, variant, on))
    return rows
