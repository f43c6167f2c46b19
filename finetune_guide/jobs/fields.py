"""Reading fields from SDK objects or plain dicts, tolerant of missing and odd values."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def read_field(obj: object, name: str, default: Any = None) -> Any:
    """Read a field from an SDK model or a plain dict, so tests and the sandbox can hand either."""
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def int_or_none(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    return None


def float_or_none(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def setting_value(value: object) -> int | float | str | None:
    """A hyperparameter as the API returns it: "auto", a number, or absent."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float | str):
        return value
    return None
