"""The Local lab's API: the hosted fine-tuning REST surface, but each job really trains in a worker process."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

from finetune_guide.lab import jobs as lab_jobs
from finetune_guide.lab import paths, runner
from finetune_guide.lab.estimate import available_memory_gb, estimate_run
from finetune_guide.lab.models import curated_models, find_model
from finetune_guide.lab.spec import (
    ADAPTER_DIR,
    CANCEL_FILE,
    CHECKPOINT_PREFIX,
    PROGRESS_FILE,
    RESULTS_FILE,
    read_progress,
)
from finetune_guide.lab.store import FileRecord, JobRecord, LabStore, write_atomically
from finetune_guide.sandbox import params
from finetune_guide.sandbox.errors import SandboxError, bad_request, not_found
from finetune_guide.sandbox.replies import content_text
from finetune_guide.sandbox.routes import api_key_of, dispatch
from finetune_guide.sandbox.service import FILE_PURPOSES, MAX_FILE_BYTES, check_file, file_error
from finetune_guide.sandbox.simulation import Dialect, new_id, random_alnum

LAB_API_KEY = "local"  # a placeholder, not a secret: the in-process lab only checks that a key is sent
PROVIDER_HEADER = "x-finetune-guide-provider"  # tells the app that a URL is the free local lab, not a paid API
BUILTIN_MODELS = ("tiny", "HuggingFaceTB/SmolLM2-135M-Instruct")
MAX_FILES_PER_OWNER = 200
MAX_JOBS_PER_OWNER = 200
TICK_S = 0.5
_LAB_ROUTE = re.compile(r"/v1/lab/(info|jobs/([^/]+)/(adapter\.zip|merged\.zip|merge|stop))")
MERGED_DIR = "merged"
MERGE_TIMEOUT_S = 900


@dataclass(slots=True)
class _Progress:
    offset: int = 0
    lines: list[dict[str, Any]] = field(default_factory=list)


class LabService:
    """One per machine and lab folder: the store, the queue, the training process and the chat process."""

    def __init__(
        self,
        home: Path | None = None,
        *,
        device: str = "auto",
        threads: int = 0,
        worker_command: Sequence[str] | None = None,
        clock: Callable[[], float] = time.time,
        background: bool = True,
    ) -> None:
        self.home = home or paths.lab_home()
        self.device, self.threads = device, threads
        self._worker_command = tuple(worker_command) if worker_command else None
        self._clock = clock
        self._store = LabStore(self.home / "lab.sqlite")
        self._machine = runner.MachineLock(self.home)
        self._lock = threading.RLock()
        self._process: subprocess.Popen[bytes] | None = None
        self._process_job: str | None = None
        self._progress: dict[str, _Progress] = {}
        self.chat = runner.ChatWorker(threads=threads, command=self._worker_command)
        self._stopping = threading.Event()
        self._ticker: threading.Thread | None = None
        if background:
            self._ticker = threading.Thread(target=self._tick_forever, name="lab-scheduler", daemon=True)
            self._ticker.start()

    def tenant(self, owner: str = LAB_API_KEY) -> LabTenant:
        """The API as one owner sees it; a server files owners under a hash of their key, never the key."""
        return LabTenant(self, owner)

    def close(self) -> None:
        self._stopping.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
        with self._lock:
            # As the end of this process would: a training still running goes on, and the service that takes over
            # follows it (it starts nothing while a job is running).
            self._machine.release()
        self.chat.close()
        self._store.close()

    # -- the queue -----------------------------------------------------------------------------------------

    def _tick_forever(self) -> None:
        while not self._stopping.wait(TICK_S):
            try:
                self.tick()
            except Exception:  # noqa: S112 - the scheduler must outlive one bad tick; the next tick retries
                continue

    def tick(self) -> None:
        """Read progress, settle finished processes, and start the next queued job when the machine is free."""
        with self._lock:
            for job in self._store.jobs(statuses=("running",)):
                self._settle(job)
            # A job left running by a service that was closed or restarted still holds the machine.
            if self._process is None and not self._store.jobs(statuses=("running",)):
                queued = self._store.jobs(statuses=("queued",))
                if queued and self._machine.acquire():
                    self._start(queued[0])

    def queue(self) -> list[JobRecord]:
        return self._store.jobs(statuses=("queued",))

    def _start(self, job: JobRecord) -> None:
        run = self.run_dir(job.id)
        settings = job.request["settings"]
        spec = lab_jobs.LabSettings(**settings).spec(
            model=job.request["model"],
            training_file=str(self._file_path(job.request["training_file"])),
            validation_file=(
                str(self._file_path(job.request["validation_file"])) if job.request.get("validation_file") else None
            ),
            output_dir=str(run),
            seed=int(job.request["seed"]),
            device=self.device,
            threads=self.threads,
        )
        spec.write(run)
        self._process = runner.start_training(run, threads=self.threads, command=self._worker_command)
        self._process_job = job.id
        self._store.update_job(job.id, status="running", started_at=int(self._clock()), pid=self._process.pid)

    def _settle(self, job: JobRecord) -> None:
        lines = self.progress(job.id)
        end = next((line for line in reversed(lines) if line.get("kind") in {"succeeded", "cancelled", "failed"}), None)
        mine = self._process is not None and self._process_job == job.id
        returncode = self._process.poll() if mine and self._process is not None else None
        alive = (returncode is None) if mine else (job.pid is not None and runner.is_alive(job.pid))
        if end is None and alive:
            return
        if mine and alive:
            return  # it wrote its last line and is saving or exiting; settle when it is gone
        if end is None:
            self._finish(
                job,
                "failed",
                error={"code": "worker_crashed", "message": runner.exit_description(returncode), "param": None},
            )
        elif end["kind"] == "succeeded":
            self._succeed(job, end)
        elif end["kind"] == "cancelled":
            self._finish(job, "cancelled")
        else:
            self._finish(
                job,
                "failed",
                error={
                    "code": str(end.get("code") or "internal"),
                    "message": str(end.get("message") or "Training failed."),
                    "param": None,
                },
            )
        if mine:
            self._process, self._process_job = None, None
            self._machine.release()

    def _succeed(self, job: JobRecord, end: Mapping[str, Any]) -> None:
        run = self.run_dir(job.id)
        result_id = None
        results = run / RESULTS_FILE
        if results.exists():
            result_id = new_id("file", "openai")
            self._store.add_file(
                FileRecord(
                    result_id,
                    job.owner,
                    "step_metrics.csv",
                    "fine-tune-results",
                    results.stat().st_size,
                    int(self._clock()),
                    str(results),
                )
            )
        self._finish(
            job,
            "succeeded",
            fine_tuned_model=job.request["model_id"],
            trained_tokens=int(end.get("trained_tokens") or 0),
            result_file=result_id,
        )

    def _finish(self, job: JobRecord, status: str, **changes: Any) -> None:
        self._store.update_job(job.id, status=status, finished_at=int(self._clock()), **changes)

    # -- runs ----------------------------------------------------------------------------------------------

    def run_dir(self, job_id: str) -> Path:
        return paths.runs_dir(self.home) / job_id

    def progress(self, job_id: str) -> list[dict[str, Any]]:
        """Every progress line of a job so far, read incrementally from its run folder."""
        with self._lock:
            seen = self._progress.setdefault(job_id, _Progress())
            new, seen.offset = read_progress(self.run_dir(job_id) / PROGRESS_FILE, start=seen.offset)
            seen.lines.extend(new)
            return list(seen.lines)

    def request_cancel(self, job: JobRecord) -> None:
        (self.run_dir(job.id)).mkdir(parents=True, exist_ok=True)
        (self.run_dir(job.id) / CANCEL_FILE).touch()
        self._store.update_job(job.id, cancel_requested=1)

    def stop_now(self, job: JobRecord) -> None:
        with self._lock:
            if self._process is not None and self._process_job == job.id:
                runner.stop_now(self._process.pid)
                self._process.wait(timeout=30)
                self._process, self._process_job = None, None
                self._machine.release()
            elif job.pid is not None:
                runner.stop_now(job.pid)
            self._finish(job, "cancelled")

    def worker_argv(self) -> tuple[str, ...]:
        return self._worker_command or (sys.executable, "-m", runner.WORKER_MODULE)

    def measured_speed(self, model: str) -> float | None:
        """Tokens per second of the newest finished run of `model` here: the calibration for the next estimate."""
        for job in reversed(self._store.jobs(statuses=("succeeded", "cancelled"))):
            if job.request["model"] != model:
                continue
            last = lab_jobs.latest(self.progress(job.id), "step")
            speed = last.get("tokens_per_s") if last else None
            if isinstance(speed, int | float) and speed > 0:
                return float(speed)
        return None

    def _file_path(self, file_id: str) -> Path:
        return paths.files_dir(self.home) / file_id

    @property
    def store(self) -> LabStore:
        return self._store


class LabTenant:
    """The API of one owner: files, jobs, events, checkpoints, models and chat, as the sandbox speaks it."""

    scenario = "normal"
    speed = "real"

    def __init__(self, lab: LabService, owner: str) -> None:
        self.lab, self.owner = lab, owner

    # -- HTTP ----------------------------------------------------------------------------------------------

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        match = _LAB_ROUTE.fullmatch(request.url.path)
        # The lab's own routes first; everything else is the hosted API, answered exactly as the sandbox does.
        response = self._lab_route(request, match) if match else dispatch(self, request)  # type: ignore[arg-type]
        response.headers[PROVIDER_HEADER] = "local"
        return response

    def transport(self) -> httpx2.MockTransport:
        return httpx2.MockTransport(self.handle)

    def rehearsal_error(self, operation: str) -> SandboxError | None:
        return None  # the lab rehearses nothing: its jobs are real

    def _lab_route(self, request: httpx2.Request, match: re.Match[str]) -> httpx2.Response:
        try:
            if not api_key_of(request):
                raise SandboxError(
                    401,
                    "Send a key (any text) as Authorization: Bearer; it keeps your work apart.",
                    code="invalid_api_key",
                )
            if match.group(1) == "info" and request.method == "GET":
                return httpx2.Response(200, json=self.info())
            job_id, action = match.group(2), match.group(3)
            if action == "stop" and request.method == "POST":
                return httpx2.Response(200, json=self.stop_job(job_id))
            if action == "adapter.zip" and request.method == "GET":
                return httpx2.Response(
                    200, content=self.adapter_zip(job_id), headers={"content-type": "application/zip"}
                )
            if action == "merge" and request.method == "POST":
                return httpx2.Response(200, json=self.merge(job_id))
            if action == "merged.zip" and request.method == "GET":
                folder = self.lab.run_dir(self._job(job_id).id) / MERGED_DIR
                if not (folder / "config.json").is_file():
                    raise not_found(f"Job {job_id} has no merged model yet; merge it first.", code="merged_not_found")
                return httpx2.Response(200, content=_zip(folder), headers={"content-type": "application/zip"})
            raise SandboxError(405, f"{request.method} is not allowed on {request.url.path}.")
        except SandboxError as error:
            return httpx2.Response(error.status, json=error.body())

    def info(self) -> dict[str, Any]:
        self.lab.tick()
        queue = [job.id for job in self.lab.queue()]
        running = [job.id for job in self.lab.store.jobs(statuses=("running",))]
        mine = {job.id for job in self.lab.store.jobs(self.owner)}
        return {
            "object": "lab.info",
            "device": self.lab.device,
            "queue_length": len(queue),
            "running": [job_id for job_id in running if job_id in mine],
            "busy": bool(running),
            "queue": [job_id for job_id in queue if job_id in mine],
        }

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
                f"The lab takes files up to {MAX_FILE_BYTES // (1024 * 1024)} MB.",
                param="file",
                code="file_too_large",
            )
        if len(self.lab.store.files(self.owner)) >= MAX_FILES_PER_OWNER:
            raise bad_request(
                f"The lab keeps at most {MAX_FILES_PER_OWNER} files per user; delete some first.", code="too_many_files"
            )
        file_id = new_id("file", "openai")
        path = paths.files_dir(self.lab.home) / file_id
        write_atomically(path, data)
        record = FileRecord(file_id, self.owner, filename, purpose, len(data), int(time.time()), str(path))
        self.lab.store.add_file(record)
        return _file_json(record)

    def retrieve_file(self, file_id: str) -> dict[str, Any]:
        return _file_json(self._file(file_id))

    def file_content(self, file_id: str) -> bytes:
        return Path(self._file(file_id).path).read_bytes()

    def delete_file(self, file_id: str) -> dict[str, Any]:
        record = self._file(file_id)
        self.lab.store.delete_file(self.owner, file_id)
        if record.purpose != "fine-tune-results":
            Path(record.path).unlink(missing_ok=True)
        return {"object": "file", "id": file_id, "deleted": True}

    def list_files(
        self, *, purpose: str | None = None, after: str | None = None, limit: int = 10_000, order: str = "desc"
    ) -> dict[str, Any]:
        files = [f for f in self.lab.store.files(self.owner) if purpose is None or f.purpose == purpose]
        if order == "desc":
            files.reverse()
        return params.cursor_page([_file_json(f) for f in files], after=after, limit=limit, with_ids=True)

    def _file(self, file_id: str) -> FileRecord:
        found = self.lab.store.file(self.owner, file_id)
        if found is None:
            raise not_found(f"No such file: {file_id}.", code="file_not_found", param="file_id")
        return found

    # -- jobs ----------------------------------------------------------------------------------------------

    def create_job(self, body: Mapping[str, Any], *, dialect: Dialect) -> dict[str, Any]:
        if len(self.lab.store.jobs(self.owner)) >= MAX_JOBS_PER_OWNER:
            raise bad_request(f"The lab keeps at most {MAX_JOBS_PER_OWNER} jobs per user.", code="too_many_jobs")
        model = params.required_str(body, "model")
        base, adapter_parent = self._tunable(model)
        training = self._job_file(body, "training_file")
        validation = self._job_file(body, "validation_file") if body.get("validation_file") else None
        method = (
            "dpo" if isinstance(body.get("method"), Mapping) and body["method"].get("type") == "dpo" else "supervised"
        )
        checked = check_file(Path(training.path).read_bytes(), model="gpt-4o-mini-2024-07-18", method=method)
        settings = lab_jobs.lab_settings(body, examples=checked.examples)
        self._refuse_if_too_big(base, settings, checked.billed_tokens_per_epoch)
        error = file_error("training_file", training.id, checked) if checked.error_count else None
        if validation is not None and error is None:
            checked_validation = check_file(
                Path(validation.path).read_bytes(), model="gpt-4o-mini-2024-07-18", method=method, role="validation"
            )
            if checked_validation.error_count:
                error = file_error("validation_file", validation.id, checked_validation)
        job_id = new_id("job", "openai")
        suffix = params.job_suffix(body.get("suffix"), "openai")
        now = int(time.time())
        request = {
            "model": base,
            "continues": adapter_parent,
            "model_id": f"ft:{base}:local:{suffix}:{job_id.removeprefix('ftjob-')[:8]}",
            "training_file": training.id,
            "validation_file": validation.id if validation else None,
            "suffix": suffix,
            "seed": params.job_seed(body.get("seed")),
            "metadata": params.job_metadata(body.get("metadata")),
            "settings": _settings_dict(settings),
            "examples": checked.examples,
            "tokens_per_epoch": checked.billed_tokens_per_epoch,
            "total_steps": lab_jobs.steps_for(checked.examples, settings),
        }
        self.lab.store.add_job(JobRecord(job_id, self.owner, now, request, "failed" if error else "queued"))
        if error is not None:
            self.lab.store.update_job(job_id, error=error, finished_at=now)
        self.lab.tick()
        return self.retrieve_job(job_id)

    def _refuse_if_too_big(self, model: str, settings: lab_jobs.LabSettings, tokens_per_epoch: int) -> None:
        found = estimate_run(
            find_model(model),
            tokens_per_epoch=tokens_per_epoch,
            epochs=settings.n_epochs,
            device=self.lab.device,
            available_memory_gb=available_memory_gb() if self.lab.device in {"auto", "cpu"} else None,
        )
        if found.fits is False:
            raise SandboxError(
                400,
                f"Not enough memory: training {model} needs about {found.peak_memory_gb:.1f} GB and this computer "
                f"has {found.available_memory_gb:.1f} GB free. Close other programs, or choose a smaller model "
                "(SmolLM2-135M-Instruct needs about 4 GB), a smaller batch size or a shorter max length.",
                param="model",
                code="insufficient_memory",
            )

    def retrieve_job(self, job_id: str) -> dict[str, Any]:
        self.lab.tick()
        return self._job_json(self._job(job_id))

    def list_jobs(
        self, *, after: str | None = None, limit: int = 20, metadata: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        self.lab.tick()
        found = list(reversed(self.lab.store.jobs(self.owner)))
        if metadata:
            found = [
                j for j in found if all((j.request.get("metadata") or {}).get(k) == v for k, v in metadata.items())
            ]
        return params.cursor_page([self._job_json(j) for j in found], after=after, limit=limit)

    def cancel_job(self, job_id: str) -> dict[str, Any]:
        self.lab.tick()
        job = self._job(job_id)
        if job.status in {"succeeded", "failed", "cancelled"}:
            raise bad_request(
                f"Job {job_id} has already {job.status}; only an unfinished job can be cancelled.",
                code="job_already_finished",
            )
        if job.status == "queued":
            self.lab.store.update_job(job_id, status="cancelled", finished_at=int(time.time()))
        else:
            self.lab.request_cancel(job)
        return self.retrieve_job(job_id)

    def stop_job(self, job_id: str) -> dict[str, Any]:
        """Cancel at once: the process is killed, and only checkpoints already saved remain."""
        self.lab.tick()
        job = self._job(job_id)
        if job.status in {"succeeded", "failed", "cancelled"}:
            raise bad_request(f"Job {job_id} has already {job.status}.", code="job_already_finished")
        self.lab.stop_now(job)
        return self.retrieve_job(job_id)

    def pause_job(self, job_id: str) -> dict[str, Any]:
        raise bad_request(
            "The Local lab cannot pause a training run. Cancel it instead: the adapter of the last "
            "step is kept and can be used.",
            code="unsupported_operation",
        )

    resume_job = pause_job

    def list_events(self, job_id: str, *, after: str | None = None, limit: int = 20) -> dict[str, Any]:
        self.lab.tick()
        events = self._events(self._job(job_id))
        return params.cursor_page(list(reversed(events)), after=after, limit=limit)

    def list_checkpoints(self, job_id: str, *, after: str | None = None, limit: int = 10) -> dict[str, Any]:
        self.lab.tick()
        job = self._job(job_id)
        lines = self.lab.progress(job_id)
        checkpoints = []
        run = self.lab.run_dir(job_id)
        for line in (line for line in lines if line.get("kind") == "checkpoint"):
            step = int(line.get("step") or 0)
            if not (run / f"{CHECKPOINT_PREFIX}{step}").is_dir():
                continue  # pruned: only the last few checkpoints are kept
            metrics = _metrics_at(lines, step)
            checkpoints.append(
                {
                    "object": "fine_tuning.job.checkpoint",
                    "id": "ftckpt_" + hashlib.sha256(f"{job_id}:{step}".encode()).hexdigest()[:24],
                    "created_at": int(line.get("time") or job.created_at),
                    "fine_tuned_model_checkpoint": f"{job.request['model_id']}:ckpt-step-{step}",
                    "fine_tuning_job_id": job_id,
                    "metrics": metrics,
                    "step_number": step,
                }
            )
        return params.cursor_page(list(reversed(checkpoints)), after=after, limit=limit, with_ids=True)

    def _job(self, job_id: str) -> JobRecord:
        found = self.lab.store.job(job_id, self.owner)
        if found is None:
            raise not_found(f"No such job: {job_id}.", code="job_not_found", param="fine_tuning_job_id")
        return found

    def _job_file(self, body: Mapping[str, Any], name: str) -> FileRecord:
        file_id = params.required_str(body, name)
        found = self.lab.store.file(self.owner, file_id)
        if found is None:
            raise bad_request(f"No such file: {file_id}. Upload it first.", param=name, code="file_not_found")
        return found

    def _tunable(self, model: str) -> tuple[str, str | None]:
        """(base model, the job whose adapter it continues): the lab trains base models and its own results."""
        if model.startswith("ft:"):
            parent = next((j for j in self.lab.store.jobs(self.owner) if j.request.get("model_id") == model), None)
            if parent is None or parent.status != "succeeded":
                raise _model_not_found(model)
            raise bad_request(
                "Continued fine-tuning of a local model is not supported yet: train the base model "
                "on the combined data.",
                param="model",
                code="unsupported_model",
            )
        if model in self._base_models() or Path(model).is_dir() or re.fullmatch(r"[\w.\-]+/[\w.\-]+", model):
            return model, None
        raise bad_request(
            f"Unknown model {model!r}. Use 'tiny', a Hugging Face model id such as "
            "HuggingFaceTB/SmolLM2-135M-Instruct, or a folder on this computer.",
            param="model",
            code="model_not_available",
        )

    def _events(self, job: JobRecord) -> list[dict[str, Any]]:
        tail = job.id.removeprefix("ftjob-")
        drafts = [
            lab_jobs.EventDraft(
                job.created_at, f"Created fine-tuning job: {job.id} (Local lab: it trains for real on this computer)"
            ),
            lab_jobs.EventDraft(job.created_at, f"Validating training file: {job.request['training_file']}"),
        ]
        if job.error is not None and job.started_at is None:
            drafts.append(lab_jobs.EventDraft(job.created_at, "Validation failed: " + job.error["message"], "error"))
        else:
            drafts.append(lab_jobs.EventDraft(job.created_at, "Files validated, moving job to queued state"))
            drafts.extend(lab_jobs.progress_events(self.lab.progress(job.id), model_id=job.request["model_id"]))
            if job.status == "cancelled" and not lab_jobs.latest(self.lab.progress(job.id), "cancelled"):
                drafts.append(lab_jobs.EventDraft(job.finished_at or job.created_at, "Fine-tuning job cancelled"))
            if job.error is not None and job.error.get("code") == "worker_crashed":
                drafts.append(lab_jobs.EventDraft(job.finished_at or job.created_at, job.error["message"], "error"))
        return [
            {
                "object": "fine_tuning.job.event",
                "id": f"ftevent-{tail}{index:05d}",
                "created_at": d.at,
                "level": d.level,
                "message": d.message,
                "data": d.data or {},
                "type": d.kind,
            }
            for index, d in enumerate(drafts)
        ]

    def _job_json(self, job: JobRecord) -> dict[str, Any]:
        settings = lab_jobs.LabSettings(**job.request["settings"])
        lines = self.lab.progress(job.id)
        step_line = lab_jobs.latest(lines, "step")
        started = lab_jobs.latest(lines, "started")
        total = int((started or {}).get("total_steps") or job.request["total_steps"])
        step = int(step_line.get("step") or 0) if step_line else 0
        estimated_finish = None
        if job.status == "running" and step_line and step:
            elapsed = float(step_line.get("elapsed_s") or 0)
            estimated_finish = int(time.time() + elapsed / step * max(0, total - step))
        queue = [j.id for j in self.lab.queue()]
        loading = lab_jobs.latest(lines, "loading")
        hyperparameters = settings.hyperparameters()
        return {
            "object": "fine_tuning.job",
            "id": job.id,
            "model": job.request["model"],
            "created_at": job.created_at,
            "finished_at": job.finished_at,
            "fine_tuned_model": job.fine_tuned_model,
            "organization_id": "org-local",
            "result_files": [job.result_file] if job.result_file else [],
            "status": job.status,
            "validation_file": job.request.get("validation_file"),
            "training_file": job.request["training_file"],
            "hyperparameters": {k: hyperparameters[k] for k in ("batch_size", "learning_rate_multiplier", "n_epochs")},
            "method": {"type": settings.method, settings.method: {"hyperparameters": hyperparameters}},
            "trained_tokens": job.trained_tokens,
            "error": job.error or {},
            "seed": job.request["seed"],
            "estimated_finish": estimated_finish,
            "integrations": [],
            "metadata": job.request.get("metadata"),
            "user_provided_suffix": job.request.get("suffix") or None,
            "usage_metrics": None,
            "shared_with_openai": False,
            "lab": {
                "step": step,
                "total_steps": total,
                "tokens_per_s": step_line.get("tokens_per_s") if step_line else None,
                "elapsed_s": step_line.get("elapsed_s") if step_line else None,
                "queue_position": queue.index(job.id) + 1 if job.id in queue else None,
                "device": started.get("device") if started else None,
                "model_source": loading.get("source") if loading else None,
                "model_note": loading.get("note") if loading else None,
                "cancel_requested": job.cancel_requested,
                "examples": job.request.get("examples"),
                "tokens_per_epoch": job.request.get("tokens_per_epoch"),
            },
        }

    # -- models and chat ------------------------------------------------------------------------------------

    def _base_models(self) -> tuple[str, ...]:
        found = [*BUILTIN_MODELS, *(m.id for m in curated_models())]
        found.extend(j.request["model"] for j in self.lab.store.jobs(self.owner))
        return tuple(dict.fromkeys(found))

    def _tuned(self) -> dict[str, tuple[str, Path]]:
        """Every model this owner can chat with beyond the base models: id -> (base model, adapter folder)."""
        found: dict[str, tuple[str, Path]] = {}
        for job in self.lab.store.jobs(self.owner):
            run = self.lab.run_dir(job.id)
            for line in self.lab.progress(job.id):
                # Only the last few checkpoints are kept on disk; older progress lines name folders now removed.
                if line.get("kind") == "checkpoint" and (run / f"{CHECKPOINT_PREFIX}{line.get('step')}").is_dir():
                    found[f"{job.request['model_id']}:ckpt-step-{line.get('step')}"] = (
                        job.request["model"],
                        run / f"{CHECKPOINT_PREFIX}{line.get('step')}",
                    )
            if job.status == "succeeded" and job.fine_tuned_model:
                found[job.fine_tuned_model] = (job.request["model"], run / ADAPTER_DIR)
        return found

    def list_models(self) -> dict[str, Any]:
        self.lab.tick()
        data = [
            {"object": "model", "id": m, "created": 1_730_000_000, "owned_by": "local"} for m in self._base_models()
        ]
        tuned = {job.fine_tuned_model: job for job in self.lab.store.jobs(self.owner) if job.fine_tuned_model}
        data.extend(
            {"object": "model", "id": model_id, "created": job.finished_at or job.created_at, "owned_by": "org-local"}
            for model_id, job in tuned.items()
        )
        return {"object": "list", "data": data}

    def retrieve_model(self, model: str) -> dict[str, Any]:
        models: list[dict[str, Any]] = self.list_models()["data"]
        found = next((m for m in models if m["id"] == model), None)
        if found is None:
            raise _model_not_found(model)
        return found

    def delete_model(self, model: str) -> dict[str, Any]:
        job = next((j for j in self.lab.store.jobs(self.owner) if j.fine_tuned_model == model), None)
        if job is None:
            raise (
                _model_not_found(model)
                if model not in self._base_models()
                else SandboxError(
                    403,
                    f"{model} is a base model; only your own fine-tuned models can be deleted.",
                    code="model_not_deletable",
                    param="model",
                )
            )
        shutil.rmtree(self.lab.run_dir(job.id) / ADAPTER_DIR, ignore_errors=True)
        self.lab.store.update_job(job.id, fine_tuned_model=None)
        return {"object": "model", "id": model, "deleted": True}

    def merge(self, job_id: str) -> dict[str, Any]:
        """Merge the final adapter into its base model, in a worker process, and say where the model is."""
        job = self._job(job_id)
        run = self.lab.run_dir(job.id)
        if job.status != "succeeded" or not (run / ADAPTER_DIR).is_dir():
            raise bad_request(f"Job {job_id} has no final adapter to merge.", code="adapter_not_found")
        target = run / MERGED_DIR
        if not (target / "config.json").is_file():
            done = subprocess.run(  # noqa: S603 - our own interpreter and module, no shell
                [*self.lab.worker_argv(), "merge", str(run / ADAPTER_DIR), str(target)],
                env=runner.worker_environment(self.lab.threads),
                capture_output=True,
                timeout=MERGE_TIMEOUT_S,
                check=False,
            )
            if done.returncode != 0 or not (target / "config.json").is_file():
                raise SandboxError(
                    500,
                    "Merging the adapter failed; the log of the merge is in the run folder.",
                    code="merge_failed",
                    error_type="server_error",
                )
        size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
        return {"object": "lab.merged_model", "job_id": job_id, "path": str(target), "bytes": size}

    def adapter_zip(self, job_id: str) -> bytes:
        """The job's LoRA adapter as a zip: the final one, else the newest checkpoint."""
        job = self._job(job_id)
        run = self.lab.run_dir(job.id)
        folder = run / ADAPTER_DIR
        if not folder.is_dir():
            checkpoints = sorted(run.glob(f"{CHECKPOINT_PREFIX}*"), key=lambda p: int(p.name.rsplit("-", 1)[-1]))
            if not checkpoints:
                raise not_found(f"Job {job_id} has no adapter yet.", code="adapter_not_found")
            folder = checkpoints[-1]
        return _zip(folder)

    def chat_completion(self, body: Mapping[str, Any], *, model: str | None = None) -> dict[str, Any]:
        model = model or params.required_str(body, "model")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise bad_request("messages must be a non-empty list of messages.", param="messages")
        tuned = self._tuned()
        if model in tuned:
            base, adapter = tuned[model]
        elif model in self._base_models():
            base, adapter = model, None
        else:
            raise _model_not_found(model)
        limit = params.max_tokens(body) or 128
        temperature = body.get("temperature")
        seed = body.get("seed")
        answer = self.lab.chat.ask(
            {
                "model": base,
                "adapter": str(adapter) if adapter else None,
                "messages": [
                    {"role": str(m.get("role")), "content": content_text(m.get("content"))}
                    for m in messages
                    if isinstance(m, Mapping)
                ],
                "max_tokens": min(limit, 1024),
                "temperature": float(temperature) if isinstance(temperature, int | float) else 0.0,
                "seed": int(seed) if isinstance(seed, int) else 0,
            }
        )
        if "error" in answer:
            problem = answer["error"] if isinstance(answer["error"], Mapping) else {}
            raise SandboxError(
                503 if problem.get("code") == "worker_unavailable" else 400,
                str(problem.get("message") or "The model could not answer."),
                code=str(problem.get("code") or "generation_failed"),
                error_type="server_error",
            )
        prompt, completion = int(answer.get("prompt_tokens") or 0), int(answer.get("completion_tokens") or 0)
        return {
            "id": "chatcmpl-" + random_alnum(29),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "logprobs": None,
                    "finish_reason": answer.get("finish_reason") or "stop",
                    "message": {
                        "role": "assistant",
                        "content": str(answer.get("text") or ""),
                        "refusal": None,
                        "annotations": [],
                    },
                }
            ],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
            "system_fingerprint": "fp_local_lab",
            "service_tier": "default",
        }


