"""The sandbox service: one tenant of the simulated fine-tuning API, run by a clock, answering HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx2

from finetune_guide.sandbox import chat, files, jobs, models
from finetune_guide.sandbox.api import Operation
from finetune_guide.sandbox.checks import FileCheck, check_file, file_error
from finetune_guide.sandbox.errors import SandboxError
from finetune_guide.sandbox.files import FILE_PURPOSES, MAX_FILE_BYTES
from finetune_guide.sandbox.rehearsals import rehearsal_error
from finetune_guide.sandbox.routes import dispatch
from finetune_guide.sandbox.simulation import Dialect, Scenario, Speed
from finetune_guide.sandbox.state import TenantState, checked_scenario, checked_speed

SANDBOX_API_KEY = "sandbox"  # a placeholder, not a secret: the in-process sandbox only checks that a key is sent

# Names other modules have always imported from here; each lives in the module of its concern.
__all__ = [
    "FILE_PURPOSES",
    "MAX_FILE_BYTES",
    "SANDBOX_API_KEY",
    "FileCheck",
    "Operation",
    "SandboxService",
    "check_file",
    "file_error",
]


class SandboxService:
    """One tenant of the simulated fine-tuning API; thread-safe, and time only moves when the clock does."""

    def __init__(
        self, *, speed: Speed = "demo", clock: Callable[[], float] = time.time, scenario: str = "normal"
    ) -> None:
        self._state = TenantState(clock=clock, speed=checked_speed(speed), scenario=checked_scenario(scenario))

    # -- settings ------------------------------------------------------------------------------------------

    @property
    def speed(self) -> Speed:
        return self._state.speed

    @speed.setter
    def speed(self, value: str) -> None:
        self._state.speed = checked_speed(value)

    @property
    def scenario(self) -> Scenario:
        return self._state.scenario

    @scenario.setter
    def scenario(self, value: str) -> None:
        self._state.scenario = checked_scenario(value)

    def now(self) -> float:
        return self._state.now()

    # -- HTTP ----------------------------------------------------------------------------------------------

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        """Answer one HTTP request in either dialect (OpenAI `/v1/…`, Azure `/openai/…`)."""
        return dispatch(self, request)

    def transport(self) -> httpx2.MockTransport:
        """An httpx2 transport handing every request to this service, for `openai.OpenAI(http_client=…)`."""
        return httpx2.MockTransport(self.handle)

    def rehearsal_error(self, operation: Operation) -> SandboxError | None:
        """The fault the current scenario injects into this kind of request, if any."""
        return rehearsal_error(self._state.scenario, operation)

    # -- the API, one concern per module ---------------------------------------------------------------------

    def upload_file(self, *, filename: str, purpose: str, data: bytes, dialect: Dialect) -> dict[str, Any]:
        return files.upload_file(self._state, filename=filename, purpose=purpose, data=data, dialect=dialect)

    def retrieve_file(self, file_id: str) -> dict[str, Any]:
        return files.retrieve_file(self._state, file_id)

    def file_content(self, file_id: str) -> bytes:
        return files.file_content(self._state, file_id)

    def delete_file(self, file_id: str) -> dict[str, Any]:
        return files.delete_file(self._state, file_id)

    def list_files(
        self, *, purpose: str | None = None, after: str | None = None, limit: int = 10_000, order: str = "desc"
    ) -> dict[str, Any]:
        return files.list_files(self._state, purpose=purpose, after=after, limit=limit, order=order)

    def create_job(self, body: Mapping[str, Any], *, dialect: Dialect) -> dict[str, Any]:
        return jobs.create_job(self._state, body, dialect=dialect)

    def retrieve_job(self, job_id: str) -> dict[str, Any]:
        return jobs.retrieve_job(self._state, job_id)

    def list_jobs(
        self, *, after: str | None = None, limit: int = 20, metadata: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        return jobs.list_jobs(self._state, after=after, limit=limit, metadata=metadata)

    def cancel_job(self, job_id: str) -> dict[str, Any]:
        return jobs.cancel_job(self._state, job_id)

    def pause_job(self, job_id: str) -> dict[str, Any]:
        return jobs.pause_job(self._state, job_id)

    def resume_job(self, job_id: str) -> dict[str, Any]:
        return jobs.resume_job(self._state, job_id)

    def list_events(self, job_id: str, *, after: str | None = None, limit: int = 20) -> dict[str, Any]:
        return jobs.list_events(self._state, job_id, after=after, limit=limit)

    def list_checkpoints(self, job_id: str, *, after: str | None = None, limit: int = 10) -> dict[str, Any]:
        return jobs.list_checkpoints(self._state, job_id, after=after, limit=limit)

    def list_models(self) -> dict[str, Any]:
        return models.list_models(self._state)

    def retrieve_model(self, model: str) -> dict[str, Any]:
        return models.retrieve_model(self._state, model)

    def delete_model(self, model: str) -> dict[str, Any]:
        return models.delete_model(self._state, model)

    def chat_completion(self, body: Mapping[str, Any], *, model: str | None = None) -> dict[str, Any]:
        return chat.chat_completion(self._state, body, model=model)
