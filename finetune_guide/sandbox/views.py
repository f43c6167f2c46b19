"""A sandbox job as the API's JSON `fine_tuning.job`, with hyperparameters and its estimated finish."""

from __future__ import annotations

import math
from typing import Any

from finetune_guide.sandbox.lifecycle import step_time
from finetune_guide.sandbox.records import ORGANIZATION_ID, Job


def estimated_finish(job: Job, now: float) -> int | None:
    train_s = job.pacing.train_s(job.total_steps)
    if job.status == "queued":
        remaining_steps = job.total_steps - job.progress_at_phase_start
        start = job.phase_started_at + job.queue_s
        return math.ceil(start + remaining_steps * job.step_s) if train_s else int(start)
    if job.status == "running":
        return math.ceil(step_time(job, job.total_steps))
    return None


def _hyperparameters(job: Job) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the job's hyperparameters, its method's): "auto" as requested until validation resolves them."""
    resolved = job.status != "validating_files"
    hyperparameters: dict[str, Any] = {
        "batch_size": job.batch_size if resolved else job.requested.get("batch_size", "auto"),
        "learning_rate_multiplier": (
            job.learning_rate_multiplier if resolved else job.requested.get("learning_rate_multiplier", "auto")
        ),
        "n_epochs": job.n_epochs if resolved else job.requested.get("n_epochs", "auto"),
    }
    method_hp = dict(hyperparameters)
    if job.method == "dpo":
        method_hp["beta"] = job.beta if resolved else job.requested.get("beta", "auto")
    return hyperparameters, method_hp


def job_json(job: Job, now: float) -> dict[str, Any]:
    hyperparameters, method_hp = _hyperparameters(job)
    result: dict[str, Any] = {
        "object": "fine_tuning.job",
        "id": job.id,
        "model": job.model,
        "created_at": int(job.created_at),
        "finished_at": job.finished_at,
        "fine_tuned_model": job.fine_tuned_model,
        "organization_id": ORGANIZATION_ID,
        "result_files": list(job.result_files),
        "status": job.status,
        "validation_file": job.validation_file,
        "training_file": job.training_file,
        "hyperparameters": hyperparameters,
        "method": {"type": job.method, job.method: {"hyperparameters": method_hp}},
        "trained_tokens": job.trained_tokens,
        "error": job.error,
        "seed": job.seed,
        "estimated_finish": estimated_finish(job, now),
        "integrations": [],
        "metadata": job.metadata,
        "user_provided_suffix": job.suffix or None,
        "usage_metrics": None,
        "shared_with_openai": False,
    }
    if job.training_type:
        result["trainingType"] = job.training_type
    return result
