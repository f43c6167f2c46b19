"""What can be asked of a provider, which actions a job's status allows, and when a retry is safe."""

from __future__ import annotations

from typing import Literal

from finetune_guide.jobs.problems import Problem
from finetune_guide.providers import ProviderKind

Action = Literal[
    "test_connection",
    "upload_file",
    "create_job",
    "list_jobs",
    "retrieve_job",
    "list_events",
    "list_checkpoints",
    "download_results",
    "list_models",
    "cancel_job",
    "pause_job",
    "resume_job",
]

READ_ACTIONS = frozenset(
    {
        "test_connection",
        "list_jobs",
        "retrieve_job",
        "list_events",
        "list_checkpoints",
        "download_results",
        "list_models",
    }
)

# These start paid work or store data; a retry after an unclear failure could do it twice.
CREATING_ACTIONS = frozenset({"create_job", "upload_file"})

_TRANSIENT = frozenset({"rate_limited", "server_error", "timeout", "connection"})


def sdk_max_retries(action: Action, default: int = 2) -> int:
    """Retries to let the SDK make on its own: none for a create, whose outcome a retry could duplicate."""
    return 0 if action in CREATING_ACTIONS else default


def may_retry(action: Action, problem: Problem) -> bool:
    """Whether trying `action` again is safe: reads on transient faults; writes only if the server refused
    before doing anything (429); never a create after a fault that might have come after the job started."""
    if problem.kind not in _TRANSIENT:
        return False
    if action in READ_ACTIONS:
        return True
    return problem.kind == "rate_limited" and action not in CREATING_ACTIONS


def outcome_unknown(action: Action, problem: Problem) -> bool:
    """True when a create failed in a way that leaves open whether the job exists (look before retrying)."""
    return action in CREATING_ACTIONS and problem.kind in {"timeout", "connection", "server_error"}


_ACTIONS_BY_STATUS: dict[str, tuple[Action, ...]] = {
    "validating_files": ("cancel_job",),
    "queued": ("cancel_job",),
    "running": ("pause_job", "cancel_job"),
    "paused": ("resume_job", "cancel_job"),
}


def allowed_actions(status: str, provider: ProviderKind) -> tuple[Action, ...]:
    """What a job in this status can be asked to do; the Local lab cannot pause a training process."""
    offered = _ACTIONS_BY_STATUS.get(status, ())
    if provider == "local":
        return tuple(action for action in offered if action not in {"pause_job", "resume_job"})
    return offered
