"""The dated, sourced price catalog: fine-tunable models, prices, limits and availability dates."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar, cast

from finetune_guide.content import CONTENT_DIR
from finetune_guide.tokens import encoding_name_for_model

CATALOG_PATH = CONTENT_DIR / "pricing" / "catalog.toml"

Provider = Literal["openai", "azure"]
Status = Literal["verified", "third_party", "unverified", "example", "derived"]
PROVIDERS: tuple[Provider, ...] = ("openai", "azure")
STATUSES: tuple[Status, ...] = ("verified", "third_party", "unverified", "example", "derived")
METHODS: tuple[str, ...] = ("sft", "dpo", "vision", "rft", "completions")
# The Dataset studio names methods the way the jobs API does; the catalog uses the short names.
_ANALYSIS_METHODS: Mapping[str, str] = {
    "sft": "supervised",
    "vision": "supervised",
    "completions": "supervised",
    "dpo": "dpo",
    "rft": "reinforcement",
}
# OpenAI has one training tier; it is stored as "standard" so every model reads the same way.
TIERS: tuple[str, ...] = ("standard", "global", "developer")
DEPLOYMENT_TYPES: tuple[str, ...] = ("standard", "global_standard", "developer")
TOKEN_KINDS: tuple[str, ...] = ("input", "cached_input", "output")

# Per-example training limits for snapshots the catalog does not list, by tokenizer family: the o200k
# models (gpt-4o and later) train on 65,536 tokens per example, the cl100k chat models on 16,385.
FALLBACK_MAX_TOKENS_PER_EXAMPLE: Mapping[str, int] = {"o200k_base": 65_536, "cl100k_base": 16_385}

T = TypeVar("T")


class CatalogError(ValueError):
    """The catalog file breaks its contract (a figure without a source or date, an unknown key...)."""


class UnknownModelError(LookupError):
    """A model the catalog does not list; `known` names the ones it does."""

    def __init__(self, model: str, provider: str | None, known: tuple[str, ...]) -> None:
        self.model = model
        self.provider = provider
        self.known = known
        where = f" for {provider}" if provider else ""
        super().__init__(f"unknown model {model!r}{where}; known models: {', '.join(known)}")


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Figure(Generic[T]):
    """One fact the app teaches, with the date its source states and how sure we are of it."""

    value: T
    as_of: date
    source: str
    status: Status = "verified"
    note: str = ""

    @property
    def flagged(self) -> bool:
        """True when the figure is not checked against a primary source and the UI must say so."""
        return self.status != "verified"


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """One fine-tunable snapshot at one provider."""

    provider: Provider
    snapshot: str
    aliases: tuple[str, ...]
    methods: Figure[tuple[str, ...]]
    max_tokens_per_example: Figure[int]
    training_tiers: Figure[tuple[str, ...]]
    training_per_1m_usd: Mapping[str, Figure[float]] = field(default_factory=dict)
    training_per_hour_usd: Mapping[str, Figure[float]] = field(default_factory=dict)
    finetuned_per_1m_usd: Mapping[str, Figure[float]] = field(default_factory=dict)
    base_per_1m_usd: Mapping[str, Figure[float]] = field(default_factory=dict)
    deployment_types: Figure[tuple[str, ...]] | None = None
    hosting_per_hour_usd: Mapping[str, Figure[float]] = field(default_factory=dict)
    base_model_retirement: Figure[date] | None = None
    training_retirement: Figure[date] | None = None
    deployment_retirement: Figure[date] | None = None

    @property
    def key(self) -> str:
        """Provider-qualified id, unique in the catalog ("azure:gpt-4.1-2025-04-14")."""
        return f"{self.provider}:{self.snapshot}"

    @property
    def encoding(self) -> str:
        return encoding_name_for_model(self.snapshot)

    @property
    def hourly_training(self) -> bool:
        """RFT is billed per hour of training, everything else per training token."""
        return bool(self.training_per_hour_usd)

    def figures(self) -> dict[str, Figure[Any]]:
        """Every figure of this entry, keyed by its dotted name in the catalog file."""
        found: dict[str, Figure[Any]] = {}
        for name in ("methods", "max_tokens_per_example", "training_tiers", "deployment_types"):
            value = getattr(self, name)
            if value is not None:
                found[name] = value
        for name in (
            "training_per_1m_usd",
            "training_per_hour_usd",
            "finetuned_per_1m_usd",
            "base_per_1m_usd",
            "hosting_per_hour_usd",
        ):
            for sub, figure in getattr(self, name).items():
                found[f"{name}.{sub}"] = figure
        for name in ("base_model_retirement", "training_retirement", "deployment_retirement"):
            value = getattr(self, name)
            if value is not None:
                found[name] = value
        return found


@dataclass(frozen=True, slots=True)
class OpenAIRules:
    new_jobs_until: Figure[date]
    existing_customers_only: Figure[bool]


@dataclass(frozen=True, slots=True)
class AzureRules:
    global_discount_min: Figure[float]
    global_discount_max: Figure[float]
    developer_discount_vs_global: Figure[float]
    rft_cap_per_job_usd: Figure[float]
    inactivity_deletion_days: Figure[int]
    developer_deployment_hours: Figure[int]
    max_tokens_times_epochs: Figure[int]

    @property
    def global_discount_mid(self) -> float:
        return (self.global_discount_min.value + self.global_discount_max.value) / 2


@dataclass(frozen=True, slots=True)
class Catalog:
    sources: Mapping[str, Source]
    models: tuple[ModelEntry, ...]
    openai: OpenAIRules
    azure: AzureRules
    extra_limits: Mapping[str, Figure[int]]

    def for_provider(self, provider: str) -> tuple[ModelEntry, ...]:
        return tuple(entry for entry in self.models if entry.provider == provider)

    def known_models(self, provider: str | None = None) -> tuple[str, ...]:
        return tuple(e.snapshot for e in self.models if provider is None or e.provider == provider)


# --- loading


def _figure(where: str, raw: object, sources: Mapping[str, Source], kind: Callable[[Any], T]) -> Figure[T]:
    if not isinstance(raw, Mapping):
        raise CatalogError(f"{where}: a figure is a table {{ value, as_of, source }}, got {raw!r}")
    unknown = set(raw) - {"value", "as_of", "source", "status", "note"}
    if unknown:
        raise CatalogError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    for required in ("value", "as_of", "source"):
        if required not in raw:
            raise CatalogError(f"{where}: a figure needs {required!r}")
    as_of = raw["as_of"]
    if not isinstance(as_of, date):
        raise CatalogError(f"{where}: as_of must be a date (YYYY-MM-DD), got {as_of!r}")
    source = raw["source"]
    if source not in sources:
        raise CatalogError(f"{where}: source {source!r} is not listed under [sources]")
    status = raw.get("status", "verified")
    if status not in STATUSES or status == "derived":
        raise CatalogError(f"{where}: status must be one of third_party, unverified, example; got {status!r}")
    value = kind(raw["value"])
    if isinstance(value, float) and (not math.isfinite(value) or value < 0):
        raise CatalogError(f"{where}: a price must be a finite number ≥ 0, got {value!r}")
    return Figure(value, as_of, str(source), cast(Status, status), str(raw.get("note", "")))


def _price(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CatalogError(f"a price must be a number, got {value!r}")
    return float(value)


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise CatalogError(f"a count must be a positive whole number, got {value!r}")
    return value


def _date(value: Any) -> date:
    if not isinstance(value, date):
        raise CatalogError(f"expected a date, got {value!r}")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise CatalogError(f"expected true or false, got {value!r}")
    return value


def _names(allowed: tuple[str, ...]) -> Callable[[Any], tuple[str, ...]]:
    def parse(value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not value or not all(v in allowed for v in value):
            raise CatalogError(f"expected a non-empty list drawn from {', '.join(allowed)}, got {value!r}")
        return tuple(value)

    return parse


def _priced(
    where: str, raw: object, sources: Mapping[str, Source], allowed: tuple[str, ...]
) -> dict[str, Figure[float]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise CatalogError(f"{where}: expected a table keyed by {', '.join(allowed)}")
    unknown = set(raw) - set(allowed)
    if unknown:
        raise CatalogError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    return {key: _figure(f"{where}.{key}", value, sources, _price) for key, value in raw.items()}


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


def _model(index: int, raw: Mapping[str, Any], sources: Mapping[str, Source]) -> ModelEntry:
    snapshot = raw.get("snapshot")
    provider = raw.get("provider")
    where = f"models[{index}] ({snapshot})"
    if not isinstance(snapshot, str) or not snapshot:
        raise CatalogError(f"models[{index}]: needs a snapshot name")
    if provider not in PROVIDERS:
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

    def optional(name: str, kind: Callable[[Any], T]) -> Figure[T] | None:
        return _figure(f"{where}.{name}", raw[name], sources, kind) if name in raw else None

    tiers = optional("training_tiers", _names(TIERS))
    if tiers is None:
        # OpenAI trains in one tier; give it the methods' provenance so the figure stays dated and sourced.
        methods_raw = raw["methods"]
        tiers = Figure(("standard",), methods_raw["as_of"], methods_raw["source"])
    entry = ModelEntry(
        provider=cast(Provider, provider),
        snapshot=snapshot,
        aliases=tuple(aliases),
        methods=_figure(f"{where}.methods", raw["methods"], sources, _names(METHODS)),
        max_tokens_per_example=_figure(
            f"{where}.max_tokens_per_example", raw["max_tokens_per_example"], sources, _count
        ),
        training_tiers=tiers,
        training_per_1m_usd=_priced(f"{where}.training_per_1m_usd", raw.get("training_per_1m_usd"), sources, TIERS),
        training_per_hour_usd=_priced(
            f"{where}.training_per_hour_usd", raw.get("training_per_hour_usd"), sources, TIERS
        ),
        finetuned_per_1m_usd=_priced(
            f"{where}.finetuned_per_1m_usd", raw.get("finetuned_per_1m_usd"), sources, TOKEN_KINDS
        ),
        base_per_1m_usd=_priced(f"{where}.base_per_1m_usd", raw.get("base_per_1m_usd"), sources, TOKEN_KINDS),
        deployment_types=optional("deployment_types", _names(DEPLOYMENT_TYPES)),
        hosting_per_hour_usd=_priced(
            f"{where}.hosting_per_hour_usd", raw.get("hosting_per_hour_usd"), sources, DEPLOYMENT_TYPES
        ),
        base_model_retirement=optional("base_model_retirement", _date),
        training_retirement=optional("training_retirement", _date),
        deployment_retirement=optional("deployment_retirement", _date),
    )
    if not entry.training_per_1m_usd and not entry.training_per_hour_usd:
        raise CatalogError(f"{where}: needs a training price (training_per_1m_usd or training_per_hour_usd)")
    for kind in ("input", "output"):
        if kind not in entry.finetuned_per_1m_usd:
            raise CatalogError(f"{where}: needs finetuned_per_1m_usd.{kind}")
    return entry


def parse_catalog(document: Mapping[str, Any]) -> Catalog:
    """Validate a parsed catalog document; raises CatalogError naming the first broken figure."""
    raw_sources = document.get("sources")
    if not isinstance(raw_sources, Mapping) or not raw_sources:
        raise CatalogError("the catalog needs a [sources] table")
    sources: dict[str, Source] = {}
    for source_id, raw in raw_sources.items():
        if not isinstance(raw, Mapping) or not raw.get("title") or not raw.get("url"):
            raise CatalogError(f"sources.{source_id}: needs a title and a url")
        sources[source_id] = Source(source_id, str(raw["title"]), str(raw["url"]))

    def rule(table: str, name: str, kind: Callable[[Any], T]) -> Figure[T]:
        raw_table = document.get(table)
        if not isinstance(raw_table, Mapping) or name not in raw_table:
            raise CatalogError(f"{table}.{name} is missing")
        return _figure(f"{table}.{name}", raw_table[name], sources, kind)

    openai = OpenAIRules(
        rule("openai_rules", "new_jobs_until", _date), rule("openai_rules", "existing_customers_only", _flag)
    )
    azure = AzureRules(
        rule("azure_rules", "global_discount_min", _price),
        rule("azure_rules", "global_discount_max", _price),
        rule("azure_rules", "developer_discount_vs_global", _price),
        rule("azure_rules", "rft_cap_per_job_usd", _price),
        rule("azure_rules", "inactivity_deletion_days", _count),
        rule("azure_rules", "developer_deployment_hours", _count),
        rule("azure_rules", "max_tokens_times_epochs", _count),
    )
    raw_models = document.get("models")
    if not isinstance(raw_models, list) or not raw_models:
        raise CatalogError("the catalog needs at least one [[models]] entry")
    models = tuple(_model(i, raw, sources) for i, raw in enumerate(raw_models))
    keys = [m.key for m in models]
    if len(set(keys)) != len(keys):
        raise CatalogError("a provider lists the same snapshot twice")
    extra: dict[str, Figure[int]] = {}
    for i, raw in enumerate(document.get("limits", [])):
        name = raw.get("model")
        if not isinstance(name, str):
            raise CatalogError(f"limits[{i}]: needs a model name")
        extra[name.lower()] = _figure(f"limits[{i}]", raw.get("max_tokens_per_example"), sources, _count)
    return Catalog(sources, models, openai, azure, extra)


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


# --- lookup


def analysis_method(method: str) -> str:
    """The data check's method name ("supervised", "dpo", "reinforcement") for a catalog method."""
    return _ANALYSIS_METHODS.get(method, "supervised")


