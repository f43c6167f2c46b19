"""Prices read off an entry: Azure's tiers derived from one another and labelled so, and hosting fees."""

from __future__ import annotations

import pytest

from finetune_guide import catalog
from finetune_guide.catalog import resolve_model, training_price
from tests.support.catalog import book

BOOK = book()


def test_azure_global_is_10_to_30_percent_below_standard_and_developer_half_of_global() -> None:
    for entry in BOOK.for_provider("azure"):
        standard = training_price(BOOK, entry, "standard")
        global_ = training_price(BOOK, entry, "global")
        assert standard is not None
        assert global_ is not None
        assert 0.70 * standard.value - 1e-9 <= global_.value <= 0.90 * standard.value + 1e-9 or (
            standard.value == global_.value and entry.hourly_training
        )
        developer = training_price(BOOK, entry, "developer")
        if "developer" in entry.training_tiers.value:
            assert developer is not None
            assert developer.value == pytest.approx(global_.value / 2)
            assert developer.status == "derived"
        else:
            assert developer is None


def test_derived_tier_prices_are_labelled_and_keep_their_base_date() -> None:
    entry = resolve_model(BOOK, "gpt-4o-mini", "azure")
    standard = entry.training_per_1m_usd["standard"]
    global_ = training_price(BOOK, entry, "global")
    assert global_ is not None
    assert global_.status == "derived"
    assert global_.as_of == standard.as_of
    assert "10–30%" in global_.note


def test_azure_hosting_is_170_per_hour_and_developer_has_no_fee() -> None:
    entry = resolve_model(BOOK, "gpt-4.1-mini", "azure")
    assert catalog.hosting_price(entry, "standard").value == 1.70  # type: ignore[union-attr]
    assert catalog.hosting_price(entry, "developer").value == 0.0  # type: ignore[union-attr]
    assert BOOK.azure.developer_deployment_hours.value == 24
    assert BOOK.azure.inactivity_deletion_days.value == 15
    assert BOOK.azure.rft_cap_per_job_usd.value == 5000.0
