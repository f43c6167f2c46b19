"""Loading the catalog file: every figure dated and sourced, and a file that breaks the contract is refused."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from finetune_guide import catalog
from finetune_guide.catalog import CatalogError, parse_catalog
from tests.support.catalog import book, figure_tables, raw_catalog

BOOK = book()


def test_every_figure_in_the_file_has_a_date_and_a_listed_source() -> None:
    document = raw_catalog()
    figures = figure_tables({k: v for k, v in document.items() if k != "sources"})
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
    document = raw_catalog()
    broken = copy.deepcopy(document)
    del broken["models"][0]["training_per_1m_usd"]["standard"][missing]
    with pytest.raises(CatalogError, match=missing):
        parse_catalog(broken)


def test_a_figure_naming_an_unlisted_source_is_rejected() -> None:
    broken = copy.deepcopy(raw_catalog())
    broken["models"][0]["methods"]["source"] = "a-blog-somewhere"
    with pytest.raises(CatalogError, match="a-blog-somewhere"):
        parse_catalog(broken)


def test_a_plain_number_where_a_figure_belongs_is_rejected() -> None:
    broken = copy.deepcopy(raw_catalog())
    broken["models"][0]["max_tokens_per_example"] = 65536
    with pytest.raises(CatalogError, match="max_tokens_per_example"):
        parse_catalog(broken)


def test_a_negative_or_non_finite_price_is_rejected() -> None:
    for bad in (-1.0, float("nan"), float("inf")):
        broken = copy.deepcopy(raw_catalog())
        broken["models"][0]["training_per_1m_usd"]["standard"]["value"] = bad
        with pytest.raises(CatalogError):
            parse_catalog(broken)


def test_the_file_may_not_claim_a_derived_figure() -> None:
    broken = copy.deepcopy(raw_catalog())
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
