"""Shared builders for the catalog, costs and calculator tests: the real catalog, its raw TOML, a fixed day."""

from __future__ import annotations

import tomllib
from datetime import date
from typing import Any

from finetune_guide.catalog import CATALOG_PATH, Catalog, load_catalog

# A day before OpenAI's wind-down (2027-01-06), so OpenAI models still take jobs from existing customers.
NOV_2026 = date(2026, 11, 28)


def book() -> Catalog:
    """The catalog the app ships, as the app loads it (once per process)."""
    return load_catalog()


def raw_catalog() -> dict[str, Any]:
    """A fresh parse of content/pricing/catalog.toml, free to break for a test of the loader."""
    with CATALOG_PATH.open("rb") as handle:
        return tomllib.load(handle)


def figure_tables(node: object, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every inline table that carries a `value`, anywhere in a raw document, with its dotted path."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if "value" in node:
            return [(path, node)]
        for key, child in node.items():
            found += figure_tables(child, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, child in enumerate(node):
            found += figure_tables(child, f"{path}[{i}]")
    return found
