"""The faults each rehearsal scenario injects into requests, worded like the real service's errors."""

from __future__ import annotations

from finetune_guide.sandbox.api import Operation
from finetune_guide.sandbox.errors import SandboxError
from finetune_guide.sandbox.simulation import Scenario

RETRY_AFTER_S = 2


def rehearsal_error(scenario: Scenario, operation: Operation) -> SandboxError | None:
    """The fault `scenario` injects into this kind of request, if any."""
    if scenario == "refused_403" and operation == "create_job":
        return _refused()
    if scenario == "rate_limited_429" and operation in {"create_job", "chat"}:
        return _rate_limited()
    if scenario == "server_error_500" and operation in {"create_job", "read_job", "change_job", "chat"}:
        return SandboxError(
            500,
            "Simulated server error (sandbox rehearsal): the service failed while handling the request. "
            "Your request was fine; try again in a moment. After a failed job creation, list your jobs "
            "before creating it again, so you never pay for the same job twice.",
            code="server_error",
            error_type="server_error",
        )
    return None


def _refused() -> SandboxError:
    return SandboxError(
        403,
        "Simulated refusal (sandbox rehearsal): this organization can no longer create fine-tuning "
        "jobs. "
        "OpenAI is closing self-serve fine-tuning: since 2026-05-07 organizations that never ran "
        "fine-tuning are refused, and from 2027-01-06 no new jobs are accepted from anyone. "
        "What you can do: fine-tune on Azure OpenAI, where fine-tuning continues; keep practising "
        "in this sandbox; or fine-tune an open-weights model yourself.",
        code="fine_tuning_not_available",
        error_type="invalid_request_error",
    )


def _rate_limited() -> SandboxError:
    return SandboxError(
        429,
        f"Simulated rate limit (sandbox rehearsal): too many requests. Wait {RETRY_AFTER_S} seconds "
        "(the retry-after header says how long) and try again; retrying in a tight loop keeps you "
        "limited.",
        code="rate_limit_exceeded",
        error_type="requests",
        headers={
            "retry-after": str(RETRY_AFTER_S),
            "x-ratelimit-limit-requests": "60",
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-reset-requests": f"{RETRY_AFTER_S}s",
        },
    )
