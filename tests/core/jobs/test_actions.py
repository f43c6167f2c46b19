"""jobs.actions: the retry policy, and which actions each status allows."""

from __future__ import annotations

import typing

import pytest

from finetune_guide import jobs
from finetune_guide.providers import ProviderKind, ProviderSettings


def test_a_create_is_never_retried_by_the_sdk_or_after_an_unclear_fault() -> None:
    assert jobs.sdk_max_retries("create_job") == 0
    assert jobs.sdk_max_retries("upload_file") == 0
    assert jobs.sdk_max_retries("retrieve_job") == 2
    for kind in ("timeout", "connection", "server_error", "rate_limited"):
        assert not jobs.may_retry("create_job", jobs.Problem(kind))  # type: ignore[arg-type]
    assert jobs.outcome_unknown("create_job", jobs.Problem("timeout"))
    assert not jobs.outcome_unknown("create_job", jobs.Problem("bad_request", 400))


def test_reads_are_retried_on_transient_faults_only() -> None:
    assert jobs.may_retry("retrieve_job", jobs.Problem("server_error", 500))
    assert jobs.may_retry("list_events", jobs.Problem("timeout"))
    assert not jobs.may_retry("retrieve_job", jobs.Problem("unauthorized", 401))
    assert jobs.may_retry("cancel_job", jobs.Problem("rate_limited", 429))
    assert not jobs.may_retry("cancel_job", jobs.Problem("timeout"))


# What each status offers a hosted provider; the Local lab offers the same minus pause and resume.
HOSTED_ACTIONS: dict[str, tuple[str, ...]] = {
    "validating_files": ("cancel_job",),
    "queued": ("cancel_job",),
    "running": ("pause_job", "cancel_job"),
    "paused": ("resume_job", "cancel_job"),
    "succeeded": (),
    "failed": (),
    "cancelled": (),
    "something_new": (),
}
LOCAL_ACTIONS: dict[str, tuple[str, ...]] = {
    **HOSTED_ACTIONS,
    "running": ("cancel_job",),
    "paused": ("cancel_job",),
}


def test_the_status_table_covers_every_status_a_job_can_be_in() -> None:
    known = set(jobs.TIMELINE_STATUSES) | jobs.TERMINAL_STATUSES | {"paused"}
    assert known <= set(HOSTED_ACTIONS)


@pytest.mark.parametrize("status", sorted(HOSTED_ACTIONS))
@pytest.mark.parametrize("provider", typing.get_args(ProviderKind))
def test_each_status_allows_its_actions_for_each_provider(status: str, provider: ProviderKind) -> None:
    expected = LOCAL_ACTIONS[status] if provider == "local" else HOSTED_ACTIONS[status]
    assert jobs.allowed_actions(status, provider) == expected


def test_every_allowed_action_is_an_action_with_a_code_sample() -> None:
    for status in HOSTED_ACTIONS:
        for action in jobs.allowed_actions(status, "openai"):
            assert action in typing.get_args(jobs.Action)
            assert jobs.code_for(action, jobs.code_target(ProviderSettings())).python
