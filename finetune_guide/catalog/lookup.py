"""Finding a model in the catalog by snapshot, alias or fine-tuned id, and its per-example token limit."""

from __future__ import annotations

from collections.abc import Mapping

from finetune_guide.catalog.entries import Catalog, ModelEntry
from finetune_guide.catalog.figures import PROVIDERS
from finetune_guide.catalog.loading import load_catalog
from finetune_guide.tokens import encoding_name_for_model

# The Dataset studio names methods the way the jobs API does; the catalog uses the short names.
_ANALYSIS_METHODS: Mapping[str, str] = {
    "sft": "supervised",
    "vision": "supervised",
    "completions": "supervised",
    "dpo": "dpo",
    "rft": "reinforcement",
}

# Per-example training limits for snapshots the catalog does not list, by tokenizer family: the o200k
# models (gpt-4o and later) train on 65,536 tokens per example, the cl100k chat models on 16,385.
FALLBACK_MAX_TOKENS_PER_EXAMPLE: Mapping[str, int] = {"o200k_base": 65_536, "cl100k_base": 16_385}


class UnknownModelError(LookupError):
    """A model the catalog does not list; `known` names the ones it does."""

    def __init__(self, model: str, provider: str | None, known: tuple[str, ...]) -> None:
        self.model = model
        self.provider = provider
        self.known = known
        where = f" for {provider}" if provider else ""
        super().__init__(f"unknown model {model!r}{where}; known models: {', '.join(known)}")


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
