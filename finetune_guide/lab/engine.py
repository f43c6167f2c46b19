"""The Local lab's engine: one queue per machine, a training process at a time, its progress and settling."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finetune_guide.lab import jobs as lab_jobs
from finetune_guide.lab import paths, runner
from finetune_guide.lab.spec import CANCEL_FILE, PROGRESS_FILE, RESULTS_FILE, read_progress
from finetune_guide.lab.store import FileRecord, JobRecord, LabStore
from finetune_guide.sandbox.simulation import new_id

TICK_S = 0.5


@dataclass(slots=True)
class _Progress:
    offset: int = 0
    lines: list[dict[str, Any]] = field(default_factory=list)


class LabEngine:
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
