"""What the check needs to know about the model and method a file is meant for, from the price catalog."""

from __future__ import annotations

from typing import Final

from finetune_guide import catalog
from finetune_guide.tokens import encoding_name_for_model

METHODS: Final = ("supervised", "dpo", "reinforcement")
DEFAULT_MODEL: Final = "gpt-4o-mini-2024-07-18"
LEGACY_MODELS: Final = ("babbage-002", "davinci-002")
# The catalog's method names that let a model take each fine-tuning method.
METHOD_CATALOG_NAMES: Final = {
    "supervised": ("sft", "completions"),
    "dpo": ("dpo",),
    "reinforcement": ("rft",),
}


def max_tokens_per_example(model: str) -> int:
    """The per-example training limit; the calculator's catalog is the one source, with a fallback."""
    try:
        return catalog.max_tokens_per_example(model)
    except Exception:  # a broken catalog file must not stop a data check
        name = model.lower()
        if "3.5-turbo-0613" in name or "35-turbo-0613" in name:
            return 4_096
        return 16_385 if encoding_name_for_model(model) == "cl100k_base" else 65_536


def model_methods(model: str) -> tuple[str, ...] | None:
    """The catalog's methods for a model ("sft", "dpo", "vision", "rft", "completions"), None if unknown."""
    try:
        entry = catalog.find_model(catalog.load_catalog(), model)
    except Exception:  # without a catalog the method checks are skipped
        entry = None
    if entry is None:
        name = model.strip().lower()
        return ("completions",) if name.startswith(LEGACY_MODELS) else None
    return tuple(entry.methods.value)


def known_models() -> tuple[str, ...]:
    """Fine-tunable snapshots the catalog lists, OpenAI first, without repeats."""
    try:
        names = catalog.load_catalog().known_models()
    except Exception:  # without a catalog the default model is still offered
        names = ()
    return tuple(dict.fromkeys((DEFAULT_MODEL, *names)))
