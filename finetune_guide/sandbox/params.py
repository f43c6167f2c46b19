"""The checks a job-creation or list request gets before it reaches the sandbox's state."""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from typing import Any, Literal, cast

from finetune_guide.sandbox.errors import bad_request
from finetune_guide.sandbox.simulation import Dialect

Method = Literal["supervised", "dpo", "reinforcement"]
MAX_SUFFIX_CHARS = 64
MAX_SEED = 2_147_483_647


def required_str(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"Missing required parameter: {name!r}.", param=name, code="missing_required_parameter")
    return value.strip()


def job_method(body: Mapping[str, Any]) -> tuple[Method, dict[str, Any]]:
    """The method type and its hyperparameters; the deprecated top-level `hyperparameters` still counts."""
    legacy = body.get("hyperparameters")
    method = body.get("method")
    kind: str = "supervised"
    hyperparameters: Any = legacy if isinstance(legacy, Mapping) else {}
    if method is not None:
        if not isinstance(method, Mapping) or method.get("type") not in {
            "supervised",
            "dpo",
            "reinforcement",
        }:
            raise bad_request("method.type must be 'supervised', 'dpo' or 'reinforcement'.", param="method.type")
        kind = str(method["type"])
        details = method.get(kind)
        if isinstance(details, Mapping) and isinstance(details.get("hyperparameters"), Mapping):
            hyperparameters = details["hyperparameters"]
    checked = _hyperparameters(hyperparameters)
    return cast(Method, kind), checked


_HYPERPARAMETER_RANGES: dict[str, tuple[float, float, bool]] = {
    # name: (lowest, highest, whole numbers only), as the API reference bounds them
    "n_epochs": (1, 50, True),
    "batch_size": (1, 256, True),
    "learning_rate_multiplier": (1e-9, 10, False),
    "beta": (1e-9, 2, False),
}


def _hyperparameters(given: Mapping[str, Any]) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    for name, value in given.items():
        if name not in _HYPERPARAMETER_RANGES or value is None or value == "auto":
            continue
        low, high, whole = _HYPERPARAMETER_RANGES[name]
        number_ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not number_ok or (whole and float(value) != int(value)) or not low <= float(value) <= high:
            shown = f"{low:g}" if low >= 1 else "more than 0"
            raise bad_request(
                f"hyperparameters.{name} must be 'auto' or a {'whole ' if whole else ''}number from {shown} "
                f"to {high:g}; got {value!r}.",
                param=f"hyperparameters.{name}",
                code="invalid_hyperparameter",
            )
        checked[name] = int(value) if whole else float(value)
    return checked


def resolved_int(value: Any, default: int) -> int:
    return int(value) if isinstance(value, int | float) else default


def resolved_float(value: Any, default: float) -> float:
    return float(value) if isinstance(value, int | float) else default


def job_suffix(value: Any, dialect: Dialect) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or len(value) > MAX_SUFFIX_CHARS:
        raise bad_request(
            f"suffix must be text of at most {MAX_SUFFIX_CHARS} characters.",
            param="suffix",
            code="invalid_suffix",
        )
    allowed = set(string.ascii_letters + string.digits + "-_")
    if dialect == "openai":
        allowed.add(".")
    if any(char not in allowed for char in value):
        raise bad_request(
            "suffix may contain only letters, digits, '-' and '_'.", param="suffix", code="invalid_suffix"
        )
    return value


def job_seed(value: Any) -> int:
    if value is None:
        return secrets.randbelow(MAX_SEED)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_SEED:
        raise bad_request(f"seed must be a whole number from 0 to {MAX_SEED}.", param="seed", code="invalid_seed")
    return value


def job_metadata(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if (
        not isinstance(value, Mapping)
        or len(value) > 16
        or any(
            not isinstance(k, str) or not isinstance(v, str) or len(k) > 64 or len(v) > 512 for k, v in value.items()
        )
    ):
        raise bad_request(
            "metadata must map at most 16 keys (up to 64 characters) to text values (up to 512 characters).",
            param="metadata",
            code="invalid_metadata",
        )
    return dict(value)


def cursor_page(
    items: list[dict[str, Any]], *, after: str | None, limit: int, with_ids: bool = False
) -> dict[str, Any]:
    start = 0
    if after:
        ids = [item["id"] for item in items]
        start = ids.index(after) + 1 if after in ids else len(items)
    page = items[start : start + limit]
    result: dict[str, Any] = {"object": "list", "data": page, "has_more": start + limit < len(items)}
    if with_ids:
        result["first_id"] = page[0]["id"] if page else None
        result["last_id"] = page[-1]["id"] if page else None
    return result


def max_tokens(body: Mapping[str, Any]) -> int | None:
    """The reply budget of a chat request (`max_completion_tokens`, or the older `max_tokens`)."""
    name = "max_completion_tokens" if body.get("max_completion_tokens") is not None else "max_tokens"
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise bad_request(f"{name} must be a whole number of at least 1; got {value!r}.", param=name)
    return value
