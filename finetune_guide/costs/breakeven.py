"""Break-even: when a fine-tuned model with a short prompt has paid for its training against few-shot."""

from __future__ import annotations

from dataclasses import dataclass

from finetune_guide.costs.running import TokenPrices, Traffic, monthly_hosting_cost_usd, monthly_inference_cost_usd


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
