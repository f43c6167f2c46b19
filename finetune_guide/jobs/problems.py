"""HTTP errors and failed jobs sorted into problems the page can explain, with every secret redacted."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import openai

from finetune_guide.jobs.views import JobError
from finetune_guide.providers import masked, scrub

ProblemKind = Literal[
    "unauthorized",
    "fine_tuning_closed",
    "forbidden",
    "not_found",
    "bad_request",
    "conflict",
    "rate_limited",
    "quota",
    "server_error",
    "timeout",
    "connection",
    "bad_file",
    "too_few_examples",
    "safety",
    "job_failed",
    "unknown",
]

PROBLEM_KINDS: tuple[str, ...] = ProblemKind.__args__  # type: ignore[attr-defined]

# Words the 2026 refusal uses; a 403 with any of them is the wind-down, not a wrong role.
_CLOSED_CODES = frozenset({"fine_tuning_not_available", "fine_tuning_disabled"})

_CLOSED_HINTS = ("no longer", "new users", "not available", "not eligible", "fine-tuning is", "wind")

# Azure keys are 32 hex digits; the lookarounds spare Azure ids that end in 32 hex (`ftjob-…`, `….ft-…`).
_AZURE_KEY_SHAPE = re.compile(r"(?<![\w\-.])[A-Fa-f0-9]{32}(?![\w\-])")


@dataclass(frozen=True, slots=True)
class Problem:
    """Something went wrong, sorted into a kind the page explains (plain words, a fix) plus the raw facts."""

    kind: ProblemKind
    http_status: int | None = None
    code: str | None = None
    detail: str = ""
    request_id: str | None = None
    param: str | None = None


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every given secret, and anything shaped like an OpenAI or Azure key, masked."""
    return _AZURE_KEY_SHAPE.sub(lambda m: masked(m.group(0)), scrub(text, *secrets))


def _error_body_message(exc: openai.APIError) -> str:
    body = exc.body
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        if isinstance(inner, Mapping) and isinstance(inner.get("message"), str):
            return str(inner["message"])
    return str(exc.message)


def _error_body_field(exc: openai.APIError, name: str) -> str | None:
    """A field of the error body; the SDK unwraps {"error": {...}} but a gateway may not."""
    value = getattr(exc, name, None)
    body = exc.body
    if not value and isinstance(body, Mapping):
        inner = body.get("error", body)
        value = inner.get(name) if isinstance(inner, Mapping) else None
    return str(value) if value else None


def describe_exception(exc: BaseException, secrets: Iterable[str] = ()) -> Problem:
    """Sort an exception from the openai SDK (or the network under it) into a Problem the page can explain."""
    secrets = tuple(secrets)
    if isinstance(exc, openai.APITimeoutError):
        return Problem("timeout", detail=redact(str(exc.message), secrets))
    if isinstance(exc, openai.APIConnectionError):
        return Problem("connection", detail=redact(str(exc.message), secrets))
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        message = redact(_error_body_message(exc), secrets)
        code = _error_body_field(exc, "code")
        kind: ProblemKind
        if status == 401:
            kind = "unauthorized"
        elif status == 403:
            lowered = message.lower()
            closed = code in _CLOSED_CODES or ("fine" in lowered and any(h in lowered for h in _CLOSED_HINTS))
            kind = "fine_tuning_closed" if closed else "forbidden"
        elif status == 404:
            kind = "not_found"
        elif status == 409:
            kind = "conflict"
        elif status in {400, 422}:
            kind = "bad_request"
        elif status == 429:
            kind = "quota" if code == "insufficient_quota" else "rate_limited"
        elif status >= 500:
            kind = "server_error"
        else:
            kind = "unknown"
        # Every field a provider sends back may echo what it received, so each is redacted, not only the message.
        return Problem(
            kind,
            status,
            _redact_optional(code, secrets),
            message,
            _redact_optional(exc.request_id, secrets),
            _redact_optional(_error_body_field(exc, "param"), secrets),
        )
    if isinstance(exc, openai.APIError):
        return Problem("unknown", detail=redact(str(exc.message), secrets))
    if isinstance(exc, TimeoutError):
        return Problem("timeout", detail=redact(str(exc), secrets))
    if isinstance(exc, ConnectionError | OSError):
        return Problem("connection", detail=redact(str(exc), secrets))
    return Problem("unknown", detail=redact(f"{type(exc).__name__}: {exc}", secrets))


def _redact_optional(text: str | None, secrets: tuple[str, ...]) -> str | None:
    return None if text is None else redact(text, secrets)


def describe_job_error(error: JobError) -> Problem:
    """Sort the `error` of a failed job by its code into a kind the page explains."""
    code = error.code.lower()
    kind: ProblemKind
    if error.param in {"training_file", "validation_file"} or "file" in code:
        kind = "bad_file"
    elif "example" in code:
        kind = "too_few_examples"
    elif "quota" in code or "billing" in code:
        kind = "quota"
    elif "moderation" in code or "safety" in code or "policy" in code:
        kind = "safety"
    elif "server" in code or "internal" in code:
        kind = "server_error"
    else:
        kind = "job_failed"
    return Problem(kind, code=error.code or None, detail=error.message, param=error.param)
