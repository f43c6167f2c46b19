"""Reading one figure of the catalog file: its table shape, its date and source, and its value's kind."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, cast

from finetune_guide.catalog.figures import STATUSES, CatalogError, Figure, Source, Status, T

_FIGURE_FIELDS = {"value", "as_of", "source", "status", "note"}


def parse_figure(where: str, raw: object, sources: Mapping[str, Source], kind: Callable[[Any], T]) -> Figure[T]:
    """A `{ value, as_of, source }` table as a Figure, or CatalogError naming `where` and what is wrong."""
    if not isinstance(raw, Mapping):
        raise CatalogError(f"{where}: a figure is a table {{ value, as_of, source }}, got {raw!r}")
    unknown = set(raw) - _FIGURE_FIELDS
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
    # "derived" is what the app calls a figure it computed; the file may only state figures it sourced.
    if status not in STATUSES or status == "derived":
        raise CatalogError(f"{where}: status must be one of third_party, unverified, example; got {status!r}")
    value = kind(raw["value"])
    if isinstance(value, float) and (not math.isfinite(value) or value < 0):
        raise CatalogError(f"{where}: a price must be a finite number ≥ 0, got {value!r}")
    return Figure(value, as_of, str(source), cast(Status, status), str(raw.get("note", "")))


def price(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CatalogError(f"a price must be a number, got {value!r}")
    return float(value)


def count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise CatalogError(f"a count must be a positive whole number, got {value!r}")
    return value


def day(value: Any) -> date:
    if not isinstance(value, date):
        raise CatalogError(f"expected a date, got {value!r}")
    return value


def flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise CatalogError(f"expected true or false, got {value!r}")
    return value


def names(allowed: tuple[str, ...]) -> Callable[[Any], tuple[str, ...]]:
    """A kind for a non-empty list drawn from `allowed` (methods, tiers, deployment types)."""

    def parse(value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not value or not all(v in allowed for v in value):
            raise CatalogError(f"expected a non-empty list drawn from {', '.join(allowed)}, got {value!r}")
        return tuple(value)

    return parse


def parse_prices(
    where: str, raw: object, sources: Mapping[str, Source], allowed: tuple[str, ...]
) -> dict[str, Figure[float]]:
    """A table of price figures keyed by tier, deployment type or token kind; absent means none."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise CatalogError(f"{where}: expected a table keyed by {', '.join(allowed)}")
    unknown = set(raw) - set(allowed)
    if unknown:
        raise CatalogError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    return {key: parse_figure(f"{where}.{key}", value, sources, price) for key, value in raw.items()}
