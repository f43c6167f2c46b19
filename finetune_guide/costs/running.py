"""What running a model costs: inference tokens per day and month, and Azure's hourly hosting fee."""

from __future__ import annotations

from dataclasses import dataclass

from finetune_guide.costs.units import DAYS_PER_MONTH, HOURS_PER_MONTH, TOKENS_PER_MILLION


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
