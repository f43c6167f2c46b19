"""The sandbox tenant's jobs: create (checking the request and its files), read, list, cancel, pause, resume."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from finetune_guide.costs import default_epochs
from finetune_guide.sandbox import params, replies
from finetune_guide.sandbox.checks import FileCheck, check_file, file_error
from finetune_guide.sandbox.errors import bad_request, not_found
from finetune_guide.sandbox.lifecycle import TERMINAL, add_event, advance, progress
from finetune_guide.sandbox.models import examples_of
from finetune_guide.sandbox.params import Method
from finetune_guide.sandbox.records import Job, StoredFile
from finetune_guide.sandbox.simulation import (
    BASE_MODEL_IDS,
    BASE_MODELS,
    MODEL_ALIASES,
    PACINGS,
    Curve,
    Dialect,
    auto_batch_size,
    auto_learning_rate_multiplier,
    new_id,
    root_model,
)
from finetune_guide.sandbox.state import TenantState
from finetune_guide.sandbox.views import job_json

MAX_JOBS = 200
DEFAULT_DPO_BETA = 0.1


@dataclass(frozen=True, slots=True)
class _Request:
    """A job request that passed every check but the file check."""

    model: str
    method: Method
    method_hp: Mapping[str, Any]
    training_file: StoredFile
    validation_file: StoredFile | None
    suffix: str
    seed: int
    metadata: dict[str, str] | None
    training_type: str | None


def create_job(state: TenantState, body: Mapping[str, Any], *, dialect: Dialect) -> dict[str, Any]:
    with state.lock:
        request = _parse(state, body, dialect)
    # Validation reads the whole file; other requests of this tenant need not wait for it.
    training, check_error = _check_files(state, request)
    with state.lock:
        now = state.now()
        job = _new_job(state, request, training, check_error=check_error, dialect=dialect, now=now)
        state.jobs[job.id] = job
        add_event(job, now, f"Created fine-tuning job: {job.id} (sandbox: a simulation, no model is trained)")
        add_event(job, now, f"Validating training file: {request.training_file.id}")
        if request.validation_file is not None:
            add_event(job, now, f"Validating validation file: {request.validation_file.id}")
        advance(state, job, now)
        return job_json(job, now)


def _parse(state: TenantState, body: Mapping[str, Any], dialect: Dialect) -> _Request:
    if len(state.jobs) >= MAX_JOBS:
        raise bad_request(f"The sandbox keeps at most {MAX_JOBS} jobs per user.", code="too_many_jobs")
    model = params.required_str(body, "model")
    base = _tunable_model(state, model)
    method, method_hp = params.job_method(body)
    _check_method(model, base, method)
    training_file = _job_file(state, body, "training_file")
    validation_file = _job_file(state, body, "validation_file") if body.get("validation_file") else None
    return _Request(
        model=model,
        method=method,
        method_hp=method_hp,
        training_file=training_file,
        validation_file=validation_file,
        suffix=params.job_suffix(body.get("suffix"), dialect),
        seed=params.job_seed(body.get("seed")),
        metadata=params.job_metadata(body.get("metadata")),
        training_type=body.get("trainingType") if isinstance(body.get("trainingType"), str) else None,
    )


def _check_files(state: TenantState, request: _Request) -> tuple[FileCheck, dict[str, Any] | None]:
    """The training file's check, and the error the job fails with (the validation file is read only if needed)."""
    model = root_model(request.model)
    training = _checked(state, request.training_file, model, request.method)
    if training.error_count:
        return training, file_error("training_file", request.training_file.id, training)
    if request.validation_file is not None:
        validation = _checked(state, request.validation_file, model, request.method, role="validation")
        if validation.error_count:
            return training, file_error("validation_file", request.validation_file.id, validation)
    return training, None


def _checked(
    state: TenantState, stored: StoredFile, model: str, method: str, role: Literal["train", "validation"] = "train"
) -> FileCheck:
    key = (stored.id, model, method, role)
    found = state.checks.get(key)
    if found is None:
        found = check_file(stored.data, model=model, method=method, role=role)
        state.checks[key] = found
    return found


def _new_job(
    state: TenantState,
    request: _Request,
    training: FileCheck,
    *,
    check_error: dict[str, Any] | None,
    dialect: Dialect,
    now: float,
) -> Job:
    hp = request.method_hp
    examples = max(1, training.examples)
    n_epochs = params.resolved_int(hp.get("n_epochs"), default_epochs(examples))
    batch_size = params.resolved_int(hp.get("batch_size"), auto_batch_size(examples))
    lr = params.resolved_float(hp.get("learning_rate_multiplier"), auto_learning_rate_multiplier(batch_size))
    beta = params.resolved_float(hp.get("beta"), DEFAULT_DPO_BETA) if request.method == "dpo" else None
    steps_per_epoch = max(1, math.ceil(examples / batch_size))
    job_id = new_id("job", dialect)
    inherited = examples_of(state, request.model)
    return Job(
        id=job_id,
        dialect=dialect,
        model=request.model,
        created_at=now,
        training_file=request.training_file.id,
        validation_file=request.validation_file.id if request.validation_file else None,
        suffix=request.suffix,
        seed=request.seed,
        method=request.method,
        requested=dict(hp),
        metadata=request.metadata,
        training_type=request.training_type,
        pacing=PACINGS[state.speed],
        slow_queue=state.scenario == "slow_queue",
        fail_mid_training=state.scenario == "fail_mid_training",
        check_error=check_error,
        examples=inherited + replies.examples_from_jsonl(request.training_file.data),
        n_epochs=n_epochs,
        batch_size=batch_size,
        learning_rate_multiplier=lr,
        beta=beta,
        steps_per_epoch=steps_per_epoch,
        total_steps=steps_per_epoch * n_epochs,
        billed_tokens=training.billed_tokens_per_epoch * n_epochs,
        curve=Curve.for_seed(request.seed),
        phase_started_at=now,
    )


