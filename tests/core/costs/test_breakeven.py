"""Break-even: training cost over the monthly saving, none when fine-tuning never saves, lines that meet."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finetune_guide.costs import TokenPrices, Traffic, break_even


def test_break_even_is_training_cost_over_the_monthly_saving() -> None:
    traffic = Traffic(requests_per_day=10_000, input_tokens=200, output_tokens=100)
    result = break_even(30.0, traffic, TokenPrices(0.30, 1.20), TokenPrices(0.15, 0.60), prompt_tokens_saved=2000)
    assert result.monthly_saving_usd == pytest.approx(result.base_monthly_usd - result.finetuned_monthly_usd)
    assert result.months == pytest.approx(30.0 / result.monthly_saving_usd)
    finetuned, base = result.cumulative(12)
    assert finetuned[0] == 30.0
    assert base[0] == 0.0


def test_no_break_even_when_fine_tuning_never_costs_less_per_month() -> None:
    traffic = Traffic(requests_per_day=100, input_tokens=200, output_tokens=100)
    result = break_even(
        30.0,
        traffic,
        TokenPrices(0.30, 1.20),
        TokenPrices(0.15, 0.60),
        prompt_tokens_saved=0,
        hosting_per_hour_usd=1.70,
    )
    assert result.months is None


@given(
    training=st.floats(min_value=0.01, max_value=1e6),
    requests=st.integers(min_value=1, max_value=100_000),
    saved=st.integers(min_value=0, max_value=100_000),
)
def test_at_break_even_the_cumulative_lines_meet(training: float, requests: int, saved: int) -> None:
    result = break_even(
        training,
        Traffic(requests, 100, 50),
        TokenPrices(0.30, 1.20),
        TokenPrices(0.15, 0.60),
        prompt_tokens_saved=saved,
    )
    if result.months is not None:
        m = result.months
        assert training + m * result.finetuned_monthly_usd == pytest.approx(m * result.base_monthly_usd, rel=1e-6)
