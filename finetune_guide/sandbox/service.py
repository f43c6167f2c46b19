"""The sandbox's state machine: one tenant's files, jobs, events, checkpoints and models, run by a clock."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx2

from finetune_guide import datasets
from finetune_guide.costs import default_epochs
from finetune_guide.sandbox import params, replies
from finetune_guide.sandbox.errors import SandboxError, bad_request, not_found
from finetune_guide.sandbox.params import Method
from finetune_guide.sandbox.routes import dispatch
from finetune_guide.sandbox.simulation import (
    BASE_MODEL_IDS,
    BASE_MODELS,
    MODEL_ALIASES,
    PACINGS,
    SCENARIOS,
    SPEEDS,
    Curve,
    Dialect,
    Pacing,
    Scenario,
    Speed,
    StepMetrics,
    auto_batch_size,
    auto_learning_rate_multiplier,
    fine_tuned_model_id,
    metrics_event_data,
    metrics_message,
    new_id,
    random_alnum,
    results_csv,
    root_model,
)

SANDBOX_API_KEY = "sandbox"  # a placeholder, not a secret: the in-process sandbox only checks that a key is sent
ORGANIZATION_ID = "org-sandbox"
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_STORED_BYTES = 100 * 1024 * 1024  # per tenant; the server may hold many
MAX_RESULT_ROWS = 5000
MAX_FILES = 200
MAX_JOBS = 200
RETRY_AFTER_S = 2
TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
# What an upload may be for; "fine-tune-results" and the "*_output" purposes are the service's own.
FILE_PURPOSES = frozenset({"assistants", "batch", "fine-tune", "vision", "user_data"})

Operation = Literal["create_job", "read_job", "change_job", "chat", "files", "models"]

# --- what the dataset studio tells us about a file --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileCheck:
    """The validator's verdict on one file, reduced to what a job needs."""

    error_count: int
    first_error: str  # "Line 3: …" (or a whole-file finding), "" when the file is fine
    examples: int
    billed_tokens_per_epoch: int


def check_file(data: bytes, *, model: str, method: str, role: Literal["train", "validation"] = "train") -> FileCheck:
    """Run the Dataset studio's validator over an uploaded file, as the real service does before training."""
    report = datasets.analyze(data, model=model, method=method, role=role)
    errors = report.errors
    # `issues` keeps a sample per code; `counts` has the exact number of each.
    error_count = sum(n for code, n in report.counts.items() if datasets.severity_of(code) == "error")
    first = ""
    if errors:
        issue = errors[0]
        first = issue.message if issue.line == datasets.FILE_LEVEL_LINE else f"Line {issue.line}: {issue.message}"
        if not first.endswith((".", "!", "?")):
            first += "."
    stats = report.stats
    return FileCheck(
        error_count=max(error_count, len(errors)),
        first_error=first,
        examples=stats.examples if stats else report.examples,
        billed_tokens_per_epoch=stats.billing_tokens_per_epoch if stats else 0,
    )


# --- stored objects ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class _File:
    id: str
    filename: str
    purpose: str
    data: bytes
    created_at: int

    def to_json(self) -> dict[str, Any]:
        return {
            "object": "file",
            "id": self.id,
            "purpose": self.purpose,
            "filename": self.filename,
            "bytes": len(self.data),
            "created_at": self.created_at,
            "expires_at": None,
            "status": "processed",
            "status_details": None,
        }


@dataclass(slots=True)
class _Event:
    id: str
    created_at: int
    level: str
    message: str
    type: str
    data: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "object": "fine_tuning.job.event",
            "id": self.id,
            "created_at": self.created_at,
            "level": self.level,
            "message": self.message,
            "data": self.data,
            "type": self.type,
        }


@dataclass(slots=True)
class _Checkpoint:
    id: str
    created_at: int
    job_id: str
    model: str
    metrics: StepMetrics

    def to_json(self) -> dict[str, Any]:
        metrics = {
            "step": self.metrics.step,
            "train_loss": self.metrics.train_loss,
            "train_mean_token_accuracy": self.metrics.train_mean_token_accuracy,
            "valid_loss": self.metrics.valid_loss,
            "valid_mean_token_accuracy": self.metrics.valid_mean_token_accuracy,
            "full_valid_loss": self.metrics.full_valid_loss,
            "full_valid_mean_token_accuracy": self.metrics.full_valid_mean_token_accuracy,
        }
        return {
            "object": "fine_tuning.job.checkpoint",
            "id": self.id,
            "created_at": self.created_at,
            "fine_tuned_model_checkpoint": self.model,
            "fine_tuning_job_id": self.job_id,
            "metrics": {key: value for key, value in metrics.items() if value is not None},
            "step_number": self.metrics.step,
        }