def catalog_methods(analysis: str) -> tuple[str, ...]:
    """Catalog methods that a data check's method ("supervised", "dpo", "reinforcement") may mean."""
    return tuple(name for name, check in _ANALYSIS_METHODS.items() if check == analysis) or (analysis,)


def base_model_name(model: str) -> str:
    """The base snapshot behind a model id: strips "ft:" ids and Azure ".ft-<hex>" suffixes, lower-cases."""
    name = model.strip().lower()
    if name.startswith("ft:"):
        # ft:<base>:<org>:<suffix>:<id>
        name = name[3:].split(":", 1)[0]
    if ".ft-" in name:
        name = name.split(".ft-", 1)[0]
    return name


def find_model(catalog: Catalog, model: str, provider: str | None = None) -> ModelEntry | None:
    """The entry for a snapshot, alias or fine-tuned id; OpenAI first when no provider is named."""
    name = base_model_name(model)
    providers = (provider,) if provider else PROVIDERS
    for wanted in providers:
        for entry in catalog.for_provider(wanted):
            if name == entry.snapshot or name in entry.aliases:
                return entry
    return None


def resolve_model(catalog: Catalog, model: str, provider: str | None = None) -> ModelEntry:
    """Like find_model, but an unknown model raises UnknownModelError listing the known ones."""
    entry = find_model(catalog, model, provider)
    if entry is None:
        raise UnknownModelError(model, provider, catalog.known_models(provider))
    return entry


