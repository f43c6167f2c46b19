"""The clock drives each job: validating_files → queued → running → succeeded/failed, writing events on the way."""

from __future__ import annotations

import math
from typing import Any

from finetune_guide.sandbox.records import Checkpoint, Event, Job, StoredFile, TunedModel
from finetune_guide.sandbox.simulation import (
    fine_tuned_model_id,
    metrics_event_data,
    metrics_message,
    new_id,
    results_csv,
)
from finetune_guide.sandbox.state import TenantState

MAX_RESULT_ROWS = 5000
TERMINAL = frozenset({"succeeded", "failed", "cancelled"})


def progress(job: Job, now: float) -> float:
    """How many steps the job has trained by `now` (fractional while a step is under way)."""
    if job.status != "running":
        return job.progress_at_phase_start
    if job.step_s <= 0:
        return float(job.total_steps)
    return min(float(job.total_steps), job.progress_at_phase_start + (now - job.phase_started_at) / job.step_s)


def step_time(job: Job, step: int) -> float:
    return job.phase_started_at + max(0.0, step - job.progress_at_phase_start) * job.step_s


def advance_all(state: TenantState, now: float) -> None:
    for job in state.jobs.values():
        advance(state, job, now)


def advance(state: TenantState, job: Job, now: float) -> None:
    """Bring the job to where the clock says it is, writing the events it passed on the way."""
    while True:
        if job.status == "validating_files":
            if not _finish_validation(job, now):
                return
        elif job.status == "queued":
            end = job.phase_started_at + job.queue_s
            if now < end:
                return
            started = "Fine-tuning job started" if job.emitted_step == 0 else "Fine-tuning job running again"
            add_event(job, end, started)
            job.status, job.phase_started_at = "running", end
        elif job.status == "running":
            _advance_training(state, job, now)
            return
        else:
            return


def _finish_validation(job: Job, now: float) -> bool:
    """Move a validated job to the queue (or fail it); False while validation is still under way."""
    end = job.phase_started_at + job.pacing.validate_s
    if now < end:
        return False
    if job.check_error is not None:
        fail(job, end, job.check_error, "Validation failed: " + job.check_error["message"])
        return False
    add_event(job, end, "Files validated, moving job to queued state")
    job.status, job.phase_started_at = "queued", end
    job.queue_s = job.pacing.slow_queue_s if job.slow_queue else job.pacing.queue_s
    if job.slow_queue:
        add_event(
            job,
            end,
            "The queue is busier than usual: 14 jobs are ahead of yours (rehearsal: slow queue). "
            "Queue time is not billed.",
        )
    return True


def _advance_training(state: TenantState, job: Job, now: float) -> None:
    reached = int(progress(job, now) + 1e-9)
    stop = reached
    if job.fail_step is not None and reached >= job.fail_step:
        stop = job.fail_step
    for step in range(job.emitted_step + 1, stop + 1):
        _emit_step(state, job, step)
    job.emitted_step = max(job.emitted_step, stop)
    if job.fail_step is not None and reached >= job.fail_step:
        _fail_mid_training(job, job.fail_step)
        return
    if reached >= job.total_steps:
        _succeed(state, job, step_time(job, job.total_steps))


def _emit_step(state: TenantState, job: Job, step: int) -> None:
    """The metrics event (about one step in a hundred) and, at the end of a late epoch, a checkpoint."""
    validation = job.validation_file is not None
    epoch_end = step % job.steps_per_epoch == 0
    at = step_time(job, step)
    if step % job.metrics_every() == 0 or step in {1, job.total_steps} or epoch_end:
        metrics = job.curve.at(step, job.total_steps, validation=validation, epoch_end=epoch_end)
        add_event(
            job,
            at,
            metrics_message(metrics, job.total_steps),
            kind="metrics",
            data=metrics_event_data(metrics, job.total_steps),
        )
    epoch = step // job.steps_per_epoch
    if epoch_end and epoch > job.n_epochs - 3:
        _checkpoint(state, job, step, at, validation)


def _fail_mid_training(job: Job, fail_step: int) -> None:
    at = step_time(job, fail_step)
    job.progress_at_phase_start = float(fail_step)
    error = {
        "code": "internal_error",
        "message": (
            f"Simulated failure (sandbox rehearsal): training stopped at step {fail_step} of "
            f"{job.total_steps} because of an internal error. A job that fails for a service error "
            "is not billed; start it again."
        ),
        "param": None,
    }
    fail(job, at, error, "The job failed due to an internal error")


def _checkpoint(state: TenantState, job: Job, step: int, at: float, validation: bool) -> None:
    model = fine_tuned_model_id(base_model=job.model, job_id=job.id, suffix=job.suffix, dialect=job.dialect)
    checkpoint = Checkpoint(
        id=new_id("checkpoint", job.dialect),
        created_at=int(at),
        job_id=job.id,
        model=f"{model}:ckpt-step-{step}",
        metrics=job.curve.at(step, job.total_steps, validation=validation, epoch_end=True),
    )
    job.checkpoints.append(checkpoint)
    state.checkpoint_models[checkpoint.model] = job.examples
    add_event(job, at, f"Checkpoint created at step {step}")


def _succeed(state: TenantState, job: Job, at: float) -> None:
    model_id = fine_tuned_model_id(base_model=job.model, job_id=job.id, suffix=job.suffix, dialect=job.dialect)
    results = _results_file(job, at)
    state.files[results.id] = results
    state.models[model_id] = TunedModel(model_id, int(at), job.id, job.examples)
    job.status = "succeeded"
    job.fine_tuned_model = model_id
    job.finished_at = int(at)
    job.trained_tokens = job.billed_tokens
    job.result_files = [results.id]
    job.progress_at_phase_start = float(job.total_steps)
    add_event(job, at, f"New fine-tuned model created: {model_id}")
    add_event(job, at, "The job has successfully completed")


def _results_file(job: Job, at: float) -> StoredFile:
    validation = job.validation_file is not None
    # Every step, as the real file has; a huge job gets an even sample that ends on its last step.
    stride = max(1, math.ceil(job.total_steps / MAX_RESULT_ROWS))
    steps = range(1, job.total_steps + 1) if stride == 1 else [*range(stride, job.total_steps, stride)]
    if steps[-1] != job.total_steps:
        steps = [*steps, job.total_steps]
    rows = [
        job.curve.at(step, job.total_steps, validation=validation, epoch_end=step % job.steps_per_epoch == 0)
        for step in steps
    ]
    name = "results.csv" if job.dialect == "azure" else "step_metrics.csv"
    return StoredFile(new_id("file", job.dialect), name, "fine-tune-results", results_csv(rows, job.dialect), int(at))


def fail(job: Job, at: float, error: dict[str, Any], message: str) -> None:
    job.status = "failed"
    job.error = error
    job.finished_at = int(at)
    add_event(job, at, message, level="error")


def add_event(
    job: Job,
    at: float,
    message: str,
    *,
    level: str = "info",
    kind: str = "message",
    data: dict[str, Any] | None = None,
) -> None:
    job.events.append(Event(new_id("event", job.dialect), int(at), level, message, kind, data))
