"""The Local lab over HTTP (Starlette on uvicorn, in a thread): one private lab per key.

- the official SDK pointed at the server's URL trains tiny end to end and chats with the result
- two keys see only their own files, jobs and models; the other's ids are 404; work is filed under a hash
- a request without a key gets 401, on the hosted routes and on the lab's own
- every response says x-finetune-guide-provider: local
- a forged Host header does not change routing; an oversized body is refused before it is read
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx2
import openai
import pytest

from finetune_guide.lab.server import owner_of
from finetune_guide.lab.service import PROVIDER_HEADER
from finetune_guide.providers import ProviderSettings, build_client
from tests.support import chat_rows, jsonl, question, supervised, wait_for_job
from tests.support.lab import Served, served_lab


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served_lab(tmp_path_factory.mktemp("lab-server")) as found:
        yield found


def sdk(served: Served, key: str) -> openai.OpenAI:
    return build_client(ProviderSettings(kind="local", base_url=served.url, api_key=key), max_retries=0)


@dataclass(frozen=True)
class AliceWork:
    file_id: str
    job: Any  # FineTuningJob, finished


@pytest.fixture(scope="module")
def alice(served: Served) -> AliceWork:
    client = sdk(served, "alice")
    uploaded = client.files.create(file=("train.jsonl", jsonl(chat_rows())), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(training_file=uploaded.id, model="tiny", method=supervised())
    return AliceWork(uploaded.id, wait_for_job(client, job.id))


@pytest.mark.lab
def test_the_sdk_trains_tiny_end_to_end_over_http(served: Served, alice: AliceWork) -> None:
    client = sdk(served, "alice")
    assert alice.job.status == "succeeded", alice.job.error
    model = alice.job.fine_tuned_model
    assert model in {m.id for m in client.models.list()}
    assert any(e.type == "metrics" for e in client.fine_tuning.jobs.list_events(alice.job.id, limit=50))
    assert "train_loss" in client.files.content(alice.job.result_files[0]).text
    reply = client.chat.completions.create(model=model, messages=question(), temperature=0, max_tokens=16)  # type: ignore[arg-type]
    assert reply.model == model and reply.choices[0].message.role == "assistant"
    info = client.get("/lab/info", cast_to=object)
    assert isinstance(info, dict) and info["busy"] is False


@pytest.mark.lab
def test_two_keys_see_only_their_own_files_and_jobs(served: Served, alice: AliceWork) -> None:
    bob = sdk(served, "bob")
    bobs_file = bob.files.create(file=("mine.jsonl", jsonl(chat_rows())), purpose="fine-tune")
    assert [f.id for f in bob.files.list()] == [bobs_file.id]
    assert list(bob.fine_tuning.jobs.list()) == []
    assert alice.job.fine_tuned_model not in {m.id for m in bob.models.list()}
    for attempt in (
        lambda: bob.files.retrieve(alice.file_id),
        lambda: bob.files.content(alice.file_id),
        lambda: bob.fine_tuning.jobs.retrieve(alice.job.id),
        lambda: bob.fine_tuning.jobs.list_events(alice.job.id),
        lambda: bob.get(f"/lab/jobs/{alice.job.id}/adapter.zip", cast_to=httpx2.Response),
    ):
        with pytest.raises(openai.NotFoundError):
            attempt()
    with pytest.raises(openai.NotFoundError):
        bob.chat.completions.create(model=alice.job.fine_tuned_model, messages=question())  # type: ignore[arg-type]
    alices = sdk(served, "alice")
    assert bobs_file.id not in {f.id for f in alices.files.list()}
    assert [j.id for j in alices.fine_tuning.jobs.list()] == [alice.job.id]
    # Work is filed under a hash of the key; the key itself is stored nowhere.
    assert alice.file_id in {f.id for f in served.lab.store.files(owner_of("alice"))}
    assert served.lab.store.files("alice") == [] and served.lab.store.jobs("alice") == []


@pytest.mark.parametrize("path", ["/v1/models", "/v1/files", "/v1/fine_tuning/jobs", "/v1/lab/info"])
def test_a_request_without_a_key_gets_401(served: Served, path: str) -> None:
    answer = httpx2.get(f"http://127.0.0.1:{served.port}{path}", timeout=10)
    assert answer.status_code == 401
    assert answer.json()["error"]["message"]
    assert answer.headers[PROVIDER_HEADER] == "local"


def test_every_response_names_the_local_provider(served: Served) -> None:
    headers = {"Authorization": "Bearer carol"}
    ok = httpx2.get(f"{served.url}/models", headers=headers, timeout=10)
    missing = httpx2.get(f"{served.url}/fine_tuning/jobs/ftjob-nope", headers=headers, timeout=10)
    assert (ok.status_code, missing.status_code) == (200, 404)
    assert ok.headers[PROVIDER_HEADER] == missing.headers[PROVIDER_HEADER] == "local"
    assert "tiny" in {m["id"] for m in ok.json()["data"]}


def raw_request(port: int, head: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(head.encode("latin-1"))
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_forged_host_header_does_not_change_routing(served: Served) -> None:
    answer = raw_request(
        served.port,
        "GET /v1/models HTTP/1.1\r\nHost: evil/v1\r\nAuthorization: Bearer carol\r\nConnection: close\r\n\r\n",
    )
    status, _, body = answer.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 200"), status
    assert b'"tiny"' in body and b"evil" not in body
    assert f"{PROVIDER_HEADER}: local".encode() in status.lower()


def test_an_oversized_body_is_refused_before_it_is_read(served: Served) -> None:
    answer = raw_request(
        served.port,
        "POST /v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer carol\r\nContent-Length: 999999999999\r\n"
        "Connection: close\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
