"""The sandbox over loopback HTTP, driven by the real SDK clients in all three dialects.

- the full job lifecycle works for OpenAI (`/v1`), Azure (`/openai` + api-version) and Azure v1
  (`/openai/v1`), in every rehearsal scenario
- each API key is its own tenant: attendees never see each other's files, jobs or models
- no key → 401; the root page explains how to connect; oversized bodies are refused
- the server refuses non-loopback hosts unless allowed, and never logs keys or query strings
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import httpx2
import openai
import pytest
from openai.types.fine_tuning import FineTuningJob

from finetune_guide.providers import ProviderSettings, build_client, test_connection
from finetune_guide.sandbox import SCENARIOS
from finetune_guide.sandbox.server import SandboxServer, is_loopback
from tests.support.sandbox import FakeClock
from tests.support.sandbox import plain_chat_jsonl as chat_jsonl


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def log_lines() -> list[str]:
    return []


@pytest.fixture
def server(clock: FakeClock, log_lines: list[str]) -> Iterator[SandboxServer]:
    with SandboxServer("127.0.0.1", 0, speed="demo", clock=clock, log=log_lines.append) as running:
        yield running


Dialect = Callable[[SandboxServer, str], openai.OpenAI]


def openai_dialect(server: SandboxServer, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=key, max_retries=0, _strict_response_validation=True)


def azure_dialect(server: SandboxServer, key: str) -> openai.OpenAI:
    return openai.AzureOpenAI(
        azure_endpoint=server.url,
        api_key=key,
        api_version="2025-04-01-preview",
        max_retries=0,
        _strict_response_validation=True,
    )


def azure_v1_dialect(server: SandboxServer, key: str) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=f"{server.url}/openai/v1/", api_key=key, max_retries=0, _strict_response_validation=True
    )


DIALECTS = {"openai": openai_dialect, "azure": azure_dialect, "azure_v1": azure_v1_dialect}


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_the_full_lifecycle_works_over_http_in_every_dialect_and_scenario(
    server: SandboxServer, clock: FakeClock, dialect: str, scenario: str
) -> None:
    client = DIALECTS[dialect](server, f"attendee-{dialect}-{scenario}")
    model = "gpt-4o-mini" if dialect == "openai" else "gpt-4.1-mini-2025-04-14"
    training = client.files.create(file=("train.jsonl", chat_jsonl()), purpose="fine-tune")
    validation = client.files.create(file=("valid.jsonl", chat_jsonl()), purpose="fine-tune")
    client.post("/sandbox/settings", body={"scenario": scenario}, cast_to=object)
    fault = {
        "refused_403": openai.PermissionDeniedError,
        "rate_limited_429": openai.RateLimitError,
        "server_error_500": openai.InternalServerError,
    }.get(scenario)
    extra = {"extra_body": {"trainingType": "GlobalStandard"}} if dialect != "openai" else {}
    if fault is not None:
        with pytest.raises(fault):
            client.fine_tuning.jobs.create(training_file=training.id, model=model, **extra)  # type: ignore[arg-type]
        client.post("/sandbox/settings", body={"scenario": "normal"}, cast_to=object)
    job = client.fine_tuning.jobs.create(
        training_file=training.id,
        validation_file=validation.id,
        model=model,
        suffix="demo",
        seed=3,
        **extra,  # type: ignore[arg-type]
    )
    assert isinstance(job, FineTuningJob)
    seen = [job.status]
    for _ in range(200):
        clock.advance(2)
        current = client.fine_tuning.jobs.retrieve(job.id)
        if current.status != seen[-1]:
            seen.append(current.status)
        if current.status in {"succeeded", "failed"}:
            break
    if scenario == "fail_mid_training":
        assert seen == ["validating_files", "queued", "running", "failed"]
        assert current.error is not None and current.error.code == "internal_error"
        return
    assert seen == ["validating_files", "queued", "running", "succeeded"]
    tuned = current.fine_tuned_model or ""
    if dialect == "openai":
        assert tuned.startswith("ft:gpt-4o-mini-2024-07-18:sandbox:demo:")
    else:
        assert tuned.startswith("gpt-4.1-mini-2025-04-14.ft-")
    events = list(client.fine_tuning.jobs.list_events(job.id, limit=50))
    assert any(e.type == "metrics" for e in events)
    assert len(list(client.fine_tuning.jobs.checkpoints.list(job.id))) == 3
    header = client.files.content(current.result_files[0]).text.splitlines()[0]
    assert ("validation_mean_token_accuracy" in header) == (dialect != "openai")
    answer = client.chat.completions.create(
        model=tuned, messages=[{"role": "user", "content": "capital of country number 3?"}]
    )
    assert answer.choices[0].message.content == "[simulated] Country 3 has capital 3."
    assert tuned in [m.id for m in client.models.list()]
    assert client.models.delete(tuned).deleted


def test_paused_status_travels_over_http_without_breaking_the_sdk(server: SandboxServer, clock: FakeClock) -> None:
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="pauser", max_retries=0)
    training = client.files.create(file=("train.jsonl", chat_jsonl()), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(training_file=training.id, model="gpt-4o-mini")
    clock.advance(20)
    assert client.fine_tuning.jobs.pause(job.id).status == "paused"
    assert client.fine_tuning.jobs.retrieve(job.id).status == "paused"
    assert client.fine_tuning.jobs.resume(job.id).status == "queued"
    assert client.fine_tuning.jobs.cancel(job.id).status == "cancelled"


def test_each_key_is_a_private_tenant(server: SandboxServer) -> None:
    alice = openai_dialect(server, "alice-key")
    bob = openai_dialect(server, "bob-key")
    alice_azure = azure_dialect(server, "alice-key")
    mine = alice.files.create(file=("train.jsonl", chat_jsonl()), purpose="fine-tune")
    job = alice.fine_tuning.jobs.create(training_file=mine.id, model="gpt-4o-mini")
    assert list(bob.files.list()) == []
    assert list(bob.fine_tuning.jobs.list()) == []
    with pytest.raises(openai.NotFoundError):
        bob.files.content(mine.id)
    with pytest.raises(openai.NotFoundError):
        bob.fine_tuning.jobs.retrieve(job.id)
    with pytest.raises(openai.BadRequestError):
        bob.fine_tuning.jobs.create(training_file=mine.id, model="gpt-4o-mini")
    # the same key is the same tenant whichever dialect it speaks
    assert [f.id for f in alice_azure.files.list()] == [mine.id]
    assert server.tenant_count() == 2


def test_rehearsals_switched_by_one_attendee_leave_the_others_alone(server: SandboxServer) -> None:
    presenter = openai_dialect(server, "presenter")
    attendee = openai_dialect(server, "attendee")
    presenter.post("/sandbox/settings", body={"scenario": "refused_403"}, cast_to=object)
    for client, refused in ((presenter, True), (attendee, False)):
        training = client.files.create(file=("train.jsonl", chat_jsonl()), purpose="fine-tune")
        if refused:
            with pytest.raises(openai.PermissionDeniedError):
                client.fine_tuning.jobs.create(training_file=training.id, model="gpt-4o-mini")
        else:
            assert client.fine_tuning.jobs.create(training_file=training.id, model="gpt-4o-mini").id


def test_requests_without_a_key_get_401(server: SandboxServer) -> None:
    with httpx2.Client(base_url=server.url) as http:
        assert http.get("/v1/models").status_code == 401
        assert http.get("/openai/models", params={"api-version": "2025-04-01-preview"}).status_code == 401
        assert http.get("/v1/models", headers={"Authorization": "Basic abc"}).status_code == 401
    assert server.tenant_count() == 0


def test_the_root_page_explains_how_to_connect(server: SandboxServer) -> None:
    response = httpx2.get(server.url + "/")
    assert response.status_code == 200
    assert "/v1/" in response.text and "api-key" in response.text


def raw_request(server: SandboxServer, head: str) -> bytes:
    with socket.create_connection((server.host, server.port), timeout=5) as connection:
        connection.sendall(head.encode("latin-1"))
        return connection.recv(4096)


def test_oversized_or_unmeasured_bodies_are_refused(server: SandboxServer) -> None:
    huge = raw_request(
        server,
        f"POST /v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nContent-Length: {10**9}\r\n\r\n",
    )
    assert huge.startswith(b"HTTP/1.1 413")
    chunked = raw_request(
        server,
        "POST /v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nTransfer-Encoding: chunked\r\n\r\n",
    )
    assert chunked.startswith(b"HTTP/1.1 411")
    assert server.tenant_count() == 0


def test_the_factory_and_connection_test_work_against_the_server(server: SandboxServer) -> None:
    for settings in (
        ProviderSettings(kind="openai", api_key="sk-workshop-attendee-0001", base_url=f"{server.url}/v1"),
        ProviderSettings(kind="azure", api_key="0123456789abcdef0123456789abcdef", azure_endpoint=server.url),
        ProviderSettings(kind="azure", azure_ad_token="entra-token-value-123", azure_endpoint=server.url),
        ProviderSettings(kind="azure", api_key="azure-v1-key-000000", base_url=f"{server.url}/openai/v1/"),
    ):
        check = test_connection(build_client(settings))
        assert check.ok, (settings, check)
        assert check.code == "connected"


def test_logs_show_method_path_and_status_but_never_keys_or_queries(
    server: SandboxServer, log_lines: list[str]
) -> None:
    key = "sk-very-secret-key-abcdef123456"
    client = azure_dialect(server, key)
    client.models.list()
    openai_dialect(server, key).files.list()
    assert any(line.startswith("GET /openai/models 200") for line in log_lines)
    assert any(line.startswith("GET /v1/files 200") for line in log_lines)
    joined = "\n".join(log_lines)
    assert key not in joined and "api-version" not in joined


def test_non_loopback_hosts_are_refused_unless_allowed() -> None:
    with pytest.raises(ValueError, match="allow-remote"):
        SandboxServer("0.0.0.0", 0)
    for host in ("127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"):
        assert is_loopback(host)
    for host in ("0.0.0.0", "192.168.1.10", "example.com", "::"):
        assert not is_loopback(host)


def test_a_full_server_refuses_new_keys_politely(clock: FakeClock) -> None:
    with SandboxServer("127.0.0.1", 0, clock=clock, max_tenants=1) as small:
        openai_dialect(small, "first").models.list()
        with pytest.raises(openai.InternalServerError) as full:
            openai_dialect(small, "second").models.list()
        assert full.value.status_code == 503
