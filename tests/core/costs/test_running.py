"""Running cost: inference by requests × tokens × price × 30 days, cached input, and Azure's hosting."""

from __future__ import annotations

import pytest

from finetune_guide.costs import TokenPrices, Traffic, monthly_hosting_cost_usd, monthly_inference_cost_usd


def test_azure_example_o4_mini_chatbot_month_costs_1422() -> None:
    # 20M input and 40M output tokens in a month at $1.10 / $4.40 per 1M, plus 720 h of hosting.
    traffic = Traffic(requests_per_day=1, input_tokens=20_000_000 // 30, output_tokens=40_000_000 // 30)
    tokens = monthly_inference_cost_usd(traffic, TokenPrices(1.10, 4.40))
    assert tokens + monthly_hosting_cost_usd(1.70) == pytest.approx(1422.0, abs=0.01)


def test_monthly_inference_is_requests_times_tokens_times_price_times_30_days() -> None:
    traffic = Traffic(requests_per_day=1000, input_tokens=500, output_tokens=200, cached_input_tokens=1000)
    prices = TokenPrices(input_per_1m_usd=0.30, output_per_1m_usd=1.20, cached_input_per_1m_usd=0.15)
    per_day = 1000 * (500 * 0.30 + 1000 * 0.15 + 200 * 1.20) / 1e6
    assert monthly_inference_cost_usd(traffic, prices) == pytest.approx(per_day * 30)


def test_cached_input_without_a_cached_price_bills_as_input() -> None:
    traffic = Traffic(1, 0, 0, cached_input_tokens=1_000_000)
    assert monthly_inference_cost_usd(traffic, TokenPrices(3.0, 6.0), days=1) == pytest.approx(3.0)