def max_tokens_per_example(model: str, catalog: Catalog | None = None) -> int:
    """Training tokens one example may hold before the rest is cut off, for any model id.

    Unknown snapshots fall back by tokenizer family: 65,536 for o200k models, 16,385 for gpt-3.5-turbo.
    """
    book = catalog or load_catalog()
    entry = find_model(book, model)
    if entry is not None:
        return entry.max_tokens_per_example.value
    name = base_model_name(model)
    if name in book.extra_limits:
        return book.extra_limits[name].value
    return FALLBACK_MAX_TOKENS_PER_EXAMPLE.get(encoding_name_for_model(name), 65_536)


# --- derived figures


def training_price(catalog: Catalog, entry: ModelEntry, tier: str = "standard") -> Figure[float] | None:
    """The training rate for a tier (per 1M tokens, or per hour for RFT), derived when the source lacks it.

    Azure states Global as 10–30% below regional Standard (the midpoint is used) and Developer as 50%
    off Global; a derived figure keeps the date of the figure it comes from and says how it was made.
    """
    prices = entry.training_per_hour_usd or entry.training_per_1m_usd
    if tier not in entry.training_tiers.value:
        return None
    if tier in prices:
        return prices[tier]
    rules = catalog.azure
    mid = rules.global_discount_mid
    if tier == "global" and "standard" in prices:
        base = prices["standard"]
        return _derived(base, base.value * (1 - mid), f"Standard − {mid:.0%} (Azure: Global is 10–30% below Standard)")
    if tier == "standard" and "global" in prices:
        base = prices["global"]
        return _derived(
            base, base.value / (1 - mid), f"Global ÷ (1 − {mid:.0%}) (Azure: Global is 10–30% below Standard)"
        )
    if tier == "developer":
        global_price = training_price(catalog, entry, "global")
        if global_price is None:
            return None
        off = rules.developer_discount_vs_global.value
        return _derived(
            global_price,
            global_price.value * (1 - off),
            f"Global − {off:.0%} (Azure: Developer is 50% off Global)",
        )
    return None


