"""The sandbox tenant's files: upload with the service's limits, retrieve, read, delete and list."""

from __future__ import annotations

from typing import Any

from finetune_guide.sandbox import params
from finetune_guide.sandbox.errors import SandboxError, bad_request, not_found
from finetune_guide.sandbox.records import StoredFile
from finetune_guide.sandbox.simulation import Dialect, new_id
from finetune_guide.sandbox.state import TenantState

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_STORED_BYTES = 100 * 1024 * 1024  # per tenant; the server may hold many
MAX_FILES = 200
# What an upload may be for; "fine-tune-results" and the "*_output" purposes are the service's own.
FILE_PURPOSES = frozenset({"assistants", "batch", "fine-tune", "vision", "user_data"})


def check_upload(*, filename: str, purpose: str, data: bytes, keeper: str = "The sandbox keeps") -> None:
    """The upload rules the hosted service applies, shared by the sandbox and the Local lab."""
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
            f"{keeper} files up to {MAX_FILE_BYTES // (1024 * 1024)} MB; this one has "
            f"{len(data) / (1024 * 1024):.1f} MB. Use a smaller sample to practise.",
            param="file",
            code="file_too_large",
        )


def upload_file(state: TenantState, *, filename: str, purpose: str, data: bytes, dialect: Dialect) -> dict[str, Any]:
    check_upload(filename=filename, purpose=purpose, data=data)
    with state.lock:
        _refuse_if_full(state, len(data))
        stored = StoredFile(new_id("file", dialect), filename, purpose, data, int(state.now()))
        state.files[stored.id] = stored
        return stored.to_json()


def _refuse_if_full(state: TenantState, incoming: int) -> None:
    if len(state.files) >= MAX_FILES:
        raise bad_request(
            f"The sandbox keeps at most {MAX_FILES} files per user; delete some first.", code="too_many_files"
        )
    if sum(len(f.data) for f in state.files.values()) + incoming > MAX_STORED_BYTES:
        raise bad_request(
            f"The sandbox keeps at most {MAX_STORED_BYTES // (1024 * 1024)} MB of files per user; delete some first.",
            code="storage_full",
        )


def retrieve_file(state: TenantState, file_id: str) -> dict[str, Any]:
    with state.lock:
        return find_file(state, file_id).to_json()


def file_content(state: TenantState, file_id: str) -> bytes:
    with state.lock:
        return find_file(state, file_id).data


def delete_file(state: TenantState, file_id: str) -> dict[str, Any]:
    with state.lock:
        find_file(state, file_id)
        del state.files[file_id]
        return {"object": "file", "id": file_id, "deleted": True}


def list_files(
    state: TenantState,
    *,
    purpose: str | None = None,
    after: str | None = None,
    limit: int = 10_000,
    order: str = "desc",
) -> dict[str, Any]:
    with state.lock:
        files = [f for f in state.files.values() if purpose is None or f.purpose == purpose]
        if order == "desc":
            files.reverse()
        return params.cursor_page([f.to_json() for f in files], after=after, limit=limit, with_ids=True)


def find_file(state: TenantState, file_id: str) -> StoredFile:
    found = state.files.get(file_id)
    if found is None:
        raise not_found(f"No such file: {file_id}.", code="file_not_found", param="file_id")
    return found
