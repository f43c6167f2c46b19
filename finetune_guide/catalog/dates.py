"""Availability dates: whether a model takes new fine-tuning jobs on a given day, and until when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from finetune_guide.catalog.entries import Catalog, ModelEntry

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
            bound = "until at least" if provider == "azure" else "until"
            until = f", {bound} {self.new_jobs_until.isoformat()}" if self.new_jobs_until else ""
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
    """Availability of new training jobs on a given day (no provider in the catalog still takes new customers)."""
    if entry.provider == "openai":
        return _openai_availability(catalog, entry, on)
    training = entry.training_retirement
    deployment = entry.deployment_retirement
    closed = training is not None and on >= training.value
    # Microsoft's retirement schedule (ms.date 2026-07-07) keeps fine-tuning of every Azure OpenAI model in the
    # catalog (the gpt-4o and gpt-4.1 families, o4-mini) for existing customers only; new subscriptions get gpt-5
    # RFT by invitation and Foundry's open models, which the catalog does not price.
    return Availability(
        "closed" if closed else "existing_customers_only",
        training.value if training else None,
        None,
        deployment.value if deployment else None,
        bool((training and training.flagged) or (deployment and deployment.flagged)),
    )


def _openai_availability(catalog: Catalog, entry: ModelEntry, on: date) -> Availability:
    # OpenAI's wind-down closes every model on one date; a model whose base retires first closes then.
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
