"""Training cost: the published examples, billing tokens cut at the limit, and RFT billed by the hour."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finetune_guide import costs
from finetune_guide.costs import EstimatePlan, billing_tokens_per_epoch, estimate, rft_cost, training_cost_usd
from tests.support.catalog import NOV_2026, book

BOOK = book()


def test_openai_guide_example_100k_tokens_3_epochs_on_gpt_35_turbo_costs_2_40() -> None:
    assert training_cost_usd(100_000, 3, 8.00) == pytest.approx(2.40)


def test_azure_rft_example_4_hours_at_100_per_hour_costs_400() -> None:
    assert rft_cost(4, 100.0).cost_usd == pytest.approx(400.0)


def test_billing_tokens_cut_each_example_at_the_limit() -> None:
    toy = [45, 111, 26, 28, 8032]
    assert billing_tokens_per_epoch(toy, 16_385) == 8242
    assert billing_tokens_per_epoch(toy, 4096) == 4306


def test_totals_without_a_distribution_cap_at_examples_times_limit() -> None:
    assert costs.billing_tokens_from_totals(1_000_000, 10, 65_536) == 655_360
    assert costs.billing_tokens_from_totals(1_000_000, None, 65_536) == 1_000_000


@given(
    st.integers(min_value=0, max_value=costs.MAX_TRAINING_TOKENS),
    st.integers(min_value=1, max_value=50),
    st.floats(min_value=0, max_value=1000, allow_nan=False),
)
def test_training_cost_is_tokens_times_epochs_times_price_and_never_negative(
    tokens: int, epochs: int, price: float
) -> None:
    cost = training_cost_usd(tokens, epochs, price)
    assert cost >= 0
    assert cost == pytest.approx(tokens * epochs * price / 1e6)
    assert training_cost_usd(tokens, epochs + 1, price) >= cost


def test_rft_hours_round_to_two_decimals_and_azure_caps_a_job_at_5000() -> None:
    assert rft_cost(1.2549, 100.0).billed_hours == 1.25
    capped = rft_cost(60, 100.0, cap_usd=5000.0)
    assert capped.capped
    assert capped.cost_usd == 5000.0
    assert capped.uncapped_cost_usd == 6000.0
    plan = EstimatePlan("o4-mini", provider="azure", billing_tokens_per_epoch=1000, rft_hours=60)
    result = estimate(BOOK, plan, NOV_2026)
    assert result.training_cost_usd == 5000.0
    assert "rft_cap_reached" in result.warnings


def test_openai_rft_has_no_cap() -> None:
    plan = EstimatePlan("o4-mini", billing_tokens_per_epoch=1000, rft_hours=60)
    assert estimate(BOOK, plan, NOV_2026).training_cost_usd == pytest.approx(6000.0)
