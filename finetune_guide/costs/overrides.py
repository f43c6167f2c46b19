"""The user's own prices, written "key=value,key=value" so they travel in a shared link."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from finetune_guide.costs.validation import MAX_PRICE_USD, EstimateInputError, check_amount


def parse_overrides(text: str, allowed: Iterable[str]) -> dict[str, float]:
    """Price overrides written "key=value,key=value" (as in a shared link) → {key: price}.

    Raises EstimateInputError naming the first malformed part, so nothing is half applied.
    """
    known = set(allowed)
    found: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key, sep, raw = part.partition("=")
        key = key.strip()
        if not sep or not key:
            raise EstimateInputError("override", f"{part!r} is not key=value, e.g. training=2.5")
        if key not in known:
            raise EstimateInputError("override", f"{key!r} is not a price; use one of {', '.join(sorted(known))}")
        try:
            value = float(raw)
        except ValueError:
            raise EstimateInputError("override", f"{key}={raw!r}: {raw!r} is not a number") from None
        found[key] = check_amount(f"override {key}", value, maximum=MAX_PRICE_USD)
    return found


def format_overrides(overrides: Mapping[str, float]) -> str:
    """The inverse of parse_overrides, in a stable order so equal overrides make equal links."""
    return ",".join(f"{key}={value!r}" for key, value in sorted(overrides.items()))
