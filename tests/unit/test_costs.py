"""Cost arithmetic: the published examples, the epochs rule, RFT, running costs, break-even and bad input."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finetune_guide import costs
from finetune_guide.catalog import load_catalog
from finetune_guide.costs import (
    EstimateInputError,
    EstimatePlan,
    TokenPrices,
    Traffic,
    billing_tokens_per_epoch,
    break_even,
    choose_epochs,
    default_epochs,
    estimate,
    monthly_hosting_cost_usd,
    monthly_inference_cost_usd,
    parse_overrides,
    rft_cost,
    training_cost_usd,
)

BOOK = load_catalog()
NOV_2026 = date(2026, 11, 28)


# --- the published examples


def test_openai_guide_example_100k_tokens_3_epochs_on_gpt_4o_mini_costs_90_cents() -> None:
    result = estimate(BOOK, EstimatePlan("gpt-4o-mini", billing_tokens_per_epoch=100_000, epochs=3), NOV_2026)
    assert result.training_cost_usd == pytest.approx(0.90)


def test_openai_guide_example_100k_tokens_3_epochs_on_gpt_35_turbo_costs_2_40() -> None:
    assert training_cost_usd(100_000, 3, 8.00) == pytest.approx(2.40)


def test_azure_example_1m_tokens_2_epochs_at_2_dollars_costs_4() -> None:
    assert training_cost_usd(1_000_000, 2, 2.00) == pytest.approx(4.0)
    plan = EstimatePlan("gpt-4.1", provider="azure", tier="global", billing_tokens_per_epoch=1_000_000, epochs=2)
    assert estimate(BOOK, plan, NOV_2026).training_cost_usd == pytest.approx(4.0)


def test_azure_example_standard_hosting_for_a_month_at_1_70_per_hour() -> None:
    assert monthly_hosting_cost_usd(1.70) == pytest.approx(1.70 * 720)
    plan = EstimatePlan("gpt-4.1", provider="azure", tier="standard", billing_tokens_per_epoch=1000)
    assert estimate(BOOK, plan, NOV_2026).monthly_hosting_cost_usd == pytest.approx(1224.0)


def test_azure_example_o4_mini_chatbot_month_costs_1422() -> None:
    # 20M input and 40M output tokens in a month at $1.10 / $4.40 per 1M, plus 720 h of hosting.
    traffic = Traffic(requests_per_day=1, input_tokens=20_000_000 // 30, output_tokens=40_000_000 // 30)
    tokens = monthly_inference_cost_usd(traffic, TokenPrices(1.10, 4.40))
    assert tokens + monthly_hosting_cost_usd(1.70) == pytest.approx(1422.0, abs=0.01)


def test_azure_rft_example_4_hours_at_100_per_hour_costs_400() -> None:
    assert rft_cost(4, 100.0).cost_usd == pytest.approx(400.0)


# --- epochs


@pytest.mark.parametrize(("examples", "epochs"), [(5, 20), (10, 10), (33, 3), (34, 3), (10_000, 2), (40_000, 1)])
def test_default_epochs_follow_the_cookbook_examples(examples: int, epochs: int) -> None:
    assert default_epochs(examples) == epochs


def test_the_epochs_rule_says_which_branch_chose() -> None:
    assert choose_epochs(5).rule == "raised_for_few_examples"
    assert choose_epochs(500).rule == "target"
    assert choose_epochs(10_000).rule == "lowered_for_many_examples"
    assert choose_epochs(None).rule == "no_example_count"
    assert choose_epochs(5, 7) == costs.EpochsChoice(7, "set", 5)
    assert "100 // 5" in choose_epochs(5).explain()


@given(st.integers(min_value=1, max_value=10_000_000))
def test_default_epochs_stay_within_1_and_25(examples: int) -> None:
    assert 1 <= default_epochs(examples) <= 25


@pytest.mark.parametrize("bad", [0, -1, 51, 2.5, math.nan, math.inf])
def test_epochs_outside_1_to_50_are_refused(bad: float) -> None:
    with pytest.raises(EstimateInputError, match="epochs"):
        choose_epochs(100, bad)  # type: ignore[arg-type]


# --- training


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


# --- running costs and break-even


def test_monthly_inference_is_requests_times_tokens_times_price_times_30_days() -> None:
    traffic = Traffic(requests_per_day=1000, input_tokens=500, output_tokens=200, cached_input_tokens=1000)
    prices = TokenPrices(input_per_1m_usd=0.30, output_per_1m_usd=1.20, cached_input_per_1m_usd=0.15)
    per_day = 1000 * (500 * 0.30 + 1000 * 0.15 + 200 * 1.20) / 1e6
    assert monthly_inference_cost_usd(traffic, prices) == pytest.approx(per_day * 30)


def test_cached_input_without_a_cached_price_bills_as_input() -> None:
    traffic = Traffic(1, 0, 0, cached_input_tokens=1_000_000)
    assert monthly_inference_cost_usd(traffic, TokenPrices(3.0, 6.0), days=1) == pytest.approx(3.0)


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


def test_a_developer_deployment_has_no_fee_and_warns_about_24_hours() -> None:
    plan = EstimatePlan("gpt-4.1", provider="azure", tier="developer", billing_tokens_per_epoch=1000)
    result = estimate(BOOK, plan, NOV_2026)
    assert result.monthly_hosting_cost_usd == 0.0
    assert "developer_deployment_24h" in result.warnings


def test_first_year_total_is_training_plus_twelve_months() -> None:
    plan = EstimatePlan(
        "gpt-4o-mini",
        billing_tokens_per_epoch=100_000,
        epochs=3,
        traffic=Traffic(1000, 500, 200),
    )
    result = estimate(BOOK, plan, NOV_2026)
    assert result.first_year_total_usd == pytest.approx(0.90 + 12 * result.monthly_inference_cost_usd)  # type: ignore[operator]


def test_cost_by_epochs_grows_linearly() -> None:
    result = estimate(BOOK, EstimatePlan("gpt-4o-mini", billing_tokens_per_epoch=100_000), NOV_2026)
    series = result.cost_by_epochs(10)
    assert series[0] == (1, pytest.approx(0.30))
    assert series[-1] == (10, pytest.approx(3.0))


def test_overrides_replace_catalog_prices() -> None:
    plan = EstimatePlan("gpt-4o-mini", billing_tokens_per_epoch=100_000, epochs=3, overrides={"training": 1.0})
    result = estimate(BOOK, plan, NOV_2026)
    assert result.training_cost_usd == pytest.approx(0.30)
    assert result.training_price.override == 1.0
    assert not result.training_price.flagged


def test_compare_models_covers_every_catalog_entry() -> None:
    plan = EstimatePlan("ignored", billing_tokens_per_epoch=100_000, examples=200, traffic=Traffic(100, 100, 50))
    rows = costs.compare_models(BOOK, plan, NOV_2026)
    assert [row.entry.key for row in rows] == [entry.key for entry in BOOK.models]


# --- bad input


@pytest.mark.parametrize(
    ("plan_kwargs", "field"),
    [
        ({"billing_tokens_per_epoch": -1}, "billing_tokens_per_epoch"),
        ({"billing_tokens_per_epoch": 0}, "billing_tokens_per_epoch"),
        ({"billing_tokens_per_epoch": math.nan}, "billing_tokens_per_epoch"),
        ({"billing_tokens_per_epoch": 10**15}, "billing_tokens_per_epoch"),
        ({"examples": 0}, "examples"),
        ({"rft_hours": -2.0}, "rft_hours"),
        ({"traffic": Traffic(-5, 10, 10)}, "requests_per_day"),
        ({"prompt_tokens_saved": math.inf}, "prompt_tokens_saved"),
        ({"overrides": {"training": -1.0}}, "override"),
        ({"overrides": {"training": math.nan}}, "override"),
        ({"overrides": {"free_lunch": 1.0}}, "override"),
    ],
)
def test_bad_numbers_raise_an_input_error_naming_the_field(plan_kwargs: dict[str, object], field: str) -> None:
    plan_kwargs.setdefault("billing_tokens_per_epoch", 1000)
    with pytest.raises(EstimateInputError) as raised:
        estimate(BOOK, EstimatePlan("gpt-4o-mini", **plan_kwargs), NOV_2026)  # type: ignore[arg-type]
    assert raised.value.field.startswith(field)


@given(st.one_of(st.floats(), st.integers(min_value=-(10**20), max_value=10**20)))
def test_check_count_accepts_or_explains_any_number(value: float) -> None:
    try:
        result = costs.check_count("n", value, maximum=1000)
    except EstimateInputError as error:
        assert str(error).startswith("n: ")
    else:
        assert 1 <= result <= 1000


@pytest.mark.parametrize(
    "text",
    ["training", "training=", "training=abc", "=2", "wat=2", "training=-1", "training=nan", "training=1e9"],
)
def test_malformed_overrides_are_refused_with_a_message(text: str) -> None:
    with pytest.raises(EstimateInputError, match="override"):
        parse_overrides(text, costs.PRICE_KEYS)


@given(
    st.dictionaries(
        st.sampled_from(costs.PRICE_KEYS),
        st.floats(min_value=0, max_value=10_000, allow_nan=False),
    )
)
def test_overrides_survive_a_round_trip_through_a_link(overrides: dict[str, float]) -> None:
    assert parse_overrides(costs.format_overrides(overrides), costs.PRICE_KEYS) == overrides


@given(st.text(max_size=60))
def test_any_override_text_parses_or_explains(text: str) -> None:
    try:
        parsed = parse_overrides(text, costs.PRICE_KEYS)
    except EstimateInputError:
        return
    assert set(parsed) <= set(costs.PRICE_KEYS)
    assert all(0 <= v <= costs.MAX_PRICE_USD for v in parsed.values())
