"""A whole estimate: the catalog's figures, the user's overrides and the arithmetic, with what to warn about."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from finetune_guide.catalog import PROVIDERS, Catalog, ModelEntry, availability, default_deployment_type, resolve_model
from finetune_guide.costs.breakeven import BreakEven, break_even
from finetune_guide.costs.epochs import EpochsChoice, choose_epochs
from finetune_guide.costs.plan import Estimate, EstimatePlan, Warning, check_plan
from finetune_guide.costs.prices import PriceLine, price_sheet, token_prices
from finetune_guide.costs.running import monthly_hosting_cost_usd, monthly_inference_cost_usd
from finetune_guide.costs.training import RftCost, rft_cost, training_cost_usd
from finetune_guide.costs.validation import EstimateInputError

RunningCosts = tuple[float | None, float | None, BreakEven | None]


def _deployment_type(entry: ModelEntry, plan: EstimatePlan, tier: str, warnings: list[Warning]) -> str | None:
    """The Azure deployment type to price (None for OpenAI), warning when it is not offered or short-lived."""
    if entry.provider != "azure":
        return None
    deployment_type = plan.deployment_type or default_deployment_type(tier)
    offered = entry.deployment_types.value if entry.deployment_types else ()
    if deployment_type not in offered:
        warnings.append("deployment_not_available")
    if deployment_type == "developer":
        warnings.append("developer_deployment_24h")
    return deployment_type


def _training(
    catalog: Catalog, entry: ModelEntry, plan: EstimatePlan, choice: EpochsChoice, rate: float | None
) -> tuple[float | None, RftCost | None]:
    """(training cost, RFT detail): by the hour for RFT, with Azure's per-job cap, else by billed tokens."""
    if rate is None:
        return None, None
    if entry.hourly_training:
        cap = catalog.azure.rft_cap_per_job_usd.value if entry.provider == "azure" else None
        rft = rft_cost(plan.rft_hours, rate, cap)
        return rft.cost_usd, rft
    return training_cost_usd(plan.billing_tokens_per_epoch, choice.epochs, rate), None


def _running(plan: EstimatePlan, prices: Mapping[str, PriceLine], training: float | None) -> RunningCosts:
    """(monthly inference, monthly hosting, break-even), each None when its prices or traffic are missing."""
    hosting_rate = prices["hosting"].value if "hosting" in prices else None
    hosting = monthly_hosting_cost_usd(hosting_rate) if hosting_rate is not None else None
    finetuned_prices = token_prices(prices, "finetuned")
    if plan.traffic is None or finetuned_prices is None:
        return None, hosting, None
    inference = monthly_inference_cost_usd(plan.traffic, finetuned_prices)
    base_prices = token_prices(prices, "base")
    if base_prices is None or training is None:
        return inference, hosting, None
    breakeven = break_even(
        training,
        plan.traffic,
        finetuned_prices,
        base_prices,
        prompt_tokens_saved=plan.prompt_tokens_saved,
        hosting_per_hour_usd=hosting_rate or 0.0,
    )
    return inference, hosting, breakeven


def estimate(catalog: Catalog, plan: EstimatePlan, on: date) -> Estimate:
    """Training, running and break-even costs of one plan; unknown models raise UnknownModelError."""
    if plan.provider not in PROVIDERS:
        raise EstimateInputError("provider", f"{plan.provider!r} is not a provider; use openai or azure")
    check_plan(plan)
    entry = resolve_model(catalog, plan.model, plan.provider)
    warnings: list[Warning] = []
    method = plan.method or entry.methods.value[0]
    if method not in entry.methods.value:
        warnings.append("method_not_supported")
    tier = plan.tier if entry.provider == "azure" else "standard"
    if tier not in entry.training_tiers.value:
        warnings.append("tier_not_available")
    deployment_type = _deployment_type(entry, plan, tier, warnings)
    prices = price_sheet(catalog, entry, tier, deployment_type, plan.overrides)
    choice = choose_epochs(plan.examples, plan.epochs)
    billed = plan.billing_tokens_per_epoch * choice.epochs
    training, rft = _training(catalog, entry, plan, choice, prices["training"].value)
    if rft and rft.capped:
        warnings.append("rft_cap_reached")
    if entry.provider == "azure" and billed > catalog.azure.max_tokens_times_epochs.value:
        warnings.append("azure_tokens_times_epochs_quota")
    inference, hosting, breakeven = _running(plan, prices, training)
    found = availability(catalog, entry, on)
    if found.state == "closed":
        warnings.append("no_new_jobs")
    return Estimate(
        entry=entry,
        method=method,
        tier=tier,
        deployment_type=deployment_type,
        epochs=choice,
        billing_tokens_per_epoch=plan.billing_tokens_per_epoch,
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