@dataclass(slots=True)
class _FineTunedModel:
    id: str
    created_at: int
    job_id: str
    examples: tuple[replies.Example, ...]

    def to_json(self) -> dict[str, Any]:
        return {"object": "model", "id": self.id, "created": self.created_at, "owned_by": ORGANIZATION_ID}


@dataclass(slots=True)
class _Job:
    id: str
    dialect: Dialect
    model: str
    created_at: float
    training_file: str
    validation_file: str | None
    suffix: str
    seed: int
    method: Method
    requested: dict[str, Any]
    metadata: dict[str, str] | None
    training_type: str | None
    pacing: Pacing
    slow_queue: bool
    fail_mid_training: bool
    check_error: dict[str, Any] | None
    examples: tuple[replies.Example, ...]
    n_epochs: int
    batch_size: int
    learning_rate_multiplier: float
    beta: float | None
    steps_per_epoch: int
    total_steps: int
    billed_tokens: int
    curve: Curve
    status: str = "validating_files"
    phase_started_at: float = 0.0
    queue_s: float = 0.0
    progress_at_phase_start: float = 0.0
    emitted_step: int = 0
    finished_at: int | None = None
    fine_tuned_model: str | None = None
    trained_tokens: int | None = None
    error: dict[str, Any] | None = None
    result_files: list[str] = field(default_factory=list)
    events: list[_Event] = field(default_factory=list)
    checkpoints: list[_Checkpoint] = field(default_factory=list)

    @property
    def step_s(self) -> float:
        return self.pacing.train_s(self.total_steps) / max(1, self.total_steps)

    @property
    def fail_step(self) -> int | None:
        return max(1, self.total_steps // 2) if self.fail_mid_training else None

    def metrics_every(self) -> int:
        # About a hundred metrics events per job, whatever its length, keeps the event log readable.
        return max(1, math.ceil(self.total_steps / 100))


# --- the service -----------------------------------------------------------------------------------------


class SandboxService:
    """One tenant of the simulated fine-tuning API; thread-safe, and time only moves when the clock does."""

    def __init__(
        self,
        *,
        speed: Speed = "demo",
        clock: Callable[[], float] = time.time,
        scenario: str = "normal",
    ) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self._speed: Speed = _checked_speed(speed)
        self._scenario: Scenario = _checked_scenario(scenario)
        self._files: dict[str, _File] = {}
        self._jobs: dict[str, _Job] = {}
        self._models: dict[str, _FineTunedModel] = {}
        self._checkpoint_models: dict[str, tuple[replies.Example, ...]] = {}
        self._checks: dict[tuple[str, str, str, str], FileCheck] = {}  # files never change, so neither do checks

    # -- settings ------------------------------------------------------------------------------------------

    @property
    def speed(self) -> Speed:
        return self._speed

    @speed.setter
    def speed(self, value: str) -> None:
        self._speed = _checked_speed(value)

    @property
    def scenario(self) -> Scenario:
        return self._scenario

    @scenario.setter
    def scenario(self, value: str) -> None:
        self._scenario = _checked_scenario(value)

    def now(self) -> float:
        return float(self._clock())

    # -- HTTP ----------------------------------------------------------------------------------------------

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        """Answer one HTTP request in either dialect (OpenAI `/v1/…`, Azure `/openai/…`)."""
        return dispatch(self, request)

    def transport(self) -> httpx2.MockTransport:
        """An httpx2 transport handing every request to this service, for `openai.OpenAI(http_client=…)`."""
        return httpx2.MockTransport(self.handle)

    # -- rehearsals ----------------------------------------------------------------------------------------

    def rehearsal_error(self, operation: Operation) -> SandboxError | None:
        """The fault the current scenario injects into this kind of request, if any."""
        scenario = self._scenario
        if scenario == "refused_403" and operation == "create_job":
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
        if scenario == "rate_limited_429" and operation in {"create_job", "chat"}:
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

    # -- files ---------------------------------------------------------------------------------------------

    def upload_file(self, *, filename: str, purpose: str, data: bytes, dialect: Dialect) -> dict[str, Any]:
        if purpose not in FILE_PURPOSES:
            raise bad_request(f"Unknown purpose {purpose!r}; for fine-tuning use purpose 'fine-tune'.", param="purpose")
        if purpose == "fine-tune" and not filename.lower().endswith(".jsonl"):
            raise bad_request(
                "Invalid file format for fine-tuning: the file must be JSON Lines with a .jsonl extension.",
                param="file",
                code="invalid_file_format",
            )
        if len(data) > MAX_FILE_BYTES:
            raise SandboxError(
                413,
                f"The sandbox keeps files up to {MAX_FILE_BYTES // (1024 * 1024)} MB; this one has "
                f"{len(data) / (1024 * 1024):.1f} MB. Use a smaller sample to practise.",
                param="file",
                code="file_too_large",
            )
        with self._lock:
            if len(self._files) >= MAX_FILES:
                raise bad_request(
                    f"The sandbox keeps at most {MAX_FILES} files per user; delete some first.",
                    code="too_many_files",
                )
            if sum(len(f.data) for f in self._files.values()) + len(data) > MAX_STORED_BYTES:
                raise bad_request(
                    f"The sandbox keeps at most {MAX_STORED_BYTES // (1024 * 1024)} MB of files per user; "
                    "delete some first.",
                    code="storage_full",
                )
            stored = _File(new_id("file", dialect), filename, purpose, data, int(self.now()))
            self._files[stored.id] = stored
            return stored.to_json()

    def retrieve_file(self, file_id: str) -> dict[str, Any]:
        with self._lock:
            return self._file(file_id).to_json()

    def file_content(self, file_id: str) -> bytes:
        with self._lock:
            return self._file(file_id).data

    def delete_file(self, file_id: str) -> dict[str, Any]:
        with self._lock:
            self._file(file_id)
            del self._files[file_id]
            return {"object": "file", "id": file_id, "deleted": True}

    def list_files(
        self,
        *,
        purpose: str | None = None,
        after: str | None = None,
        limit: int = 10_000,
        order: str = "desc",
    ) -> dict[str, Any]:
        with self._lock:
            files = [f for f in self._files.values() if purpose is None or f.purpose == purpose]
            if order == "desc":
                files.reverse()
            return params.cursor_page([f.to_json() for f in files], after=after, limit=limit, with_ids=True)

    def _file(self, file_id: str) -> _File:
        found = self._files.get(file_id)
        if found is None:
            raise not_found(f"No such file: {file_id}.", code="file_not_found", param="file_id")
        return found

    # -- jobs ----------------------------------------------------------------------------------------------

    def create_job(self, body: Mapping[str, Any], *, dialect: Dialect) -> dict[str, Any]:
        with self._lock:
            if len(self._jobs) >= MAX_JOBS:
                raise bad_request(f"The sandbox keeps at most {MAX_JOBS} jobs per user.", code="too_many_jobs")
            model = params.required_str(body, "model")
            base = self._tunable_model(model)
            method, method_hp = params.job_method(body)
            self._check_method(model, base, method)
            training_file = self._job_file(body, "training_file")
            validation_file = self._job_file(body, "validation_file") if body.get("validation_file") else None
            suffix = params.job_suffix(body.get("suffix"), dialect)
            seed = params.job_seed(body.get("seed"))
            metadata = params.job_metadata(body.get("metadata"))
            training_type = body.get("trainingType") if isinstance(body.get("trainingType"), str) else None
        # Validation reads the whole file; other requests of this tenant need not wait for it.
        training = self._checked(training_file, root_model(model), method)
        check_error = None
        if training.error_count:
            check_error = file_error("training_file", training_file.id, training)
        if validation_file is not None and check_error is None:
            validation = self._checked(validation_file, root_model(model), method, role="validation")
            if validation.error_count:
                check_error = file_error("validation_file", validation_file.id, validation)
        with self._lock:
            now = self.now()
            examples = max(1, training.examples)
            n_epochs = params.resolved_int(method_hp.get("n_epochs"), default_epochs(examples))
            batch_size = params.resolved_int(method_hp.get("batch_size"), auto_batch_size(examples))
            lr = params.resolved_float(
                method_hp.get("learning_rate_multiplier"), auto_learning_rate_multiplier(batch_size)
            )
            beta = params.resolved_float(method_hp.get("beta"), 0.1) if method == "dpo" else None
            steps_per_epoch = max(1, math.ceil(examples / batch_size))
            job_id = new_id("job", dialect)
            inherited = self._examples_of(model)
            job = _Job(
                id=job_id,
                dialect=dialect,
                model=model,
                created_at=now,
                training_file=training_file.id,
                validation_file=validation_file.id if validation_file else None,
                suffix=suffix,
                seed=seed,
                method=method,
                requested=dict(method_hp),
                metadata=metadata,
                training_type=training_type,
                pacing=PACINGS[self._speed],
                slow_queue=self._scenario == "slow_queue",
                fail_mid_training=self._scenario == "fail_mid_training",
                check_error=check_error,
                examples=inherited + replies.examples_from_jsonl(training_file.data),
                n_epochs=n_epochs,
                batch_size=batch_size,
                learning_rate_multiplier=lr,
                beta=beta,
                steps_per_epoch=steps_per_epoch,
                total_steps=steps_per_epoch * n_epochs,
                billed_tokens=training.billed_tokens_per_epoch * n_epochs,
                curve=Curve.for_seed(seed),
                phase_started_at=now,
            )
            self._jobs[job_id] = job
            self._event(job, now, f"Created fine-tuning job: {job_id} (sandbox: a simulation, no model is trained)")
            self._event(job, now, f"Validating training file: {training_file.id}")
            if validation_file is not None:
                self._event(job, now, f"Validating validation file: {validation_file.id}")
            self._advance(job, now)
            return self._job_json(job, now)

    def _checked(
        self, stored: _File, model: str, method: str, role: Literal["train", "validation"] = "train"
    ) -> FileCheck:
        key = (stored.id, model, method, role)
        found = self._checks.get(key)
        if found is None:
            found = check_file(stored.data, model=model, method=method, role=role)
            self._checks[key] = found
        return found

    def retrieve_job(self, job_id: str) -> dict[str, Any]:
        with self._lock:
            job = self._job(job_id)
            now = self.now()
            self._advance(job, now)
            return self._job_json(job, now)

    def list_jobs(
        self, *, after: str | None = None, limit: int = 20, metadata: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        with self._lock:
            now = self.now()
            jobs = list(reversed(self._jobs.values()))
            for job in jobs:
                self._advance(job, now)
            if metadata:
                jobs = [j for j in jobs if all((j.metadata or {}).get(k) == v for k, v in metadata.items())]
            return params.cursor_page([self._job_json(j, now) for j in jobs], after=after, limit=limit)

    def cancel_job(self, job_id: str) -> dict[str, Any]:
        with self._lock:
            job, now = self._job(job_id), self.now()
            self._advance(job, now)
            if job.status in TERMINAL:
                raise bad_request(
                    f"Job {job_id} has already {job.status}; only an unfinished job can be cancelled.",
                    code="job_already_finished",
                )
            if job.status == "running":
                job.progress_at_phase_start = self._progress(job, now)
            job.status = "cancelled"
            job.finished_at = int(now)
            self._event(job, now, "Fine-tuning job cancelled")
            return self._job_json(job, now)

    def pause_job(self, job_id: str) -> dict[str, Any]:
        with self._lock:
            job, now = self._job(job_id), self.now()
            self._advance(job, now)
            if job.status != "running":
                raise bad_request(
                    f"Only a running job can be paused; job {job_id} is {job.status}.",
                    code="invalid_job_state",
                )
            job.progress_at_phase_start = self._progress(job, now)
            job.status = "paused"
            job.phase_started_at = now
            self._event(job, now, f"Fine-tuning job paused at step {int(job.progress_at_phase_start)}")
            return self._job_json(job, now)

    def resume_job(self, job_id: str) -> dict[str, Any]:
        with self._lock:
            job, now = self._job(job_id), self.now()
            self._advance(job, now)
            if job.status != "paused":
                raise bad_request(
                    f"Only a paused job can be resumed; job {job_id} is {job.status}.",
                    code="invalid_job_state",
                )
            job.status = "queued"
            job.phase_started_at = now
            job.queue_s = job.pacing.requeue_s
            self._event(job, now, "Fine-tuning job resumed; waiting for a machine")
            self._advance(job, now)
            return self._job_json(job, now)

    def list_events(self, job_id: str, *, after: str | None = None, limit: int = 20) -> dict[str, Any]:
        with self._lock:
            job = self._job(job_id)
            self._advance(job, self.now())
            events = [event.to_json() for event in reversed(job.events)]
            return params.cursor_page(events, after=after, limit=limit)

    def list_checkpoints(self, job_id: str, *, after: str | None = None, limit: int = 10) -> dict[str, Any]:
        with self._lock:
            job = self._job(job_id)
            self._advance(job, self.now())
            checkpoints = [c.to_json() for c in reversed(job.checkpoints)]
            return params.cursor_page(checkpoints, after=after, limit=limit, with_ids=True)

    def _job(self, job_id: str) -> _Job:
        found = self._jobs.get(job_id)
        if found is None:
            raise not_found(f"No such fine-tuning job: {job_id}.", code="job_not_found", param="fine_tuning_job_id")
        return found

    def _job_file(self, body: Mapping[str, Any], param: str) -> _File:
        file_id = params.required_str(body, param)
        found = self._files.get(file_id)
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

    def _tunable_model(self, model: str) -> str:
        if model in self._models or model in self._checkpoint_models:
            return root_model(model)
        snapshot = MODEL_ALIASES.get(model, model)
        if snapshot in BASE_MODEL_IDS and snapshot not in MODEL_ALIASES:
            return snapshot
        raise bad_request(
            f"Model {model} is not available for fine-tuning in the sandbox or does not exist. "
            "Choose one of: "
            + ", ".join(m.id for m in BASE_MODELS if m.methods)
            + ", or one of your fine-tuned models.",
            param="model",
            code="model_not_available",
        )

    def _check_method(self, model: str, base: str, method: Method) -> None:
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

    def _examples_of(self, model: str) -> tuple[replies.Example, ...]:
        if model in self._models:
            return self._models[model].examples
        return self._checkpoint_models.get(model, ())

    # -- the clock drives the job ---------------------------------------------------------------------------

    def _progress(self, job: _Job, now: float) -> float:
        if job.status != "running":
            return job.progress_at_phase_start
        if job.step_s <= 0:
            return float(job.total_steps)
        return min(float(job.total_steps), job.progress_at_phase_start + (now - job.phase_started_at) / job.step_s)

    def _step_time(self, job: _Job, step: int) -> float:
        return job.phase_started_at + max(0.0, step - job.progress_at_phase_start) * job.step_s

    def _advance(self, job: _Job, now: float) -> None:
        """Bring the job to where the clock says it is, writing the events it passed on the way."""
        while True:
            if job.status == "validating_files":
                end = job.phase_started_at + job.pacing.validate_s
                if now < end:
                    return
                if job.check_error is not None:
                    self._fail(job, end, job.check_error, "Validation failed: " + job.check_error["message"])
                    return
                self._event(job, end, "Files validated, moving job to queued state")
                job.status, job.phase_started_at = "queued", end
                job.queue_s = job.pacing.slow_queue_s if job.slow_queue else job.pacing.queue_s
                if job.slow_queue:
                    self._event(
                        job,
                        end,
                        "The queue is busier than usual: 14 jobs are ahead of yours (rehearsal: slow queue). "
                        "Queue time is not billed.",
                    )
            elif job.status == "queued":
                end = job.phase_started_at + job.queue_s
                if now < end:
                    return
                started = "Fine-tuning job started" if job.emitted_step == 0 else "Fine-tuning job running again"
                self._event(job, end, started)
                job.status, job.phase_started_at = "running", end
            elif job.status == "running":
                self._advance_training(job, now)
                return
            else:
                return

    def _advance_training(self, job: _Job, now: float) -> None:
        reached = int(self._progress(job, now) + 1e-9)
        stop = reached
        if job.fail_step is not None and reached >= job.fail_step:
            stop = job.fail_step
        validation = job.validation_file is not None
        for step in range(job.emitted_step + 1, stop + 1):
            epoch_end = step % job.steps_per_epoch == 0
            at = self._step_time(job, step)
            if step % job.metrics_every() == 0 or step in {1, job.total_steps} or epoch_end:
                metrics = job.curve.at(step, job.total_steps, validation=validation, epoch_end=epoch_end)
                self._event(
                    job,
                    at,
                    metrics_message(metrics, job.total_steps),
                    kind="metrics",
                    data=metrics_event_data(metrics, job.total_steps),
                )
            epoch = step // job.steps_per_epoch
            if epoch_end and epoch > job.n_epochs - 3:
                self._checkpoint(job, step, at, validation)
        job.emitted_step = max(job.emitted_step, stop)
        if job.fail_step is not None and reached >= job.fail_step:
            at = self._step_time(job, job.fail_step)
            job.progress_at_phase_start = float(job.fail_step)
            error = {
                "code": "internal_error",
                "message": (
                    f"Simulated failure (sandbox rehearsal): training stopped at step {job.fail_step} of "
                    f"{job.total_steps} because of an internal error. A job that fails for a service error "
                    "is not billed; start it again."
                ),
                "param": None,
            }
            self._fail(job, at, error, "The job failed due to an internal error")
            return
        if reached >= job.total_steps:
            self._succeed(job, self._step_time(job, job.total_steps))

    def _checkpoint(self, job: _Job, step: int, at: float, validation: bool) -> None:
        model = fine_tuned_model_id(base_model=job.model, job_id=job.id, suffix=job.suffix, dialect=job.dialect)
        checkpoint = _Checkpoint(
            id=new_id("checkpoint", job.dialect),
            created_at=int(at),
            job_id=job.id,
            model=f"{model}:ckpt-step-{step}",
            metrics=job.curve.at(step, job.total_steps, validation=validation, epoch_end=True),
        )
        job.checkpoints.append(checkpoint)
        self._checkpoint_models[checkpoint.model] = job.examples
        self._event(job, at, f"Checkpoint created at step {step}")

    def _succeed(self, job: _Job, at: float) -> None:
        model_id = fine_tuned_model_id(base_model=job.model, job_id=job.id, suffix=job.suffix, dialect=job.dialect)
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
        results = _File(new_id("file", job.dialect), name, "fine-tune-results", results_csv(rows, job.dialect), int(at))
        self._files[results.id] = results
        self._models[model_id] = _FineTunedModel(model_id, int(at), job.id, job.examples)
        job.status = "succeeded"
        job.fine_tuned_model = model_id
        job.finished_at = int(at)
        job.trained_tokens = job.billed_tokens
        job.result_files = [results.id]
        job.progress_at_phase_start = float(job.total_steps)
        self._event(job, at, f"New fine-tuned model created: {model_id}")
        self._event(job, at, "The job has successfully completed")

    def _fail(self, job: _Job, at: float, error: dict[str, Any], message: str) -> None:
        job.status = "failed"
        job.error = error
        job.finished_at = int(at)
        self._event(job, at, message, level="error")

    def _event(
        self,
        job: _Job,
        at: float,
        message: str,
        *,
        level: str = "info",
        kind: str = "message",
        data: dict[str, Any] | None = None,
    ) -> None:
        job.events.append(_Event(new_id("event", job.dialect), int(at), level, message, kind, data))

    def _estimated_finish(self, job: _Job, now: float) -> int | None:
        train_s = job.pacing.train_s(job.total_steps)
        if job.status == "queued":
            remaining_steps = job.total_steps - job.progress_at_phase_start
            start = job.phase_started_at + job.queue_s
            return math.ceil(start + remaining_steps * job.step_s) if train_s else int(start)
        if job.status == "running":
            return math.ceil(self._step_time(job, job.total_steps))
        return None

    def _job_json(self, job: _Job, now: float) -> dict[str, Any]:
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
            "estimated_finish": self._estimated_finish(job, now),
            "integrations": [],
            "metadata": job.metadata,
            "user_provided_suffix": job.suffix or None,
            "usage_metrics": None,
            "shared_with_openai": False,
        }
        if job.training_type:
            result["trainingType"] = job.training_type
        return result

    # -- models --------------------------------------------------------------------------------------------

    def list_models(self) -> dict[str, Any]:
        with self._lock:
            now = self.now()
            for job in self._jobs.values():
                self._advance(job, now)
            data = [
                {"object": "model", "id": m.id, "created": 1_700_000_000, "owned_by": m.owned_by} for m in BASE_MODELS
            ]
            data.extend(model.to_json() for model in self._models.values())
            return {"object": "list", "data": data}

    def retrieve_model(self, model: str) -> dict[str, Any]:
        with self._lock:
            for job in self._jobs.values():
                self._advance(job, self.now())
            if model in self._models:
                return self._models[model].to_json()
            base = next((m for m in BASE_MODELS if m.id == model), None)
            if base is None:
                raise _model_not_found(model)
            return {"object": "model", "id": base.id, "created": 1_700_000_000, "owned_by": base.owned_by}

    def delete_model(self, model: str) -> dict[str, Any]:
        with self._lock:
            if model in BASE_MODEL_IDS:
                raise SandboxError(
                    403,
                    f"{model} is a base model; only your own fine-tuned models can be deleted.",
                    code="model_not_deletable",
                    param="model",
                )
            if model not in self._models:
                raise _model_not_found(model)
            del self._models[model]
            return {"object": "model", "id": model, "deleted": True}

    # -- chat ----------------------------------------------------------------------------------------------

    def chat_completion(self, body: Mapping[str, Any], *, model: str | None = None) -> dict[str, Any]:
        model = model or params.required_str(body, "model")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise bad_request("messages must be a non-empty list of messages.", param="messages")
        with self._lock:
            for job in self._jobs.values():
                self._advance(job, self.now())
            if model in self._models or model in self._checkpoint_models:
                examples = self._examples_of(model)
                question = replies.last_user_text(messages)
                text = replies.fine_tuned_reply(question, examples)
            elif model in BASE_MODEL_IDS or MODEL_ALIASES.get(model) in BASE_MODEL_IDS:
                text = replies.base_reply(replies.last_user_text(messages), model)
            else:
                raise _model_not_found(model)
            created = int(self.now())
        limit = params.max_tokens(body)
        content, completion_tokens, cut = replies.truncated(text, model, limit)
        prompt = replies.prompt_tokens(messages, model)
        n = body.get("n")
        count = max(1, min(n, 8)) if isinstance(n, int) and not isinstance(n, bool) else 1
        choices: list[dict[str, Any]] = [
            {
                "index": index,
                "message": {"role": "assistant", "content": content, "refusal": None, "annotations": []},
                "logprobs": None,
                "finish_reason": "length" if cut else "stop",
            }
            for index in range(count)
        ]
        return {
            "id": "chatcmpl-" + random_alnum(29),
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": choices,
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion_tokens * len(choices),
                "total_tokens": prompt + completion_tokens * len(choices),
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {
                    "reasoning_tokens": 0,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                },
            },
            "system_fingerprint": "fp_sandbox",
            "service_tier": "default",
        }


# --- request parsing helpers ------------------------------------------------------------------------------


def _checked_speed(value: str) -> Speed:
    if value not in SPEEDS:
        raise ValueError(f"speed must be one of {', '.join(SPEEDS)}, not {value!r}")
    return value


def _checked_scenario(value: str) -> Scenario:
    if value not in SCENARIOS:
        raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}, not {value!r}")
    return value


def _model_not_found(model: str) -> SandboxError:
    return not_found(
        f"The model {model!r} does not exist or you do not have access to it.",
        code="model_not_found",
        param="model",
    )


def file_error(param: str, file_id: str, check: FileCheck) -> dict[str, Any]:
    """The `error` a job gets when one of its files does not pass the check (the lab shares it)."""
    which = "training" if param == "training_file" else "validation"
    more = f" ({check.error_count} in total)" if check.error_count > 1 else ""
    return {
        "code": f"invalid_{param}",
        "message": (
            f"The {which} file {file_id} has format errors{more}. {check.first_error} "
            "Fix the file, upload it again and start a new job."
        ),
        "param": param,
    }
