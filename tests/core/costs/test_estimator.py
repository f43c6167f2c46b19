"""A whole estimate: the published examples, hosting, warnings, overrides, the comparison and bad input."""

from __future__ import annotations

import math

import pytest

from finetune_guide import costs
from finetune_guide.costs import EstimateInputError, EstimatePlan, Traffic, estimate, monthly_hosting_cost_usd
from tests.support.catalog import NOV_2026, book

BOOK = book()


def test_openai_guide_example_100k_tokens_3_epochs_on_gpt_4o_mini_costs_90_cents() -> None:
    result = estimate(BOOK, EstimatePlan("gpt-4o-mini", billing_tokens_per_epoch=100_000, epochs=3), NOV_2026)
    assert result.training_cost_usd == pytest.approx(0.90)


def test_azure_example_1m_tokens_2_epochs_at_2_dollars_costs_4() -> None:
    assert costs.training_cost_usd(1_000_000, 2, 2.00) == pytest.approx(4.0)
    plan = EstimatePlan("gpt-4.1", provider="azure", tier="global", billing_tokens_per_epoch=1_000_000, epochs=2)
    assert estimate(BOOK, plan, NOV_2026).training_cost_usd == pytest.approx(4.0)


def test_azure_example_standard_hosting_for_a_month_at_1_70_per_hour() -> None:
    assert monthly_hosting_cost_usd(1.70) == pytest.approx(1.70 * 720)
    plan = EstimatePlan("gpt-4.1", provider="azure", tier="standard", billing_tokens_per_epoch=1000)
    assert estimate(BOOK, plan, NOV_2026).monthly_hosting_cost_usd == pytest.approx(1224.0)


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
