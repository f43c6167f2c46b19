"""The in-process sandbox, driven through the real `openai.OpenAI` and `openai.AzureOpenAI` clients.

- a job walks validating_files → queued → running → succeeded as the (fake) clock moves, at each speed
- metrics events fall with seeded noise; checkpoints cover the last three epochs; a results CSV per dialect
- trained_tokens equals the validator's billed tokens; estimated_finish while queued or running
- a bad file fails the job in validation, naming the first bad line; a small validation file is fine
- pause, resume and cancel; "paused" does not break the SDK
- files, jobs, events and checkpoints paginate; models list, retrieve and delete
- chat: a fine-tuned model answers from its closest example, a base model generically, both labelled
- every rehearsal scenario, in both dialects; a request without a key gets 401; tenants never mix
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterator

import httpx2
import openai
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openai.types import FileDeleted, FileObject, Model, ModelDeleted
from openai.types.chat import ChatCompletion
from openai.types.fine_tuning import FineTuningJob, FineTuningJobEvent
from openai.types.fine_tuning.jobs import FineTuningJobCheckpoint

from finetune_guide import datasets, tokens
from finetune_guide.providers import ProviderSettings, build_client
from finetune_guide.sandbox import SCENARIOS, SandboxService
from finetune_guide.sandbox import files as sandbox_files
from finetune_guide.sandbox.checks import check_file
from finetune_guide.sandbox.lifecycle import MAX_RESULT_ROWS
from finetune_guide.sandbox.simulation import AZURE_RESULT_COLUMNS, OPENAI_RESULT_COLUMNS
from tests.support.sandbox import FakeClock, chat_jsonl, dpo_jsonl

AZURE_FT = re.compile(r"^gpt-4\.1-mini-2025-04-14\.ft-[0-9a-f]{32}$")
OPENAI_FT = re.compile(r"^ft:gpt-4o-mini-2024-07-18:sandbox:marv:[A-Za-z0-9]{8}$")

BAD_JSONL = chat_jsonl(10).replace(b"\n", b"\nthis is not json\n", 1)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def service(clock: FakeClock) -> SandboxService:
    return SandboxService(speed="demo", clock=clock)


def openai_client(service: SandboxService, *, strict: bool = True) -> openai.OpenAI:
    # Strict validation makes the SDK check every field against its own models, not just construct them.
    return openai.OpenAI(
        api_key="sandbox",
        base_url="http://sandbox.invalid/v1",
        http_client=httpx2.Client(transport=service.transport()),
        max_retries=0,
        _strict_response_validation=strict,
    )


def azure_client(service: SandboxService, *, strict: bool = True) -> openai.AzureOpenAI:
    return openai.AzureOpenAI(
        azure_endpoint="http://sandbox.invalid",
        api_key="azure-key",
        api_version="2025-04-01-preview",
        http_client=httpx2.Client(transport=service.transport()),
        max_retries=0,
        _strict_response_validation=strict,
    )


@pytest.fixture(params=["openai", "azure"])
def client(request: pytest.FixtureRequest, service: SandboxService) -> Iterator[openai.OpenAI]:
    yield openai_client(service) if request.param == "openai" else azure_client(service)


def upload(client: openai.OpenAI, data: bytes, name: str = "train.jsonl") -> FileObject:
    return client.files.create(file=(name, data), purpose="fine-tune")


def base_model(client: openai.OpenAI) -> str:
    return "gpt-4.1-mini-2025-04-14" if isinstance(client, openai.AzureOpenAI) else "gpt-4o-mini"


def statuses_until_done(client: openai.OpenAI, clock: FakeClock, job_id: str, step_s: float = 1.0) -> list[str]:
    seen: list[str] = []
    for _ in range(600):
        job = client.fine_tuning.jobs.retrieve(job_id)
        if not seen or seen[-1] != job.status:
            seen.append(job.status)
        if job.status in {"succeeded", "failed", "cancelled"}:
            return seen
        clock.advance(step_s)
    raise AssertionError(f"job never finished: {seen}")


# --- lifecycle ----------------------------------------------------------------------------------------------


def test_a_job_walks_every_status_and_finishes_in_30_to_60_seconds_at_demo_pace(
    client: openai.OpenAI, clock: FakeClock
) -> None:
    training = upload(client, chat_jsonl())
    job = client.fine_tuning.jobs.create(training_file=training.id, model=base_model(client), suffix="marv")
    assert isinstance(job, FineTuningJob)
    assert job.status == "validating_files"
    assert job.fine_tuned_model is None and job.trained_tokens is None

    seen = statuses_until_done(client, clock, job.id)

    assert seen == ["validating_files", "queued", "running", "succeeded"]
    done = client.fine_tuning.jobs.retrieve(job.id)
    assert 30 <= done.finished_at - done.created_at <= 60
    assert done.estimated_finish is None
    assert done.error is None
    assert len(done.result_files) == 1


@pytest.mark.parametrize(("speed", "limit_s"), [("fast", 5.0), ("instant", 0.0)])
def test_faster_speeds_finish_a_10_example_job_within_their_limit(clock: FakeClock, speed: str, limit_s: float) -> None:
    service = SandboxService(speed=speed, clock=clock)  # type: ignore[arg-type]
    client = openai_client(service)
    job = client.fine_tuning.jobs.create(training_file=upload(client, chat_jsonl()).id, model="gpt-4o-mini")
    clock.advance(limit_s)
    assert client.fine_tuning.jobs.retrieve(job.id).status == "succeeded"


def test_speed_change_applies_to_new_jobs(clock: FakeClock, service: SandboxService) -> None:
    client = openai_client(service)
    service.speed = "fast"
    job = client.fine_tuning.jobs.create(training_file=upload(client, chat_jsonl()).id, model="gpt-4o-mini")
    clock.advance(5)
    assert client.fine_tuning.jobs.retrieve(job.id).status == "succeeded"


def test_fine_tuned_model_ids_follow_each_services_pattern(clock: FakeClock, service: SandboxService) -> None:
    oai, azure = openai_client(service), azure_client(service)
    first = oai.fine_tuning.jobs.create(training_file=upload(oai, chat_jsonl()).id, model="gpt-4o-mini", suffix="marv")
    second = azure.fine_tuning.jobs.create(
        training_file=upload(azure, chat_jsonl()).id, model="gpt-4.1-mini-2025-04-14", suffix="marv"
    )
    clock.advance(120)
    assert OPENAI_FT.match(oai.fine_tuning.jobs.retrieve(first.id).fine_tuned_model or "")
    azure_model = azure.fine_tuning.jobs.retrieve(second.id).fine_tuned_model or ""
    assert AZURE_FT.match(azure_model)
    assert azure_model.endswith(second.id.removeprefix("ftjob-"))


def test_hyperparameters_are_auto_until_validated_then_resolved(client: openai.OpenAI, clock: FakeClock) -> None:
    job = client.fine_tuning.jobs.create(training_file=upload(client, chat_jsonl()).id, model=base_model(client))
    assert job.hyperparameters.n_epochs == "auto"
    clock.advance(5)
    resolved = client.fine_tuning.jobs.retrieve(job.id)
    # OpenAI's rule: 10 examples -> 10 epochs (examples x epochs >= 100).
    assert resolved.hyperparameters.n_epochs == 10
    assert resolved.hyperparameters.batch_size == 1
    assert resolved.method is not None and resolved.method.type == "supervised"


def test_trained_tokens_equal_the_validators_billed_tokens(client: openai.OpenAI, clock: FakeClock) -> None:
    data = chat_jsonl()
    job = client.fine_tuning.jobs.create(
        training_file=upload(client, data).id,
        model=base_model(client),
        method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 4}}},
    )
    clock.advance(120)
    done = client.fine_tuning.jobs.retrieve(job.id)
    check = check_file(data, model=done.model.replace("gpt-4o-mini", "gpt-4o-mini-2024-07-18"), method="supervised")
    assert done.trained_tokens == check.billed_tokens_per_epoch * 4
    assert done.trained_tokens and done.trained_tokens > 0


def test_estimated_finish_is_given_while_queued_or_running_and_matches_the_finish(
    client: openai.OpenAI, clock: FakeClock
) -> None:
    job = client.fine_tuning.jobs.create(training_file=upload(client, chat_jsonl()).id, model=base_model(client))
    assert job.estimated_finish is None
    clock.advance(5)
    queued = client.fine_tuning.jobs.retrieve(job.id)
    clock.advance(10)
    running = client.fine_tuning.jobs.retrieve(job.id)
    assert (queued.status, running.status) == ("queued", "running")
    clock.advance(100)
    done = client.fine_tuning.jobs.retrieve(job.id)
    assert queued.estimated_finish == running.estimated_finish
    assert running.estimated_finish is not None and done.finished_at is not None
    assert abs(running.estimated_finish - done.finished_at) <= 1


# --- events, metrics, checkpoints, results -----------------------------------------------------------------


def all_events(client: openai.OpenAI, job_id: str) -> list[FineTuningJobEvent]:
    return list(client.fine_tuning.jobs.list_events(job_id, limit=100))


def test_a_five_example_validation_file_is_accepted(client: openai.OpenAI, clock: FakeClock) -> None:
    # Like the course's own validation-data.jsonl: validation files have no minimum number of examples.
    job = client.fine_tuning.jobs.create(
        training_file=upload(client, chat_jsonl()).id,
        validation_file=upload(client, chat_jsonl(5), "valid.jsonl").id,
        model=base_model(client),
    )
    clock.advance(600)
    assert client.fine_tuning.jobs.retrieve(job.id).status == "succeeded"


def test_metrics_events_carry_losses_and_accuracy_that_improve(client: openai.OpenAI, clock: FakeClock) -> None:
    job = client.fine_tuning.jobs.create(
        training_file=upload(client, chat_jsonl()).id,
        validation_file=upload(client, chat_jsonl(), "valid.jsonl").id,
        model=base_model(client),
        seed=42,
    )
    clock.advance(120)
    events = all_events(client, job.id)
    assert all(isinstance(e, FineTuningJobEvent) for e in events)
    metrics = [e.data for e in reversed(events) if e.type == "metrics"]
    assert len(metrics) >= 10
    assert all(isinstance(m, dict) for m in metrics)
    first, last = metrics[: len(metrics) // 4], metrics[-len(metrics) // 4 :]

    def mean(rows: list[object], key: str) -> float:
        return sum(row[key] for row in rows) / len(rows)  # type: ignore[index]

    for key in ("train_loss", "valid_loss"):
        assert mean(last, key) < mean(first, key) * 0.5
    for key in ("train_mean_token_accuracy", "valid_mean_token_accuracy"):
        assert mean(last, key) > mean(first, key)
    assert {"step", "total_steps"} <= set(metrics[-1])  # type: ignore[arg-type]
    # noise: the curve is not monotonic
    losses = [m["train_loss"] for m in metrics]  # type: ignore[index]
    assert any(b > a for a, b in itertools.pairwise(losses))


def test_the_same_seed_gives_the_same_curves(clock: FakeClock) -> None:
    curves = []
    for _ in range(2):
        client = openai_client(SandboxService(speed="instant", clock=clock))
        job = client.fine_tuning.jobs.create(training_file=upload(client, chat_jsonl()).id, model="gpt-4o-mini", seed=7)
        curves.append([e.data for e in all_events(client, job.id) if e.type == "metrics"])
    assert curves[0] == curves[1]


def test_events_tell_the_story_newest_first(client: openai.OpenAI, clock: FakeClock) -> None:
    job = client.fine_tuning.jobs.create(training_file=upload(client, chat_jsonl()).id, model=base_model(client))
    clock.advance(120)
    messages = [e.message for e in all_events(client, job.id) if e.type == "message"]
    assert messages[0] == "The job has successfully completed"
    assert messages[1].startswith("New fine-tuned model created: ")
    assert messages[-1].startswith(f"Created fine-tuning job: {job.id}")
    assert "simulation" in messages[-1]
    assert "Fine-tuning job started" in messages


def test_checkpoints_cover_the_last_three_epochs(client: openai.OpenAI, clock: FakeClock) -> None:
    job = client.fine_tuning.jobs.create(
        training_file=upload(client, chat_jsonl()).id,
        validation_file=upload(client, chat_jsonl(), "valid.jsonl").id,
        model=base_model(client),
        suffix="marv",
    )
    clock.advance(120)
    done = client.fine_tuning.jobs.retrieve(job.id)
    checkpoints = list(client.fine_tuning.jobs.checkpoints.list(job.id))
    assert all(isinstance(c, FineTuningJobCheckpoint) for c in checkpoints)
    assert [c.step_number for c in checkpoints] == [100, 90, 80]
    for checkpoint in checkpoints:
        assert checkpoint.fine_tuned_model_checkpoint == f"{done.fine_tuned_model}:ckpt-step-{checkpoint.step_number}"
        assert checkpoint.fine_tuning_job_id == job.id
        assert checkpoint.metrics.full_valid_loss is not None
    expected_prefix = "ftchkpt-" if isinstance(client, openai.AzureOpenAI) else "ftckpt_"
    assert all(c.id.startswith(expected_prefix) for c in checkpoints)


def test_the_results_csv_uses_each_dialects_column_names(clock: FakeClock, service: SandboxService) -> None:
    for client, columns in (
        (openai_client(service), OPENAI_RESULT_COLUMNS),
        (azure_client(service), AZURE_RESULT_COLUMNS),
    ):
        job = client.fine_tuning.jobs.create(training_file=upload(client, chat_jsonl()).id, model=base_model(client))
        clock.advance(120)
        done = client.fine_tuning.jobs.retrieve(job.id)
        info = client.files.retrieve(done.result_files[0])
        assert info.purpose == "fine-tune-results"
        rows = client.files.content(done.result_files[0]).text.splitlines()
        assert tuple(rows[0].split(",")) == columns
        assert len(rows) == 1 + 100
        assert rows[-1].startswith("100,")


# --- a bad file ---------------------------------------------------------------------------------------------


def test_a_job_on_a_bad_file_fails_in_validation_naming_the_first_bad_line(
    client: openai.OpenAI, clock: FakeClock
) -> None:
    bad = upload(client, BAD_JSONL, "bad.jsonl")
    assert bad.status == "processed"
    job = client.fine_tuning.jobs.create(training_file=bad.id, model=base_model(client))
    seen = statuses_until_done(client, clock, job.id)
    assert seen == ["validating_files", "failed"]
    failed = client.fine_tuning.jobs.retrieve(job.id)
    assert failed.error is not None
    assert failed.error.code == "invalid_training_file"
    assert failed.error.param == "training_file"
    assert "Line 2:" in failed.error.message
    assert failed.trained_tokens is None and failed.fine_tuned_model is None
    assert any(e.level == "error" for e in all_events(client, job.id))


def test_a_bad_validation_file_fails_the_job_on_the_validation_file(client: openai.OpenAI, clock: FakeClock) -> None:
    job = client.fine_tuning.jobs.create(
        training_file=upload(client, chat_jsonl()).id,
        validation_file=upload(client, BAD_JSONL, "valid.jsonl").id,
        model=base_model(client),
    )
    clock.advance(10)
    failed = client.fine_tuning.jobs.retrieve(job.id)
    assert failed.status == "failed" and failed.error is not None
    assert (failed.error.code, failed.error.param) == ("invalid_validation_file", "validation_file")


def test_creating_a_job_checks_its_request_like_the_real_service(client: openai.OpenAI) -> None:
    training = upload(client, chat_jsonl())
    with pytest.raises(openai.BadRequestError) as missing_file:
        client.fine_tuning.jobs.create(training_file="file-nope", model=base_model(client))
    assert missing_file.value.param == "training_file"
    with pytest.raises(openai.BadRequestError) as bad_model:
        client.fine_tuning.jobs.create(training_file=training.id, model="gpt-9-ultra")
    assert bad_model.value.code == "model_not_available"
    with pytest.raises(openai.BadRequestError) as bad_epochs:
        client.fine_tuning.jobs.create(
            training_file=training.id,
            model=base_model(client),
            method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 99}}},
        )
    assert bad_epochs.value.param == "hyperparameters.n_epochs"
    with pytest.raises(openai.BadRequestError) as rft:
        client.fine_tuning.jobs.create(
            training_file=training.id,
            model="o4-mini",
            method={"type": "reinforcement", "reinforcement": {"grader": {"type": "string_check"}}},  # type: ignore[typeddict-item]
        )
    assert rft.value.code == "unsupported_method"
    with pytest.raises(openai.BadRequestError):
        client.fine_tuning.jobs.create(training_file=training.id, model=base_model(client), suffix="no spaces")
    results_file = client.files.create(file=("notes.txt", b"x"), purpose="user_data")
    with pytest.raises(openai.BadRequestError) as wrong_purpose:
        client.fine_tuning.jobs.create(training_file=results_file.id, model=base_model(client))
    assert wrong_purpose.value.code == "invalid_file_purpose"


def test_a_dpo_job_trains_with_beta(client: openai.OpenAI, clock: FakeClock) -> None:
    job = client.fine_tuning.jobs.create(
        training_file=upload(client, dpo_jsonl(), "prefs.jsonl").id,
        model=base_model(client),
        method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.2}}},
    )
    clock.advance(120)
    done = client.fine_tuning.jobs.retrieve(job.id)
    assert done.status == "succeeded"
    assert done.method is not None and done.method.dpo is not None
    assert done.method.dpo.hyperparameters is not None and done.method.dpo.hyperparameters.beta == 0.2


def test_a_fine_tuned_model_can_be_fine_tuned_again(client: openai.OpenAI, clock: FakeClock) -> None:
    first = client.fine_tuning.jobs.create(training_file=upload(client, chat_jsonl()).id, model=base_model(client))
    clock.advance(120)
    parent = client.fine_tuning.jobs.retrieve(first.id).fine_tuned_model or ""
    second = client.fine_tuning.jobs.create(
        training_file=upload(client, chat_jsonl(topic="currency")).id, model=parent, suffix="again"
    )
    clock.advance(120)
    child = client.fine_tuning.jobs.retrieve(second.id)
    assert child.status == "succeeded" and child.model == parent
    assert child.fine_tuned_model and child.fine_tuned_model != parent
    answer = client.chat.completions.create(
        model=child.fine_tuned_model,
        messages=[{"role": "user", "content": "What is the capital of country number 4?"}],
    )
    assert "capital 4" in (answer.choices[0].message.content or "")


# --- pause, resume, cancel ----------------------------------------------------------------------------------


def test_pause_freezes_a_running_job_and_resume_finishes_it(clock: FakeClock, service: SandboxService) -> None:
    client = openai_client(service, strict=False)  # "paused" is not in the SDK's status Literal
    job = client.fine_tuning.jobs.create(training_file=upload(client, chat_jsonl()).id, model="gpt-4o-mini")
    clock.advance(20)
    paused = client.fine_tuning.jobs.pause(job.id)
    assert isinstance(paused, FineTuningJob)
    assert paused.status == "paused"
    assert paused.estimated_finish is None
    steps_before = len([e for e in all_events(client, job.id) if e.type == "metrics"])
    clock.advance(600)
    still = client.fine_tuning.jobs.retrieve(job.id)
    assert still.status == "paused"
    assert len([e for e in all_events(client, job.id) if e.type == "metrics"]) == steps_before
    listed = client.fine_tuning.jobs.list()
    assert [j.status for j in listed] == ["paused"]

    resumed = client.fine_tuning.jobs.resume(job.id)
    assert resumed.status == "queued"
    assert statuses_until_done(client, clock, job.id)[-2:] == ["running", "succeeded"]
    messages = [e.message for e in all_events(client, job.id)]
    assert any("paused" in m for m in messages) and any("resumed" in m for m in messages)


def test_only_running_jobs_pause_and_only_paused_jobs_resume(client: openai.OpenAI) -> None:
    job = client.fine_tuning.jobs.create(training_file=upload(client, chat_jsonl()).id, model=base_model(client))
    with pytest.raises(openai.BadRequestError):
        client.fine_tuning.jobs.pause(job.id)
    with pytest.raises(openai.BadRequestError):
        client.fine_tuning.jobs.resume(job.id)


def test_cancel_stops_a_job_and_a_finished_job_cannot_be_cancelled(client: openai.OpenAI, clock: FakeClock) -> None:
    job = client.fine_tuning.jobs.create(training_file=upload(client, chat_jsonl()).id, model=base_model(client))
    clock.advance(15)
    cancelled = client.fine_tuning.jobs.cancel(job.id)
    assert cancelled.status == "cancelled"
    assert cancelled.finished_at == int(clock.now)
    clock.advance(120)
    after = client.fine_tuning.jobs.retrieve(job.id)
    assert after.status == "cancelled" and after.fine_tuned_model is None and after.trained_tokens is None
    with pytest.raises(openai.BadRequestError):
        client.fine_tuning.jobs.cancel(job.id)


def test_unknown_jobs_are_404(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError):
        client.fine_tuning.jobs.retrieve("ftjob-missing")
    with pytest.raises(openai.NotFoundError):
        client.fine_tuning.jobs.cancel("ftjob-missing")


# --- pagination ---------------------------------------------------------------------------------------------


def test_jobs_list_newest_first_and_pages_with_after_and_limit(client: openai.OpenAI, clock: FakeClock) -> None:
    training = upload(client, chat_jsonl())
    created = []
    for index in range(5):
        created.append(
            client.fine_tuning.jobs.create(
                training_file=training.id, model=base_model(client), metadata={"run": str(index % 2)}
            ).id
        )
        clock.advance(1)
    first = client.fine_tuning.jobs.list(limit=2)
    assert [j.id for j in first.data] == created[::-1][:2]
    assert first.has_more is True
    second = client.fine_tuning.jobs.list(limit=2, after=first.data[-1].id)
    assert [j.id for j in second.data] == created[::-1][2:4]
    assert [j.id for j in client.fine_tuning.jobs.list(limit=2)] == created[::-1]  # auto-paging
    assert [j.id for j in client.fine_tuning.jobs.list(metadata={"run": "1"})] == [created[3], created[1]]
    with pytest.raises(openai.BadRequestError):
        client.fine_tuning.jobs.list(limit=0)


def test_events_and_checkpoints_page_with_after_and_limit(client: openai.OpenAI, clock: FakeClock) -> None:
    job = client.fine_tuning.jobs.create(training_file=upload(client, chat_jsonl()).id, model=base_model(client))
    clock.advance(120)
    everything = [e.id for e in all_events(client, job.id)]
    page = client.fine_tuning.jobs.list_events(job.id, limit=5)
    assert [e.id for e in page.data] == everything[:5] and page.has_more
    after = client.fine_tuning.jobs.list_events(job.id, limit=5, after=page.data[-1].id)
    assert [e.id for e in after.data] == everything[5:10]
    assert [e.id for e in client.fine_tuning.jobs.list_events(job.id, limit=7)] == everything
    checkpoints = client.fine_tuning.jobs.checkpoints.list(job.id, limit=2)
    assert [c.step_number for c in checkpoints.data] == [100, 90] and checkpoints.has_more
    rest = client.fine_tuning.jobs.checkpoints.list(job.id, limit=2, after=checkpoints.data[-1].id)
    assert [c.step_number for c in rest.data] == [80] and rest.has_more is False


# --- files and models ---------------------------------------------------------------------------------------


def test_files_upload_retrieve_list_content_and_delete(client: openai.OpenAI) -> None:
    data = chat_jsonl()
    stored = upload(client, data)
    assert (stored.filename, stored.bytes, stored.purpose, stored.status) == (
        "train.jsonl",
        len(data),
        "fine-tune",
        "processed",
    )
    assert client.files.retrieve(stored.id) == stored
    assert client.files.content(stored.id).content == data
    other = client.files.create(file=("notes.txt", b"hello"), purpose="user_data")
    assert [f.id for f in client.files.list(purpose="fine-tune")] == [stored.id]
    assert [f.id for f in client.files.list()] == [other.id, stored.id]
    assert [f.id for f in client.files.list(order="asc")] == [stored.id, other.id]
    deleted = client.files.delete(stored.id)
    assert isinstance(deleted, FileDeleted) and deleted.deleted
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve(stored.id)
    with pytest.raises(openai.NotFoundError):
        client.files.content(stored.id)


def test_fine_tuning_uploads_must_be_jsonl(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as error:
        client.files.create(file=("train.csv", b"a,b\n"), purpose="fine-tune")
    assert "jsonl" in error.value.message.lower()


def test_uploads_keep_their_bytes_exactly(client: openai.OpenAI) -> None:
    data = '﻿{"messages": [{"role": "user", "content": "Zażółć gęślą jaźń\\r\\n"}]}\r\n'.encode()
    stored = upload(client, data, "żółw.jsonl")
    assert client.files.content(stored.id).content == data


def test_models_list_retrieve_and_delete_a_fine_tuned_one(client: openai.OpenAI, clock: FakeClock) -> None:
    job = client.fine_tuning.jobs.create(training_file=upload(client, chat_jsonl()).id, model=base_model(client))
    clock.advance(120)
    tuned = client.fine_tuning.jobs.retrieve(job.id).fine_tuned_model or ""
    models = list(client.models.list())
    assert all(isinstance(m, Model) for m in models)
    ids = [m.id for m in models]
    assert tuned in ids and "gpt-4o-mini-2024-07-18" in ids
    assert client.models.retrieve(tuned).owned_by != "system"
    assert client.models.retrieve("gpt-4o-mini").id == "gpt-4o-mini"
    deleted = client.models.delete(tuned)
    assert isinstance(deleted, ModelDeleted) and deleted.deleted and deleted.id == tuned
    assert tuned not in [m.id for m in client.models.list()]
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve(tuned)
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model=tuned, messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(openai.PermissionDeniedError):
        client.models.delete("gpt-4o-mini-2024-07-18")


# --- chat ---------------------------------------------------------------------------------------------------


def test_a_fine_tuned_model_answers_with_its_closest_training_example(client: openai.OpenAI, clock: FakeClock) -> None:
    job = client.fine_tuning.jobs.create(training_file=upload(client, chat_jsonl()).id, model=base_model(client))
    clock.advance(120)
    tuned = client.fine_tuning.jobs.retrieve(job.id).fine_tuned_model or ""
    messages = [{"role": "user", "content": "Tell me: what is the capital of country number 7?"}]
    answer = client.chat.completions.create(model=tuned, messages=messages)  # type: ignore[arg-type]
    assert isinstance(answer, ChatCompletion)
    content = answer.choices[0].message.content or ""
    assert content == "[simulated] Country 7 has capital 7. Shocking, I know."
    assert answer.choices[0].finish_reason == "stop"
    assert answer.usage is not None
    assert answer.usage.completion_tokens == tokens.count_tokens(content, tokens.encoding_name_for_model(tuned))
    question_tokens = tokens.count_tokens(messages[0]["content"], "o200k_base")
    assert answer.usage.prompt_tokens == 3 + 3 + 1 + question_tokens  # per-message, role "user", reply priming
    assert answer.usage.total_tokens == answer.usage.prompt_tokens + answer.usage.completion_tokens


def test_a_checkpoint_answers_like_its_model(client: openai.OpenAI, clock: FakeClock) -> None:
    job = client.fine_tuning.jobs.create(training_file=upload(client, chat_jsonl()).id, model=base_model(client))
    clock.advance(120)
    checkpoint = next(iter(client.fine_tuning.jobs.checkpoints.list(job.id)))
    answer = client.chat.completions.create(
        model=checkpoint.fine_tuned_model_checkpoint,
        messages=[{"role": "user", "content": "capital of country number 2"}],
    )
    assert "capital 2" in (answer.choices[0].message.content or "")


def test_a_base_model_answers_generically_and_says_it_is_simulated(client: openai.OpenAI) -> None:
    answer = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "What is the capital of country number 7?"}],
    )
    content = answer.choices[0].message.content or ""
    assert content.startswith("[simulated]")
    assert "base model" in content and "Shocking" not in content


def test_max_tokens_cuts_the_reply_and_says_so(client: openai.OpenAI) -> None:
    answer = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], max_completion_tokens=5
    )
    assert answer.choices[0].finish_reason == "length"
    assert answer.usage is not None and answer.usage.completion_tokens == 5


def test_chat_streams_when_asked(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith("[simulated]")
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0


def test_chat_with_an_unknown_model_is_404(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as error:
        client.chat.completions.create(model="gpt-nope", messages=[{"role": "user", "content": "hi"}])
    assert error.value.code == "model_not_found"


# --- rehearsal scenarios ------------------------------------------------------------------------------------


def test_refused_403_explains_the_2026_closure_and_what_to_do(client: openai.OpenAI, service: SandboxService) -> None:
    training = upload(client, chat_jsonl())
    service.scenario = "refused_403"
    with pytest.raises(openai.PermissionDeniedError) as refused:
        client.fine_tuning.jobs.create(training_file=training.id, model=base_model(client))
    message = refused.value.message
    for needed in ("no longer", "2026", "2027-01-06", "Azure OpenAI", "sandbox", "open-weights"):
        assert needed in message
    assert list(client.fine_tuning.jobs.list()) == []
    assert client.files.retrieve(training.id).id == training.id  # uploads still work, as on the real service


def test_rate_limited_429_says_when_to_retry(client: openai.OpenAI, service: SandboxService) -> None:
    training = upload(client, chat_jsonl())
    service.scenario = "rate_limited_429"
    with pytest.raises(openai.RateLimitError) as limited:
        client.fine_tuning.jobs.create(training_file=training.id, model=base_model(client))
    assert limited.value.response.headers["retry-after"] == "2"
    assert limited.value.code == "rate_limit_exceeded"
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    service.scenario = "normal"
    assert client.fine_tuning.jobs.create(training_file=training.id, model=base_model(client)).id


def test_server_error_500_hits_jobs_and_chat_but_loses_nothing(
    client: openai.OpenAI, service: SandboxService, clock: FakeClock
) -> None:
    job = client.fine_tuning.jobs.create(training_file=upload(client, chat_jsonl()).id, model=base_model(client))
    service.scenario = "server_error_500"
    with pytest.raises(openai.InternalServerError):
        client.fine_tuning.jobs.retrieve(job.id)
    with pytest.raises(openai.InternalServerError):
        client.fine_tuning.jobs.create(training_file=job.training_file, model=base_model(client))
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    clock.advance(120)
    service.scenario = "normal"
    assert client.fine_tuning.jobs.retrieve(job.id).status == "succeeded"
    assert len(list(client.fine_tuning.jobs.list())) == 1


def test_slow_queue_keeps_a_job_queued_much_longer(
    client: openai.OpenAI, service: SandboxService, clock: FakeClock
) -> None:
    service.scenario = "slow_queue"
    job = client.fine_tuning.jobs.create(training_file=upload(client, chat_jsonl()).id, model=base_model(client))
    clock.advance(30)
    queued = client.fine_tuning.jobs.retrieve(job.id)
    assert queued.status == "queued"
    assert any("queue" in e.message for e in all_events(client, job.id))
    assert statuses_until_done(client, clock, job.id, step_s=5)[-1] == "succeeded"


def test_fail_mid_training_fails_halfway_with_an_error_object(
    client: openai.OpenAI, service: SandboxService, clock: FakeClock
) -> None:
    service.scenario = "fail_mid_training"
    job = client.fine_tuning.jobs.create(training_file=upload(client, chat_jsonl()).id, model=base_model(client))
    assert statuses_until_done(client, clock, job.id) == ["validating_files", "queued", "running", "failed"]
    failed = client.fine_tuning.jobs.retrieve(job.id)
    assert failed.error is not None and failed.error.code == "internal_error"
    assert "step 50 of 100" in failed.error.message
    assert failed.fine_tuned_model is None and failed.trained_tokens is None
    steps = [e.data["step"] for e in all_events(client, job.id) if e.type == "metrics"]  # type: ignore[index]
    assert max(steps) == 50


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_runs_the_full_lifecycle_through_the_sdk(
    client: openai.OpenAI, service: SandboxService, clock: FakeClock, scenario: str
) -> None:
    training = upload(client, chat_jsonl())
    service.scenario = scenario
    expected_fault = {
        "refused_403": openai.PermissionDeniedError,
        "rate_limited_429": openai.RateLimitError,
        "server_error_500": openai.InternalServerError,
    }.get(scenario)
    if expected_fault is not None:
        with pytest.raises(expected_fault):
            client.fine_tuning.jobs.create(training_file=training.id, model=base_model(client))
        service.scenario = "normal"  # the rehearsal is over; the same request now works
    job = client.fine_tuning.jobs.create(training_file=training.id, model=base_model(client))
    final = statuses_until_done(client, clock, job.id, step_s=2)[-1]
    assert final == ("failed" if scenario == "fail_mid_training" else "succeeded")


def test_unknown_scenarios_and_speeds_are_refused() -> None:
    with pytest.raises(ValueError, match="scenario"):
        SandboxService(scenario="meteor_strike")
    service = SandboxService()
    with pytest.raises(ValueError, match="speed"):
        service.speed = "warp"


def test_the_settings_endpoint_switches_scenario_and_speed(service: SandboxService) -> None:
    client = openai_client(service)
    current = client.post("/sandbox/settings", body={"scenario": "slow_queue", "speed": "fast"}, cast_to=object)
    assert current["scenario"] == "slow_queue" and current["speed"] == "fast"  # type: ignore[index]
    assert (service.scenario, service.speed) == ("slow_queue", "fast")
    with pytest.raises(openai.BadRequestError):
        client.post("/sandbox/settings", body={"scenario": "nope"}, cast_to=object)


# --- authentication and tenants -----------------------------------------------------------------------------


def test_a_request_without_a_key_gets_401_in_both_dialects(service: SandboxService) -> None:
    http = httpx2.Client(transport=service.transport(), base_url="http://sandbox.invalid")
    for url in ("/v1/models", "/openai/models?api-version=2025-04-01-preview", "/openai/v1/models"):
        response = http.get(url)
        assert response.status_code == 401, url
        assert response.json()["error"]["message"]
    assert http.get("/v1/models", headers={"Authorization": "Bearer "}).status_code == 401
    no_key = openai.OpenAI(
        api_key="unused",
        base_url="http://sandbox.invalid/v1",
        http_client=httpx2.Client(transport=service.transport()),
        default_headers={"Authorization": ""},
        max_retries=0,
    )
    with pytest.raises(openai.AuthenticationError):
        no_key.models.list()


def test_the_azure_dialect_needs_an_api_version(service: SandboxService) -> None:
    http = httpx2.Client(transport=service.transport(), base_url="http://sandbox.invalid")
    response = http.get("/openai/models", headers={"api-key": "k"})
    assert response.status_code == 400
    assert "api-version" in response.json()["error"]["message"]


def test_unknown_paths_and_methods_answer_like_an_api(service: SandboxService) -> None:
    http = httpx2.Client(transport=service.transport(), base_url="http://sandbox.invalid")
    assert http.get("/v1/nothing-here", headers={"Authorization": "Bearer k"}).status_code == 404
    assert http.put("/v1/files", headers={"Authorization": "Bearer k"}).status_code == 405
    assert http.get("/elsewhere").status_code == 404
    bad_json = http.post("/v1/fine_tuning/jobs", headers={"Authorization": "Bearer k"}, content=b"{not json")
    assert bad_json.status_code == 400 and "JSON" in bad_json.json()["error"]["message"]
    assert "x-request-id" in bad_json.headers


def test_each_service_instance_is_its_own_tenant(clock: FakeClock) -> None:
    alice = openai_client(SandboxService(clock=clock))
    bob = openai_client(SandboxService(clock=clock))
    secret_file = upload(alice, chat_jsonl())
    job = alice.fine_tuning.jobs.create(training_file=secret_file.id, model="gpt-4o-mini")
    assert list(bob.files.list()) == []
    assert list(bob.fine_tuning.jobs.list()) == []
    with pytest.raises(openai.NotFoundError):
        bob.files.retrieve(secret_file.id)
    with pytest.raises(openai.NotFoundError):
        bob.fine_tuning.jobs.retrieve(job.id)


def test_the_factory_sandbox_client_shares_the_session_service(service: SandboxService, clock: FakeClock) -> None:
    app_client = build_client(ProviderSettings(), sandbox=service, max_retries=0)
    stored = upload(app_client, chat_jsonl())
    assert [f.id for f in openai_client(service).files.list()] == [stored.id]


def test_concurrent_requests_are_safe(service: SandboxService) -> None:
    client = openai_client(service)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                job = client.fine_tuning.jobs.create(training_file=upload(client, chat_jsonl()).id, model="gpt-4o-mini")
                client.fine_tuning.jobs.retrieve(job.id)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(list(client.fine_tuning.jobs.list(limit=100))) == 20
    assert len({f.id for f in client.files.list()}) == 20


# --- robustness ---------------------------------------------------------------------------------------------


def test_auto_epochs_bill_exactly_what_the_dataset_studio_estimates(client: openai.OpenAI, clock: FakeClock) -> None:
    data = chat_jsonl(30)
    job = client.fine_tuning.jobs.create(training_file=upload(client, data).id, model=base_model(client))
    clock.advance(120)
    done = client.fine_tuning.jobs.retrieve(job.id)
    snapshot = "gpt-4.1-mini-2025-04-14" if isinstance(client, openai.AzureOpenAI) else "gpt-4o-mini-2024-07-18"
    stats = datasets.analyze(data, model=snapshot, method="supervised").stats
    assert stats is not None
    assert done.trained_tokens == stats.billed_training_tokens
    assert done.hyperparameters.n_epochs == stats.default_epochs


def test_a_dpo_model_answers_with_the_preferred_output(client: openai.OpenAI, clock: FakeClock) -> None:
    job = client.fine_tuning.jobs.create(
        training_file=upload(client, dpo_jsonl(), "prefs.jsonl").id,
        model=base_model(client),
        method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.1}}},
    )
    clock.advance(120)
    tuned = client.fine_tuning.jobs.retrieve(job.id).fine_tuned_model or ""
    answer = client.chat.completions.create(model=tuned, messages=[{"role": "user", "content": "say hello number 3"}])
    assert answer.choices[0].message.content == "[simulated] Hello 3!"


def test_a_huge_job_samples_its_results_file(clock: FakeClock) -> None:
    client = openai_client(SandboxService(speed="instant", clock=clock))
    job = client.fine_tuning.jobs.create(
        training_file=upload(client, chat_jsonl(200)).id,
        model="gpt-4o-mini",
        method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 50, "batch_size": 1}}},
    )
    done = client.fine_tuning.jobs.retrieve(job.id)
    rows = client.files.content(done.result_files[0]).text.splitlines()
    assert 1000 < len(rows) <= MAX_RESULT_ROWS + 1  # a header and the sampled rows
    assert rows[-1].startswith("10000,")
    metrics = [e for e in all_events(client, job.id) if e.type == "metrics"]
    assert len(metrics) <= 200


def test_storage_is_capped_per_tenant(service: SandboxService, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox_files, "MAX_STORED_BYTES", 3000)
    client = openai_client(service)
    upload(client, chat_jsonl())
    with pytest.raises(openai.BadRequestError) as full:
        upload(client, chat_jsonl())
    assert full.value.code == "storage_full"


def test_the_openai_dialect_only_reads_bearer_keys(service: SandboxService) -> None:
    http = httpx2.Client(transport=service.transport(), base_url="http://sandbox.invalid")
    assert http.get("/v1/models", headers={"api-key": "k"}).status_code == 401
    assert http.get("/openai/v1/models", headers={"api-key": "k"}).status_code == 200
    assert http.get("/openai/v1/models", headers={"Authorization": "Bearer k"}).status_code == 200


def test_errors_never_echo_the_key(service: SandboxService) -> None:
    key = "sk-proj-VERYsecretKEY0123456789"
    http = httpx2.Client(transport=service.transport(), base_url="http://sandbox.invalid")
    for method, url in (
        ("GET", "/v1/nowhere"),
        ("POST", "/v1/fine_tuning/jobs"),
        ("GET", "/v1/files/file-x"),
    ):
        response = http.request(method, url, headers={"Authorization": f"Bearer {key}"})
        assert response.status_code >= 400
        assert key not in response.text and key not in str(response.headers)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
JOB_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "model": JSON_VALUES | st.sampled_from(["gpt-4o-mini", "o4-mini", "ft:nope"]),
        "training_file": JSON_VALUES,
        "validation_file": JSON_VALUES,
        "suffix": JSON_VALUES,
        "seed": JSON_VALUES,
        "metadata": JSON_VALUES,
        "hyperparameters": JSON_VALUES,
        "method": JSON_VALUES
        | st.fixed_dictionaries(
            {"type": st.sampled_from(["supervised", "dpo", "reinforcement", "x"])},
            optional={
                "supervised": JSON_VALUES,
                "dpo": st.fixed_dictionaries({"hyperparameters": JSON_VALUES}),
            },
        ),
    },
)


@settings(max_examples=150, deadline=None)
@given(body=JOB_FIELDS, use_real_file=st.booleans())
def test_any_job_request_gets_an_api_answer_never_a_crash(body: dict[str, object], use_real_file: bool) -> None:
    service = SandboxService(speed="instant")
    http = httpx2.Client(transport=service.transport(), base_url="http://sandbox.invalid")
    if use_real_file:
        stored = http.post(
            "/v1/files",
            headers={"Authorization": "Bearer k"},
            files={"file": ("t.jsonl", chat_jsonl())},
            data={"purpose": "fine-tune"},
        ).json()
        body = {**body, "training_file": stored["id"], "model": body.get("model", "gpt-4o-mini")}
    response = http.post("/v1/fine_tuning/jobs", headers={"Authorization": "Bearer k"}, json=body)
    assert response.status_code in {200, 400}, response.text
    if response.status_code == 200:
        FineTuningJob.model_validate(response.json())
    else:
        assert response.json()["error"]["message"]


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=600) | st.text(max_size=300).map(str.encode))
def test_any_uploaded_bytes_end_in_success_or_a_named_failure(data: bytes) -> None:
    client = openai_client(SandboxService(speed="instant"))
    job = client.fine_tuning.jobs.create(training_file=upload(client, data).id, model="gpt-4o-mini")
    done = client.fine_tuning.jobs.retrieve(job.id)
    assert done.status in {"succeeded", "failed"}
    if done.status == "failed":
        assert done.error is not None and done.error.code == "invalid_training_file"


@settings(max_examples=100, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "DELETE", "PUT"]),
    path=st.lists(
        st.sampled_from(["v1", "openai", "files", "fine_tuning", "jobs", "x", "models", "content", "%00", ".."]),
        max_size=5,
    ),
    query=st.dictionaries(st.sampled_from(["limit", "after", "order", "api-version", "purpose"]), st.text(max_size=5)),
)
def test_any_path_gets_an_api_answer_never_a_crash(method: str, path: list[str], query: dict[str, str]) -> None:
    http = httpx2.Client(transport=SandboxService().transport(), base_url="http://sandbox.invalid")
    response = http.request(
        method, "/" + "/".join(path), params=query, headers={"Authorization": "Bearer k", "api-key": "k"}
    )
    assert response.status_code < 500, response.text


def test_non_json_numbers_are_refused_like_any_bad_json(service: SandboxService) -> None:
    http = httpx2.Client(transport=service.transport(), base_url="http://sandbox.invalid")
    for constant in ("NaN", "Infinity", "-Infinity"):
        body = f'{{"model": "gpt-4o-mini", "training_file": "f", "hyperparameters": {{"n_epochs": {constant}}}}}'
        response = http.post("/v1/fine_tuning/jobs", headers={"Authorization": "Bearer k"}, content=body.encode())
        assert response.status_code == 400


CHAT_BODIES = st.fixed_dictionaries(
    {"model": st.sampled_from(["gpt-4o-mini", "gpt-4.1-mini-2025-04-14", "nope"]) | JSON_VALUES},
    optional={
        "messages": JSON_VALUES
        | st.lists(
            st.fixed_dictionaries(
                {"role": st.sampled_from(["user", "assistant", "system", "tool"]) | JSON_VALUES},
                optional={"content": JSON_VALUES, "name": JSON_VALUES},
            ),
            max_size=4,
        ),
        "max_tokens": JSON_VALUES,
        "max_completion_tokens": JSON_VALUES,
        "n": JSON_VALUES,
        "stream": JSON_VALUES,
        "stream_options": JSON_VALUES,
    },
)


@settings(max_examples=150, deadline=None)
@given(body=CHAT_BODIES)
def test_any_chat_request_gets_an_api_answer_never_a_crash(body: dict[str, object]) -> None:
    http = httpx2.Client(transport=SandboxService().transport(), base_url="http://sandbox.invalid")
    response = http.post("/v1/chat/completions", headers={"Authorization": "Bearer k"}, json=body)
    assert response.status_code in {200, 400, 404}, response.text
    if response.status_code == 200 and body.get("stream") is not True:
        ChatCompletion.model_validate(response.json())
