"""Parsing one line as strict JSON (no duplicate keys, NaN or lone surrogates) and showing user values."""

from __future__ import annotations

import json
from typing import Any, Final

_jiter: Any
try:  # jiter (a dependency of openai) parses about twice as fast as json and reports duplicate keys itself.
    import jiter as _jiter
except ImportError:  # pragma: no cover - the standard library path below gives the same results
    _jiter = None


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class _ConstantError(ValueError):
    def __init__(self, constant: str) -> None:
        super().__init__(constant)
        self.constant = constant


def _pairs_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)
    return result


def _reject_constant(name: str) -> Any:
    raise _ConstantError(name)


_STRICT_DECODER: Final = json.JSONDecoder(object_pairs_hook=_pairs_without_duplicates, parse_constant=_reject_constant)


def shown(value: object, limit: int = 60) -> str:
    """A short, single-line rendering of user data for a message."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def json_kind(value: object) -> str:
    """The JSON type name of a parsed value."""
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _has_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, list):
        return any(_has_surrogate(item) for item in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    return False


def parse(line: bytes) -> tuple[object, tuple[str, dict[str, str | int]] | None]:
    """The line's JSON value, or the text id and params of why it cannot be read."""
    if _jiter is not None:
        try:
            return _jiter.from_json(line, allow_inf_nan=False, catch_duplicate_keys=True), None
        except ValueError:
            pass  # the standard library names the problem precisely
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, ("invalid_utf8", {"position": exc.start + 1})
    try:
        value = _STRICT_DECODER.decode(text)
    except _DuplicateKeyError as exc:
        return None, ("duplicate_key", {"key": shown(exc.key)})
    except _ConstantError as exc:
        return None, ("invalid_json_constant", {"constant": exc.constant})
    except RecursionError:
        return None, ("invalid_json_deep", {})
    except json.JSONDecodeError as exc:
        return None, ("invalid_json", {"column": exc.colno})
    except ValueError:  # an integer over Python's digit limit
        return None, ("invalid_json_number", {})
    if _has_surrogate(value):
        return None, ("invalid_utf8_surrogate", {})
    return value, None


def parse_line(line: bytes) -> object | None:
    """One line's JSON value, or None when it is not valid JSON (same rules as the check)."""
    value, problem = parse(line.strip())
    return None if problem else value


def compact_json(value: object) -> str:
    """The compact JSON the token formula counts for structured values."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    except (ValueError, TypeError, RecursionError):
        return ""


def is_json_text(value: object) -> bool:
    """Whether a value is a string holding valid JSON (as tool-call arguments must be)."""
    if not isinstance(value, str):
        return False
    try:
        json.loads(value)
    except (ValueError, RecursionError):
        return False
    return True
