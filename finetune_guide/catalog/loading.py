"""Loading content/pricing/catalog.toml: each model entry, the providers' rules and the sources, validated."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, cast

from finetune_guide.catalog.entries import AzureRules, Catalog, ModelEntry, OpenAIRules
from finetune_guide.catalog.figures import (
    DEPLOYMENT_TYPES,
    METHODS,
    PROVIDERS,
    TIERS,
    TOKEN_KINDS,
    CatalogError,
    Figure,
    Provider,
    Source,
    T,
)
from finetune_guide.catalog.parsing import count, day, flag, names, parse_figure, parse_prices, price
from finetune_guide.content import CONTENT_DIR

CATALOG_PATH = CONTENT_DIR / "pricing" / "catalog.toml"

_MODEL_KEYS = {
    "provider",
    "snapshot",
    "aliases",
    "methods",
    "max_tokens_per_example",
    "training_tiers",
    "training_per_1m_usd",
    "training_per_hour_usd",
    "finetuned_per_1m_usd",
    "base_per_1m_usd",
    "deployment_types",
    "hosting_per_hour_usd",
    "base_model_retirement",
    "training_retirement",
    "deployment_retirement",
}


def _model_where(index: int, raw: Mapping[str, Any]) -> str:
    """Where a model entry is, for messages, once its keys and names are known to be well formed."""
    snapshot = raw.get("snapshot")
    where = f"models[{index}] ({snapshot})"
    if not isinstance(snapshot, str) or not snapshot:
        raise CatalogError(f"models[{index}]: needs a snapshot name")
    if raw.get("provider") not in PROVIDERS:
        raise CatalogError(f"{where}: provider must be one of {', '.join(PROVIDERS)}")
    unknown = set(raw) - _MODEL_KEYS
    if unknown:
        raise CatalogError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for required in ("methods", "max_tokens_per_example"):
        if required not in raw:
            raise CatalogError(f"{where}: needs {required}")
    aliases = raw.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise CatalogError(f"{where}: aliases must be a list of names")
    return where


def _training_tiers(where: str, raw: Mapping[str, Any], sources: Mapping[str, Source]) -> Figure[tuple[str, ...]]:
    if "training_tiers" in raw:
        return parse_figure(f"{where}.training_tiers", raw["training_tiers"], sources, names(TIERS))
    # OpenAI trains in one tier; give it the methods' provenance so the figure stays dated and sourced.
    methods_raw = raw["methods"]
    return Figure(("standard",), methods_raw["as_of"], methods_raw["source"])


def _model(index: int, raw: Mapping[str, Any], sources: Mapping[str, Source]) -> ModelEntry:
    where = _model_where(index, raw)

    def optional(name: str, kind: Callable[[Any], T]) -> Figure[T] | None:
        return parse_figure(f"{where}.{name}", raw[name], sources, kind) if name in raw else None

    def prices(name: str, allowed: tuple[str, ...]) -> dict[str, Figure[float]]:
        return parse_prices(f"{where}.{name}", raw.get(name), sources, allowed)

    tiers = _training_tiers(where, raw, sources)
    entry = ModelEntry(
        provider=cast(Provider, raw["provider"]),
        snapshot=raw["snapshot"],
        aliases=tuple(raw.get("aliases", [])),
        methods=parse_figure(f"{where}.methods", raw["methods"], sources, names(METHODS)),
        max_tokens_per_example=parse_figure(
            f"{where}.max_tokens_per_example", raw["max_tokens_per_example"], sources, count
        ),
        training_tiers=tiers,
        training_per_1m_usd=prices("training_per_1m_usd", TIERS),
        training_per_hour_usd=prices("training_per_hour_usd", TIERS),
        finetuned_per_1m_usd=prices("finetuned_per_1m_usd", TOKEN_KINDS),
        base_per_1m_usd=prices("base_per_1m_usd", TOKEN_KINDS),
        deployment_types=optional("deployment_types", names(DEPLOYMENT_TYPES)),
        hosting_per_hour_usd=prices("hosting_per_hour_usd", DEPLOYMENT_TYPES),
        base_model_retirement=optional("base_model_retirement", day),
        training_retirement=optional("training_retirement", day),
        deployment_retirement=optional("deployment_retirement", day),
    )
    if not entry.training_per_1m_usd and not entry.training_per_hour_usd:
        raise CatalogError(f"{where}: needs a training price (training_per_1m_usd or training_per_hour_usd)")
    for kind in ("input", "output"):
        if kind not in entry.finetuned_per_1m_usd:
            raise CatalogError(f"{where}: needs finetuned_per_1m_usd.{kind}")
    return entry


def _sources(document: Mapping[str, Any]) -> dict[str, Source]:
    raw_sources = document.get("sources")
    if not isinstance(raw_sources, Mapping) or not raw_sources:
        raise CatalogError("the catalog needs a [sources] table")
    sources: dict[str, Source] = {}
    for source_id, raw in raw_sources.items():
        if not isinstance(raw, Mapping) or not raw.get("title") or not raw.get("url"):
            raise CatalogError(f"sources.{source_id}: needs a title and a url")
        sources[source_id] = Source(source_id, str(raw["title"]), str(raw["url"]))
    return sources


def _rules(document: Mapping[str, Any], sources: Mapping[str, Source]) -> tuple[OpenAIRules, AzureRules]:
    def rule(table: str, name: str, kind: Callable[[Any], T]) -> Figure[T]:
        raw_table = document.get(table)
        if not isinstance(raw_table, Mapping) or name not in raw_table:
            raise CatalogError(f"{table}.{name} is missing")
        return parse_figure(f"{table}.{name}", raw_table[name], sources, kind)

    openai = OpenAIRules(
        rule("openai_rules", "new_jobs_until", day), rule("openai_rules", "existing_customers_only", flag)
    )
    azure = AzureRules(
        rule("azure_rules", "global_discount_min", price),
        rule("azure_rules", "global_discount_max", price),
        rule("azure_rules", "developer_discount_vs_global", price),
        rule("azure_rules", "rft_cap_per_job_usd", price),
        rule("azure_rules", "inactivity_deletion_days", count),
        rule("azure_rules", "developer_deployment_hours", count),
        rule("azure_rules", "max_tokens_times_epochs", count),
    )
    return openai, azure


def _extra_limits(document: Mapping[str, Any], sources: Mapping[str, Source]) -> dict[str, Figure[int]]:
    """Per-example limits of snapshots that are not fine-tunable entries (older gpt-3.5 versions)."""
    extra: dict[str, Figure[int]] = {}
    for i, raw in enumerate(document.get("limits", [])):
        name = raw.get("model")
        if not isinstance(name, str):
            raise CatalogError(f"limits[{i}]: needs a model name")
        extra[name.lower()] = parse_figure(f"limits[{i}]", raw.get("max_tokens_per_example"), sources, count)
    return extra


def parse_catalog(document: Mapping[str, Any]) -> Catalog:
    """Validate a parsed catalog document; raises CatalogError naming the first broken figure."""
    sources = _sources(document)
    openai, azure = _rules(document, sources)
    raw_models = document.get("models")
    if not isinstance(raw_models, list) or not raw_models:
        raise CatalogError("the catalog needs at least one [[models]] entry")
    models = tuple(_model(i, raw, sources) for i, raw in enumerate(raw_models))
    keys = [m.key for m in models]
    if len(set(keys)) != len(keys):
        raise CatalogError("a provider lists the same snapshot twice")
    return Catalog(sources, models, openai, azure, _extra_limits(document, sources))


@cache
def _load(path: Path) -> Catalog:
    with path.open("rb") as handle:
        try:
            document = tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            raise CatalogError(f"{path}: not valid TOML ({error})") from error
    return parse_catalog(document)


def load_catalog(path: Path | None = None) -> Catalog:
    """The catalog from content/pricing/catalog.toml (or `path`), validated; loaded once per process."""
    return _load((path or CATALOG_PATH).resolve())