def retrieve_job(state: TenantState, job_id: str) -> dict[str, Any]:
    with state.lock:
        job = find_job(state, job_id)
        now = state.now()
        advance(state, job, now)
        return job_json(job, now)


def list_jobs(
    state: TenantState, *, after: str | None = None, limit: int = 20, metadata: Mapping[str, str] | None = None
) -> dict[str, Any]:
    with state.lock:
        now = state.now()
        jobs = list(reversed(state.jobs.values()))
        for job in jobs:
            advance(state, job, now)
        if metadata:
            jobs = [j for j in jobs if all((j.metadata or {}).get(k) == v for k, v in metadata.items())]
        return params.cursor_page([job_json(j, now) for j in jobs], after=after, limit=limit)


def cancel_job(state: TenantState, job_id: str) -> dict[str, Any]:
    with state.lock:
        job, now = find_job(state, job_id), state.now()
        advance(state, job, now)
        if job.status in TERMINAL:
            raise bad_request(
                f"Job {job_id} has already {job.status}; only an unfinished job can be cancelled.",
                code="job_already_finished",
            )
        if job.status == "running":
            job.progress_at_phase_start = progress(job, now)
        job.status = "cancelled"
        job.finished_at = int(now)
        add_event(job, now, "Fine-tuning job cancelled")
        return job_json(job, now)


def pause_job(state: TenantState, job_id: str) -> dict[str, Any]:
    with state.lock:
        job, now = find_job(state, job_id), state.now()
        advance(state, job, now)
        if job.status != "running":
            raise bad_request(
                f"Only a running job can be paused; job {job_id} is {job.status}.",
                code="invalid_job_state",
            )
        job.progress_at_phase_start = progress(job, now)
        job.status = "paused"
        job.phase_started_at = now
        add_event(job, now, f"Fine-tuning job paused at step {int(job.progress_at_phase_start)}")
        return job_json(job, now)


def resume_job(state: TenantState, job_id: str) -> dict[str, Any]:
    with state.lock:
        job, now = find_job(state, job_id), state.now()
        advance(state, job, now)
        if job.status != "paused":
            raise bad_request(
                f"Only a paused job can be resumed; job {job_id} is {job.status}.",
                code="invalid_job_state",
            )
        job.status = "queued"
        job.phase_started_at = now
        job.queue_s = job.pacing.requeue_s
        add_event(job, now, "Fine-tuning job resumed; waiting for a machine")
        advance(state, job, now)
        return job_json(job, now)


def list_events(state: TenantState, job_id: str, *, after: str | None = None, limit: int = 20) -> dict[str, Any]:
    with state.lock:
        job = find_job(state, job_id)
        advance(state, job, state.now())
        events = [event.to_json() for event in reversed(job.events)]
        return params.cursor_page(events, after=after, limit=limit)


def list_checkpoints(state: TenantState, job_id: str, *, after: str | None = None, limit: int = 10) -> dict[str, Any]:
    with state.lock:
        job = find_job(state, job_id)
        advance(state, job, state.now())
        checkpoints = [c.to_json() for c in reversed(job.checkpoints)]
        return params.cursor_page(checkpoints, after=after, limit=limit, with_ids=True)


def find_job(state: TenantState, job_id: str) -> Job:
    found = state.jobs.get(job_id)
    if found is None:
        raise not_found(f"No such fine-tuning job: {job_id}.", code="job_not_found", param="fine_tuning_job_id")
    return found


def _job_file(state: TenantState, body: Mapping[str, Any], param: str) -> StoredFile:
    file_id = params.required_str(body, param)
    found = state.files.get(file_id)
    if found is None:
        raise bad_request(
            f"File {file_id} was not found. Upload it first (purpose 'fine-tune') and use the id it returns.",
            param=param,
            code="invalid_file",
        )
    if found.purpose != "fine-tune":
        raise bad_request(
            f"File {file_id} has purpose {found.purpose!r}; fine-tuning needs a file uploaded with "
            "purpose 'fine-tune'.",
            param=param,
            code="invalid_file_purpose",
        )
    return found


def _tunable_model(state: TenantState, model: str) -> str:
    if model in state.models or model in state.checkpoint_models:
        return root_model(model)
    snapshot = MODEL_ALIASES.get(model, model)
    if snapshot in BASE_MODEL_IDS and snapshot not in MODEL_ALIASES:
        return snapshot
    raise bad_request(
        f"Model {model} is not available for fine-tuning in the sandbox or does not exist. "
        "Choose one of: " + ", ".join(m.id for m in BASE_MODELS if m.methods) + ", or one of your fine-tuned models.",
        param="model",
        code="model_not_available",
    )


def _check_method(model: str, base: str, method: Method) -> None:
    if method == "reinforcement":
        raise bad_request(
            "Reinforcement fine-tuning needs graders, which the sandbox does not simulate. Use "
            "supervised or DPO fine-tuning here.",
            param="method.type",
            code="unsupported_method",
        )
    methods = next((m.methods for m in BASE_MODELS if m.id == base), ())
    if method not in methods:
        raise bad_request(
            f"Model {model} cannot be fine-tuned with method {method!r}.",
            param="method.type",
            code="unsupported_method",
        )
