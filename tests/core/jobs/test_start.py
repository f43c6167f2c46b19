"""jobs.start: files uploaded once, the job created once, an unclear create looked up."""

from __future__ import annotations

import httpx2
import openai

from finetune_guide import jobs
from finetune_guide.providers import ProviderSettings, build_client
from finetune_guide.sandbox import SandboxService
from tests.support.jobs import KEY, DatasetBytes, chat_dataset, sdk_job


def test_a_job_is_found_again_by_its_request_tag() -> None:
    tagged = jobs.job_view(sdk_job(id="ftjob-2", metadata={jobs.REQUEST_TAG: "r-7"}))
    assert jobs.find_job_by_request([jobs.job_view(sdk_job()), tagged], "r-7") == tagged
    assert jobs.find_job_by_request([tagged], "r-8") is None


def sandbox_client(service: SandboxService) -> openai.OpenAI:
    return build_client(ProviderSettings(kind="sandbox"), sandbox=service)


class FailsAfterCreating(httpx2.BaseTransport):
    """The sandbox behind a network that drops the create's reply: after the server made the job, or before."""

    def __init__(self, service: SandboxService, *, created: bool) -> None:
        self.inner = service.transport()
        self.created = created
        self.creates = 0

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.method == "POST" and request.url.path.endswith("/fine_tuning/jobs"):
            self.creates += 1
            if self.created:
                self.inner.handle_request(request)
            raise httpx2.ReadTimeout("simulated: the reply never came", request=request)
        return self.inner.handle_request(request)


def uploaded_files(service: SandboxService) -> list[str]:
    """The ids of the training and validation files (a finished job also stores its results file)."""
    return [f["id"] for f in service.list_files()["data"] if f["purpose"] == "fine-tune"]


def flaky_client(transport: httpx2.BaseTransport) -> openai.OpenAI:
    # The SDK's own retries are on here, so a test proves the start turns them off for the create.
    return openai.OpenAI(
        api_key=KEY, base_url="http://sandbox.invalid/v1", max_retries=2, http_client=httpx2.Client(transport=transport)
    )


REQUEST = jobs.JobRequest(model="gpt-4o-mini-2024-07-18", training_file="")


def start(
    client: openai.OpenAI,
    uploads: dict[tuple[str, str], str],
    *,
    validation: DatasetBytes | None = None,
    connection: str = "",
    secrets: tuple[str, ...] = (),
    request_tag: str | None = None,
) -> jobs.StartResult:
    return jobs.start_job(
        client,
        REQUEST,
        "sandbox",
        training=chat_dataset(),
        validation=validation,
        uploads=uploads,
        connection=connection,
        secrets=secrets,
        request_tag=request_tag,
    )


def test_a_start_uploads_the_file_creates_the_job_and_tags_it() -> None:
    service = SandboxService(speed="instant")
    uploads: dict[tuple[str, str], str] = {}
    started = start(sandbox_client(service), uploads, connection="sandbox", request_tag="tag-1")
    assert (started.outcome, started.problems, started.failed_action) == ("created", (), None)
    (job,) = service.list_jobs()["data"]
    assert job["id"] == started.job_id
    assert job["metadata"] == {jobs.REQUEST_TAG: "tag-1"}
    assert uploads == {("sandbox", chat_dataset().sha256): job["training_file"]}


def test_a_validation_file_is_uploaded_and_named_in_the_create() -> None:
    service = SandboxService(speed="instant")
    client = sandbox_client(service)
    started = start(client, {}, validation=chat_dataset(name="valid.jsonl", topic="times"))
    job = client.fine_tuning.jobs.retrieve(str(started.job_id))
    assert job.validation_file and job.validation_file != job.training_file
    assert len(uploaded_files(service)) == 2


def test_a_second_start_reuses_the_upload_of_the_same_file() -> None:
    service = SandboxService(speed="instant")
    client = sandbox_client(service)
    uploads: dict[tuple[str, str], str] = {}
    first, second = start(client, uploads), start(client, uploads)
    assert first.job_id != second.job_id
    assert len(uploaded_files(service)) == 1
    assert len(service.list_jobs()["data"]) == 2


def test_a_file_the_provider_lost_is_uploaded_again() -> None:
    service = SandboxService(speed="instant")
    client = sandbox_client(service)
    uploads: dict[tuple[str, str], str] = {}
    start(client, uploads)
    (lost,) = uploads.values()
    client.files.delete(lost)
    start(client, uploads)
    (again,) = uploads.values()
    assert again != lost
    assert uploaded_files(service) == [again]


def test_a_job_created_despite_a_dropped_reply_is_found_and_not_created_twice() -> None:
    service = SandboxService(speed="instant")
    transport = FailsAfterCreating(service, created=True)
    started = start(flaky_client(transport), {})
    assert transport.creates == 1
    (job,) = service.list_jobs()["data"]
    assert (started.outcome, started.job_id, started.problems) == ("found_after_all", job["id"], ())


def test_a_create_with_an_unclear_outcome_and_no_job_fails_without_a_second_create() -> None:
    service = SandboxService(speed="instant")
    transport = FailsAfterCreating(service, created=False)
    started = start(flaky_client(transport), {})
    assert transport.creates == 1
    assert service.list_jobs()["data"] == []
    assert (started.outcome, started.job_id, started.failed_action) == ("failed", None, "create_job")
    assert started.problem is not None and started.problem.kind == "timeout"
    assert jobs.outcome_unknown("create_job", started.problem)


def test_a_refused_create_fails_with_its_problem_and_makes_no_job() -> None:
    service = SandboxService(speed="instant", scenario="rate_limited_429")
    started = start(sandbox_client(service), {})
    assert (started.outcome, started.failed_action) == ("failed", "create_job")
    assert started.problem is not None and started.problem.kind == "rate_limited"
    service.scenario = "normal"
    assert service.list_jobs()["data"] == []


def refuse_uploads(request: httpx2.Request) -> httpx2.Response:
    return httpx2.Response(401, json={"error": {"message": f"Incorrect API key provided: {KEY}", "code": None}})


def test_failed_uploads_are_each_reported_redacted_and_nothing_is_created() -> None:
    client = flaky_client(httpx2.MockTransport(refuse_uploads))
    uploads: dict[tuple[str, str], str] = {}
    started = start(client, uploads, validation=chat_dataset(topic="minus"), secrets=(KEY,))
    assert (started.outcome, started.job_id, started.failed_action) == ("failed", None, "upload_file")
    assert [p.kind for p in started.problems] == ["unauthorized", "unauthorized"]
    assert all(KEY not in p.detail for p in started.problems)
    assert uploads == {}
