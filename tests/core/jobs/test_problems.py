"""jobs.problems: HTTP errors and failed jobs sorted into kinds, secrets redacted."""

from __future__ import annotations

import httpx2
import openai
import pytest

from finetune_guide import jobs
from tests.support.jobs import AZURE_KEY, KEY, status_error


@pytest.mark.parametrize(
    ("status", "cls", "body", "kind"),
    [
        (401, openai.AuthenticationError, {"message": "Incorrect API key"}, "unauthorized"),
        (403, openai.PermissionDeniedError, {"message": "You are not allowed to do that"}, "forbidden"),
        (
            403,
            openai.PermissionDeniedError,
            {
                "message": "Fine-tuning is no longer available to new users.",
                "code": "fine_tuning_not_available",
            },
            "fine_tuning_closed",
        ),
        (404, openai.NotFoundError, {"message": "No such job"}, "not_found"),
        (400, openai.BadRequestError, {"message": "bad"}, "bad_request"),
        (429, openai.RateLimitError, {"message": "slow down"}, "rate_limited"),
        (429, openai.RateLimitError, {"message": "no money", "code": "insufficient_quota"}, "quota"),
        (503, openai.InternalServerError, {"message": "oops"}, "server_error"),
    ],
)
def test_http_errors_are_sorted_into_explainable_kinds(
    status: int, cls: type[openai.APIStatusError], body: dict[str, str], kind: str
) -> None:
    problem = jobs.describe_exception(status_error(status, {"error": body}, cls))
    assert problem.kind == kind
    assert problem.http_status == status
    assert problem.request_id == "req_1"
    assert problem.detail == body["message"]


def test_timeouts_and_dropped_connections_are_their_own_kinds() -> None:
    request = httpx2.Request("GET", "https://api.openai.com/v1/models")
    assert jobs.describe_exception(openai.APITimeoutError(request)).kind == "timeout"
    assert jobs.describe_exception(openai.APIConnectionError(request=request)).kind == "connection"
    assert jobs.describe_exception(RuntimeError("boom")).kind == "unknown"


def test_a_key_in_an_error_message_is_masked() -> None:
    body = {"error": {"message": f"Incorrect API key provided: {KEY}. Also {AZURE_KEY}."}}
    problem = jobs.describe_exception(status_error(401, body, openai.AuthenticationError), secrets=(KEY,))
    assert KEY not in problem.detail and AZURE_KEY not in problem.detail
    assert "sk-…1234" in problem.detail


def test_redaction_spares_azure_ids_that_end_in_hex() -> None:
    text = f"job ftjob-{AZURE_KEY} made gpt-4.1-2025-04-14.ft-{AZURE_KEY}"
    assert jobs.redact(text) == text


@pytest.mark.parametrize(
    ("code", "param", "kind"),
    [
        ("invalid_training_file", "training_file", "bad_file"),
        ("invalid_n_examples", None, "too_few_examples"),
        ("exceeded_quota", None, "quota"),
        ("moderation_failed", None, "safety"),
        ("internal_server_error", None, "server_error"),
        ("something_new", None, "job_failed"),
    ],
)
def test_failed_job_errors_are_explained_by_code(code: str, param: str | None, kind: str) -> None:
    assert jobs.describe_job_error(jobs.JobError(code, "msg", param)).kind == kind
