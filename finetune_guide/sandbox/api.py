"""The fine-tuning API the HTTP routes call: what the sandbox and the Local lab both implement."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol

from finetune_guide.sandbox.errors import SandboxError
from finetune_guide.sandbox.simulation import Dialect

# The kinds of request a rehearsal scenario can fault; the routes tag each endpoint with one.
Operation = Literal["create_job", "read_job", "change_job", "chat", "files", "models"]


class FineTuningAPI(Protocol):
    """One tenant of a fine-tuning service, as `routes.dispatch` sees it: bodies in, JSON-ready dicts out."""

    # Read and written by the /sandbox/settings route; a setter may refuse a value with ValueError.
    scenario: str
    speed: str

    def rehearsal_error(self, operation: Operation) -> SandboxError | None: ...

    def upload_file(self, *, filename: str, purpose: str, data: bytes, dialect: Dialect) -> dict[str, Any]: ...

    def list_files(
        self, *, purpose: str | None = None, after: str | None = None, limit: int = 10_000, order: str = "desc"
    ) -> dict[str, Any]: ...

    def retrieve_file(self, file_id: str) -> dict[str, Any]: ...

    def delete_file(self, file_id: str) -> dict[str, Any]: ...

    def file_content(self, file_id: str) -> bytes: ...

    def create_job(self, body: Mapping[str, Any], *, dialect: Dialect) -> dict[str, Any]: ...

    def list_jobs(
        self, *, after: str | None = None, limit: int = 20, metadata: Mapping[str, str] | None = None
    ) -> dict[str, Any]: ...

    def retrieve_job(self, job_id: str) -> dict[str, Any]: ...

    def cancel_job(self, job_id: str) -> dict[str, Any]: ...

    def pause_job(self, job_id: str) -> dict[str, Any]: ...

    def resume_job(self, job_id: str) -> dict[str, Any]: ...

    def list_events(self, job_id: str, *, after: str | None = None, limit: int = 20) -> dict[str, Any]: ...

    def list_checkpoints(self, job_id: str, *, after: str | None = None, limit: int = 10) -> dict[str, Any]: ...

    def list_models(self) -> dict[str, Any]: ...

    def retrieve_model(self, model: str) -> dict[str, Any]: ...

    def delete_model(self, model: str) -> dict[str, Any]: ...

    def chat_completion(self, body: Mapping[str, Any], *, model: str | None = None) -> dict[str, Any]: ...
