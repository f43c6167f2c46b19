"""One owner's view of the Local lab: the hosted fine-tuning API (files, jobs, models, chat) plus the lab's routes."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx2

from finetune_guide.lab import jobs as lab_jobs
from finetune_guide.lab import paths, tuned
from finetune_guide.lab.engine import LabEngine
from finetune_guide.lab.estimate import available_memory_gb, estimate_run
from finetune_guide.lab.models import find_model
from finetune_guide.lab.store import FileRecord, JobRecord, write_atomically
from finetune_guide.lab.views import file_json, job_checkpoints, job_events, job_json, settings_dict
from finetune_guide.sandbox import params
from finetune_guide.sandbox.api import Operation
from finetune_guide.sandbox.checks import check_file, file_error
from finetune_guide.sandbox.errors import SandboxError, bad_request, not_found
from finetune_guide.sandbox.files import check_upload
from finetune_guide.sandbox.routes import api_key_of, dispatch
from finetune_guide.sandbox.simulation import Dialect, new_id

LAB_API_KEY = "local"  # a placeholder, not a secret: the in-process lab only checks that a key is sent
PROVIDER_HEADER = "x-finetune-guide-provider"  # tells the app that a URL is the free local lab, not a paid API
MAX_FILES_PER_OWNER = 200
MAX_JOBS_PER_OWNER = 200
FINISHED = frozenset({"succeeded", "failed", "cancelled"})
# The lab checks files as the hosted service would for this model: the same rules, the same token counts.
CHECK_MODEL = "gpt-4o-mini-2024-07-18"
_LAB_ROUTE = re.compile(r"/v1/lab/(info|jobs/([^/]+)/(adapter\.zip|merged\.zip|merge|stop))")


class LabTenant:
    """The API of one owner: files, jobs, events, checkpoints, models and chat, as the sandbox speaks it."""

    scenario = "normal"
    speed = "real"

    def __init__(self, lab: LabEngine, owner: str) -> None:
        self.lab, self.owner = lab, owner

    # -- HTTP ----------------------------------------------------------------------------------------------

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        match = _LAB_ROUTE.fullmatch(request.url.path)
        # The lab's own routes first; everything else is the hosted API, answered exactly as the sandbox does.
        response = self._lab_route(request, match) if match else dispatch(self, request)
        response.headers[PROVIDER_HEADER] = "local"
        return response

    def transport(self) -> httpx2.MockTransport:
        return httpx2.MockTransport(self.handle)

    def rehearsal_error(self, operation: Operation) -> SandboxError | None:
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
                content = tuned.merged_zip(self.lab.run_dir(self._job(job_id).id), job_id)
                return httpx2.Response(200, content=content, headers={"content-type": "application/zip"})
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
        check_upload(filename=filename, purpose=purpose, data=data, keeper="The lab takes")
        if len(self.lab.store.files(self.owner)) >= MAX_FILES_PER_OWNER:
            raise bad_request(
                f"The lab keeps at most {MAX_FILES_PER_OWNER} files per user; delete some first.", code="too_many_files"
            )
        file_id = new_id("file", "openai")
        path = paths.files_dir(self.lab.home) / file_id
        write_atomically(path, data)
        record = FileRecord(file_id, self.owner, filename, purpose, len(data), int(time.time()), str(path))
        self.lab.store.add_file(record)
        return file_json(record)

    def retrieve_file(self, file_id: str) -> dict[str, Any]:
        return file_json(self._file(file_id))

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
        return params.cursor_page([file_json(f) for f in files], after=after, limit=limit, with_ids=True)

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
        checked = check_file(Path(training.path).read_bytes(), model=CHECK_MODEL, method=method)
        settings = lab_jobs.lab_settings(body, examples=checked.examples)
        self._refuse_if_too_big(base, settings, checked.billed_tokens_per_epoch)
        error = file_error("training_file", training.id, checked) if checked.error_count else None
        if validation is not None and error is None:
            checked_validation = check_file(
                Path(validation.path).read_bytes(), model=CHECK_MODEL, method=method, role="validation"
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
            "settings": settings_dict(settings),
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
        return job_json(self.lab, self._job(job_id))

    def list_jobs(
        self, *, after: str | None = None, limit: int = 20, metadata: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        self.lab.tick()
        found = list(reversed(self.lab.store.jobs(self.owner)))
        if metadata:
            found = [
                j for j in found if all((j.request.get("metadata") or {}).get(k) == v for k, v in metadata.items())
            ]
        return params.cursor_page([job_json(self.lab, j) for j in found], after=after, limit=limit)

    def cancel_job(self, job_id: str) -> dict[str, Any]:
        self.lab.tick()
        job = self._job(job_id)
        if job.status in FINISHED:
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
        if job.status in FINISHED:
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
        events = job_events(self.lab, self._job(job_id))
        return params.cursor_page(list(reversed(events)), after=after, limit=limit)

    def list_checkpoints(self, job_id: str, *, after: str | None = None, limit: int = 10) -> dict[str, Any]:
        self.lab.tick()
        checkpoints = job_checkpoints(self.lab, self._job(job_id))
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
                raise tuned.model_not_found(model)
            raise bad_request(
                "Continued fine-tuning of a local model is not supported yet: train the base model "
                "on the combined data.",
                param="model",
                code="unsupported_model",
            )
        if (
            model in tuned.base_models(self.lab, self.owner)
            or Path(model).is_dir()
            or re.fullmatch(r"[\w.\-]+/[\w.\-]+", model)
        ):
            return model, None
        raise bad_request(
            f"Unknown model {model!r}. Use 'tiny', a Hugging Face model id such as "
            "HuggingFaceTB/SmolLM2-135M-Instruct, or a folder on this computer.",
            param="model",
            code="model_not_available",
        )

    # -- models and chat (lab/tuned.py) ------------------------------------------------------------------------

    def list_models(self) -> dict[str, Any]:
        return tuned.list_models(self.lab, self.owner)

    def retrieve_model(self, model: str) -> dict[str, Any]:
        return tuned.retrieve_model(self.lab, self.owner, model)

    def delete_model(self, model: str) -> dict[str, Any]:
        return tuned.delete_model(self.lab, self.owner, model)

    def merge(self, job_id: str) -> dict[str, Any]:
        """Merge the final adapter into its base model, in a worker process, and say where the model is."""
        job = self._job(job_id)
        return tuned.merge(self.lab, self.lab.run_dir(job.id), job_id=job_id, succeeded=job.status == "succeeded")

    def adapter_zip(self, job_id: str) -> bytes:
        """The job's LoRA adapter as a zip: the final one, else the newest checkpoint."""
        return tuned.adapter_zip(self.lab.run_dir(self._job(job_id).id), job_id)

    def chat_completion(self, body: Mapping[str, Any], *, model: str | None = None) -> dict[str, Any]:
        return tuned.chat_completion(self.lab, self.owner, body, model=model)