def _zip(folder: Path) -> bytes:
    """A folder as a zip, without pickled files (nobody should have to unpickle what we hand out)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix not in {".bin", ".pt", ".pth", ".pkl"}:
                archive.write(path, f"{folder.name}/{path.relative_to(folder)}")
    return buffer.getvalue()


def _settings_dict(settings: lab_jobs.LabSettings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in lab_jobs.LabSettings.__slots__}


def _metrics_at(lines: Sequence[Mapping[str, Any]], step: int) -> dict[str, float]:
    metrics: dict[str, float] = {"step": float(step)}
    for line in lines:
        if line.get("step") != step:
            continue
        if line.get("kind") == "step" and isinstance(line.get("loss"), int | float):
            metrics["train_loss"] = float(line["loss"])
        if line.get("kind") == "eval" and isinstance(line.get("valid_loss"), int | float):
            metrics["valid_loss"] = float(line["valid_loss"])
            metrics["full_valid_loss"] = float(line["valid_loss"])
    return metrics


def _file_json(record: FileRecord) -> dict[str, Any]:
    return {
        "object": "file",
        "id": record.id,
        "purpose": record.purpose,
        "filename": record.filename,
        "bytes": record.bytes,
        "created_at": record.created_at,
        "status": "processed",
    }


def _model_not_found(model: str) -> SandboxError:
    return not_found(
        f"The model {model!r} does not exist or you do not have access to it.", code="model_not_found", param="model"
    )
