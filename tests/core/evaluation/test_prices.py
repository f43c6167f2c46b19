"""evaluation.prices: catalog prices and the cost of a call."""

from __future__ import annotations

from datetime import date

import pytest

from finetune_guide import evaluation as ev
from finetune_guide.catalog import load_catalog


def test_fine_tuned_and_base_models_are_priced_from_the_catalog() -> None:
    book = load_catalog()
    tuned = ev.catalog_price(book, "gpt-4o-mini-2024-07-18", fine_tuned=True, provider="openai")
    base = ev.catalog_price(book, "gpt-4o-mini-2024-07-18", fine_tuned=False, provider="openai")
    assert tuned.known and base.known
    assert tuned.input_per_1m_usd is not None and base.input_per_1m_usd is not None
    assert tuned.input_per_1m_usd > base.input_per_1m_usd
    assert date.fromisoformat(tuned.as_of)


def test_a_model_the_catalog_does_not_know_has_an_unknown_price() -> None:
    price = ev.catalog_price(load_catalog(), "my-deployment", fine_tuned=True)
    assert not price.known
    assert ev.call_cost_usd(100, 10, price) is None


def test_call_cost_is_tokens_times_price_per_million() -> None:
    price = ev.Price(2.0, 8.0)
    assert ev.call_cost_usd(1_000, 500, price) == pytest.approx((1_000 * 2 + 500 * 8) / 1_000_000)
