"""The catalog's records: one fine-tunable model at one provider, each provider's rules, the whole catalog."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from finetune_guide.catalog.figures import Figure, Provider, Source
from finetune_guide.tokens import encoding_name_for_model

# The entry's figure fields, grouped by shape, in the order figures() lists them.
_SINGLE_FIGURES = ("methods", "max_tokens_per_example", "training_tiers", "deployment_types")
_PRICE_TABLES = (
    "training_per_1m_usd",
    "training_per_hour_usd",
    "finetuned_per_1m_usd",
    "base_per_1m_usd",
    "hosting_per_hour_usd",
)
_DATE_FIGURES = ("base_model_retirement", "training_retirement", "deployment_retirement")


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
        for name in _SINGLE_FIGURES:
            value = getattr(self, name)
            if value is not None:
                found[name] = value
        for name in _PRICE_TABLES:
            for sub, figure in getattr(self, name).items():
                found[f"{name}.{sub}"] = figure
        for name in _DATE_FIGURES:
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
