"""Starting a job: upload its files once, create it once with a request tag, find it again when unclear."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, replace
from typing import Literal, Protocol

import openai

from finetune_guide.jobs.actions import Action, outcome_unknown, sdk_max_retries
from finetune_guide.jobs.problems import Problem, describe_exception
from finetune_guide.jobs.request import JobRequest, create_params
from finetune_guide.jobs.views import JobView, job_view
from finetune_guide.providers import ProviderKind

REQUEST_TAG = "finetune_guide_request"
# How many of the newest jobs are searched for the request tag after an unclear create.
LOOKUP_LIMIT = 50

# (connection fingerprint, file sha256) -> the file's id at that provider.
UploadCache = MutableMapping[tuple[str, str], str]
StartOutcome = Literal["created", "found_after_all", "failed"]


class DatasetFile(Protocol):
    """A file to upload: its name, its bytes and their sha256 (which keys the upload cache)."""

    @property
    def name(self) -> str: ...

    @property
    def data(self) -> bytes: ...

    @property
    def sha256(self) -> str: ...


@dataclass(frozen=True, slots=True)
class StartResult:
    """How a start ended: the job's id when it exists, else the failed call and what went wrong."""

    outcome: StartOutcome
    job_id: str | None = None
    failed_action: Action | None = None
    # Both uploads are tried even when the first fails, so a failed start can carry two problems.
    problems: tuple[Problem, ...] = ()

    @property
    def problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None


def find_job_by_request(jobs: Iterable[JobView], request_tag: str) -> JobView | None:
    """The job a create with this request tag made, if it did (so an unclear create is never repeated)."""
    return next((j for j in jobs if dict(j.metadata).get(REQUEST_TAG) == request_tag), None)


def upload_once(
    client: openai.OpenAI,
    file: DatasetFile,
    uploads: UploadCache,
    *,
    connection: str = "",
    secrets: Iterable[str] = (),
) -> str | Problem:
    """This file's id at this provider: uploaded once per cache, again only if the provider lost it."""
    key = (connection, file.sha256)
    known = uploads.get(key)
    if known and _file_exists(client, known):
        return known
    # No SDK retry: an upload that timed out may have been stored, and a retry would store it twice.
    once = client.with_options(max_retries=sdk_max_retries("upload_file"))
    try:
        uploaded = once.files.create(file=(file.name, file.data), purpose="fine-tune")
    except openai.OpenAIError as error:
        return describe_exception(error, secrets)
    uploads[key] = uploaded.id
    return str(uploaded.id)


def _file_exists(client: openai.OpenAI, file_id: str) -> bool:
    try:
        client.files.retrieve(file_id)
    except openai.OpenAIError:
        return False
    return True


def start_job(
    client: openai.OpenAI,
    request: JobRequest,
    provider: ProviderKind,
    *,
    training: DatasetFile,
    validation: DatasetFile | None,
    uploads: UploadCache,
    connection: str = "",
    secrets: Iterable[str] = (),
    request_tag: str | None = None,
) -> StartResult:
    """Upload the files and create the job once; a create with an unclear outcome is looked up, not redone.

    `request` names the model and settings (its file ids are filled in here); `uploads` is the caller's cache,
    kept between starts so a file is sent once; `request_tag` defaults to a fresh random one.
    """
    secrets = tuple(secrets)
    files = [training] if validation is None else [training, validation]
    uploaded = [upload_once(client, f, uploads, connection=connection, secrets=secrets) for f in files]
    problems = tuple(u for u in uploaded if isinstance(u, Problem))
    file_ids = [u for u in uploaded if isinstance(u, str)]
    if problems:
        return StartResult("failed", failed_action="upload_file", problems=problems)
    tag = request_tag or uuid.uuid4().hex
    ready = replace(
        request,
        training_file=file_ids[0],
        validation_file=file_ids[1] if validation is not None else None,
        metadata=((REQUEST_TAG, tag),),
    )
    once = client.with_options(max_retries=sdk_max_retries("create_job"))
    try:
        job = once.fine_tuning.jobs.create(**create_params(ready, provider))
    except openai.OpenAIError as error:
        problem = describe_exception(error, secrets)
        found = _created_after_all(client, tag) if outcome_unknown("create_job", problem) else None
        if found is not None:
            return StartResult("found_after_all", found.id)
        return StartResult("failed", failed_action="create_job", problems=(problem,))
    return StartResult("created", str(job.id))


def _created_after_all(client: openai.OpenAI, tag: str) -> JobView | None:
    """The job an unclear create made after all, found by its tag; None also when the list fails too."""
    try:
        listed = client.fine_tuning.jobs.list(limit=LOOKUP_LIMIT)
    except openai.OpenAIError:
        return None
    return find_job_by_request((job_view(j) for j in listed.data), tag)