def _derived(base: Figure[float], value: float, how: str) -> Figure[float]:
    return replace(base, value=value, status="derived", note=how)


def hosting_price(entry: ModelEntry, deployment_type: str) -> Figure[float] | None:
    """Hourly hosting fee of a deployment type (Azure only; OpenAI has no hosting fee)."""
    return entry.hosting_per_hour_usd.get(deployment_type)


def default_deployment_type(tier: str) -> str:
    """The deployment type that matches a training tier, for a first estimate."""
    return {"standard": "standard", "global": "global_standard", "developer": "developer"}.get(tier, "standard")


# --- availability

AvailabilityState = Literal["open", "existing_customers_only", "closed"]


@dataclass(frozen=True, slots=True)
class Availability:
    """Whether a new fine-tuning job can start on `on`, and the dates that bound it."""

    state: AvailabilityState
    new_jobs_until: date | None
    base_model_retirement: date | None
    deployment_retirement: date | None
    flagged: bool

    def summary(self, provider: str) -> str:
        """One English line for the CLI and exports; the app builds its own translated line."""
        label = "OpenAI" if provider == "openai" else "Azure OpenAI"
        parts: list[str]
        if self.state == "closed":
            parts = [f"{label}: no new fine-tuning jobs"]
        elif self.state == "existing_customers_only":
            until = f", until {self.new_jobs_until.isoformat()}" if self.new_jobs_until else ""
            parts = [f"{label}: existing customers only{until}"]
        else:
            until = f" (training until at least {self.new_jobs_until.isoformat()})" if self.new_jobs_until else ""
            parts = [f"{label}: available{until}"]
        if self.base_model_retirement:
            parts.append(f"base model retires {self.base_model_retirement.isoformat()}")
        if self.deployment_retirement:
            parts.append(f"deployments until at least {self.deployment_retirement.isoformat()}")
        return "; ".join(parts)


def availability(catalog: Catalog, entry: ModelEntry, on: date) -> Availability:
    """Availability of new training jobs on a given day."""
    if entry.provider == "openai":
        until_fig = catalog.openai.new_jobs_until
        retirement = entry.base_model_retirement
        ends = [until_fig.value] + ([retirement.value] if retirement else [])
        state: AvailabilityState = "closed" if on >= min(ends) else "existing_customers_only"
        return Availability(
            state,
            min(ends),
            retirement.value if retirement else None,
            retirement.value if retirement else None,
            until_fig.flagged or bool(retirement and retirement.flagged),
        )
    training = entry.training_retirement
    deployment = entry.deployment_retirement
    closed = training is not None and on >= training.value
    return Availability(
        "closed" if closed else "open",
        training.value if training else None,
        None,
        deployment.value if deployment else None,
        bool((training and training.flagged) or (deployment and deployment.flagged)),
    )
