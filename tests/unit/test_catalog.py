"""The price catalog: every figure dated and sourced, flagged where unverified, and the model look-ups."""

from __future__ import annotations

import copy
import tomllib
from datetime import date
from typing import Any

import pytest

from finetune_guide import catalog
from finetune_guide.catalog import (
    CATALOG_PATH,
    CatalogError,
    UnknownModelError,
    availability,
    load_catalog,
    max_tokens_per_example,
    parse_catalog,
    resolve_model,
    training_price,
)

BOOK = load_catalog()
NOV_2026 = date(2026, 11, 28)


def _raw() -> dict[str, Any]:
    with CATALOG_PATH.open("rb") as handle:
        return tomllib.load(handle)


def _figures(node: object, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every inline table that carries a `value`, anywhere in the document."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if "value" in node:
            return [(path, node)]
        for key, child in node.items():
            found += _figures(child, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, child in enumerate(node):
            found += _figures(child, f"{path}[{i}]")
    return found


def test_every_figure_in_the_file_has_a_date_and_a_listed_source() -> None:
    document = _raw()
    figures = _figures({k: v for k, v in document.items() if k != "sources"})
    assert len(figures) > 100
    for where, figure in figures:
        assert isinstance(figure.get("as_of"), date), f"{where}: no as_of date"
        assert figure.get("source") in document["sources"], f"{where}: no listed source"
        assert figure.get("status", "verified") in catalog.STATUSES, where


def test_every_source_has_a_title_and_an_https_url() -> None:
    for source in BOOK.sources.values():
        assert source.title
        assert source.url.startswith("https://")


@pytest.mark.parametrize("missing", ["source", "as_of", "value"])
def test_a_figure_without_source_date_or_value_is_rejected(missing: str) -> None:
    document = _raw()
    broken = copy.deepcopy(document)
    del broken["models"][0]["training_per_1m_usd"]["standard"][missing]
    with pytest.raises(CatalogError, match=missing):
        parse_catalog(broken)


def test_a_figure_naming_an_unlisted_source_is_rejected() -> None:
    broken = copy.deepcopy(_raw())
    broken["models"][0]["methods"]["source"] = "a-blog-somewhere"
    with pytest.raises(CatalogError, match="a-blog-somewhere"):
        parse_catalog(broken)


def test_a_plain_number_where_a_figure_belongs_is_rejected() -> None:
    broken = copy.deepcopy(_raw())
    broken["models"][0]["max_tokens_per_example"] = 65536
    with pytest.raises(CatalogError, match="max_tokens_per_example"):
        parse_catalog(broken)


def test_a_negative_or_non_finite_price_is_rejected() -> None:
    for bad in (-1.0, float("nan"), float("inf")):
        broken = copy.deepcopy(_raw())
        broken["models"][0]["training_per_1m_usd"]["standard"]["value"] = bad
        with pytest.raises(CatalogError):
            parse_catalog(broken)


def test_the_file_may_not_claim_a_derived_figure() -> None:
    broken = copy.deepcopy(_raw())
    broken["models"][0]["training_per_1m_usd"]["standard"]["status"] = "derived"
    with pytest.raises(CatalogError, match="status"):
        parse_catalog(broken)


def test_every_model_has_methods_a_limit_a_training_price_and_inference_prices() -> None:
    for entry in BOOK.models:
        assert entry.methods.value
        assert entry.max_tokens_per_example.value >= 4096
        assert entry.training_per_1m_usd or entry.training_per_hour_usd
        assert {"input", "output"} <= set(entry.finetuned_per_1m_usd)
        assert {"input", "output"} <= set(entry.base_per_1m_usd), entry.key


@pytest.mark.parametrize(
    ("provider", "snapshot", "key", "status"),
    [
        ("openai", "gpt-4o-mini-2024-07-18", "training_per_1m_usd.standard", "third_party"),
        ("openai", "gpt-4o-2024-08-06", "finetuned_per_1m_usd.cached_input", "unverified"),
        ("openai", "gpt-4.1-2025-04-14", "training_per_1m_usd.standard", "unverified"),
        ("openai", "gpt-4.1-mini-2025-04-14", "max_tokens_per_example", "unverified"),
        ("openai", "gpt-3.5-turbo-0125", "training_per_1m_usd.standard", "verified"),
        ("openai", "o4-mini-2025-04-16", "training_per_hour_usd.standard", "verified"),
        ("openai", "o4-mini-2025-04-16", "base_model_retirement", "third_party"),
        ("azure", "gpt-4.1-2025-04-14", "training_per_1m_usd.global", "example"),
        ("azure", "gpt-4o-mini-2024-07-18", "training_retirement", "verified"),
    ],
)
def test_figures_carry_the_status_the_reference_gives_them(provider: str, snapshot: str, key: str, status: str) -> None:
    entry = resolve_model(BOOK, snapshot, provider)
    assert entry.figures()[key].status == status
    assert entry.figures()[key].flagged == (status != "verified")


def test_the_openai_wind_down_date_is_dated_and_flagged_third_party() -> None:
    rule = BOOK.openai.new_jobs_until
    assert rule.value == date(2027, 1, 6)
    assert rule.status == "third_party"


@pytest.mark.parametrize(
    ("model", "limit"),
    [
        ("gpt-4o-mini-2024-07-18", 65_536),
        ("gpt-4o-mini", 65_536),
        ("GPT-4o-mini ", 65_536),
        ("ft:gpt-4o-mini-2024-07-18:my-org::AbC123", 65_536),
        ("ft:gpt-4o-mini-2024-07-18:my-org:custom-suffix:AbC123", 65_536),
        ("gpt-4.1-mini-2025-04-14.ft-0123456789abcdef0123456789abcdef", 65_536),
        ("gpt-4o-2024-08-06", 65_536),
        ("gpt-3.5-turbo", 16_385),
        ("gpt-3.5-turbo-0125", 16_385),
        ("gpt-35-turbo", 16_385),
        ("gpt-3.5-turbo-1106", 16_385),
        ("gpt-3.5-turbo-0613", 4_096),
        ("gpt-3.5-turbo-9999", 16_385),
        ("gpt-4.1-2099-01-01", 65_536),
        ("gpt-5-2025-08-07", 65_536),
        ("some-future-model", 65_536),
    ],
)
def test_max_tokens_per_example_resolves_snapshots_aliases_and_fine_tuned_ids(model: str, limit: int) -> None:
    assert max_tokens_per_example(model) == limit


def test_aliases_resolve_to_the_provider_asked_for() -> None:
    assert resolve_model(BOOK, "gpt-4.1", "azure").key == "azure:gpt-4.1-2025-04-14"
    assert resolve_model(BOOK, "gpt-4.1").key == "openai:gpt-4.1-2025-04-14"


def test_an_unknown_model_lists_the_known_ones() -> None:
    with pytest.raises(UnknownModelError) as raised:
        resolve_model(BOOK, "gpt-9", "azure")
    assert "gpt-4.1-2025-04-14" in raised.value.known
    assert "davinci-002" not in raised.value.known
    assert "gpt-4.1-2025-04-14" in str(raised.value)


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


def test_openai_training_is_for_existing_customers_only_until_2027_01_06() -> None:
    entry = resolve_model(BOOK, "gpt-4o-mini")
    found = availability(BOOK, entry, NOV_2026)
    assert found.state == "existing_customers_only"
    assert found.new_jobs_until == date(2027, 1, 6)
    assert "existing customers only, until 2027-01-06" in found.summary("openai")
    assert availability(BOOK, entry, date(2027, 1, 6)).state == "closed"


def test_openai_models_past_their_base_model_retirement_take_no_new_jobs() -> None:
    entry = resolve_model(BOOK, "gpt-4.1-nano")
    assert availability(BOOK, entry, NOV_2026).state == "closed"
    assert availability(BOOK, entry, date(2026, 10, 1)).state == "existing_customers_only"


def test_azure_training_is_open_until_its_retirement_date() -> None:
    entry = resolve_model(BOOK, "gpt-4o", "azure")
    assert availability(BOOK, entry, NOV_2026).state == "open"
    assert availability(BOOK, entry, date(2027, 4, 1)).state == "closed"
    assert availability(BOOK, entry, NOV_2026).deployment_retirement == date(2027, 10, 1)
