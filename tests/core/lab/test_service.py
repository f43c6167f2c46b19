"""The Local lab service driven through the official `openai` SDK in-process: real LoRA runs of tiny.

- tiny trains end to end: files → job → events with a falling loss → checkpoints → models → results CSV
- the fine-tuned model answers differently from its base model, greedily and with the same seed
- the adapter downloads as a safetensors-only zip; a merged model answers like base + adapter
- cancel ends a long run within seconds and leaves a checkpoint model that answers; "stop now" ends it at once
- only the checkpoints still on disk are listed (older ones are pruned by the worker)
- a bad training file fails the job with exactly the sandbox's error; a 5-example validation file is accepted
- a killed training process fails its job with a message naming the likely cause; the service keeps serving
- one training at a time: a second job waits in the queue (position 1) and starts after the first finished
- a new service on the same folder finds files, jobs and models, follows a run it did not start, and starts
  nothing while that run goes on
- refusals are explained, never crashes: pause/resume, reinforcement, out-of-range values, unknown models,
  not enough memory (and nothing is queued)
"""

from __future__ import annotations

import io
import os
import re
import signal
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest

from finetune_guide.lab import runner
from finetune_guide.lab import tenant as lab_tenant
from finetune_guide.lab.service import LabService
from finetune_guide.providers import ProviderSettings, build_client
from finetune_guide.sandbox import SandboxService
from tests.support import chat_rows, jsonl, question, supervised, wait_for, wait_for_job

LONG_EPOCHS = 100  # 300 steps: far more than any test lets it run
MEMORISE = {"n_epochs": 10, "learning_rate": 1e-2, "max_seq_length": 128}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabService]:
    service = LabService(tmp_path_factory.mktemp("lab-service"), threads=1)
    yield service
    for job in service.store.jobs(statuses=("running",)):
        service.stop_now(job)
    service.close()


@pytest.fixture(scope="module")
def client(lab: LabService) -> openai.OpenAI:
    return build_client(ProviderSettings(kind="local"), lab=lab.tenant())


@pytest.fixture(scope="module")
def training_file(client: openai.OpenAI) -> str:
    return client.files.create(file=("train.jsonl", jsonl(chat_rows())), purpose="fine-tune").id


@dataclass(frozen=True)
class Trained:
    """The module's one memorisable run, and a short second job created at the same moment."""

    first: Any  # FineTuningJob, succeeded
    second: Any  # FineTuningJob, succeeded; it has a 5-example validation file
    second_while_first_ran: list[tuple[str, int | None]]  # (status, queue_position) seen while the first ran


@pytest.fixture(scope="module")
def trained(client: openai.OpenAI, training_file: str) -> Trained:
    validation = client.files.create(file=("valid.jsonl", jsonl(chat_rows(5))), purpose="fine-tune").id
    first = client.fine_tuning.jobs.create(training_file=training_file, model="tiny", method=supervised(**MEMORISE))
    second = client.fine_tuning.jobs.create(
        training_file=training_file, validation_file=validation, model="tiny", method=supervised(), suffix="second"
    )
    seen: list[tuple[str, int | None]] = []
    while (now := client.fine_tuning.jobs.retrieve(first.id)).status in {"queued", "running"}:
        other = client.fine_tuning.jobs.retrieve(second.id)
        # Only a reading taken wholly while the first job ran counts: it may finish between the two retrieves.
        still = client.fine_tuning.jobs.retrieve(first.id).status == "running"
        if now.status == "running" and still:
            seen.append((other.status, other.model_extra["lab"]["queue_position"]))
        time.sleep(0.25)
    return Trained(wait_for_job(client, first.id), wait_for_job(client, second.id), seen)


def long_job(client: openai.OpenAI, training_file: str) -> Any:
    job = client.fine_tuning.jobs.create(
        training_file=training_file, model="tiny", method=supervised(n_epochs=LONG_EPOCHS)
    )
    return wait_for_job(client, job.id, timeout=60, statuses=frozenset({"running"}))


def ask(client: openai.OpenAI, model: str, index: int = 0) -> str:
    reply = client.chat.completions.create(
        model=model,
        messages=question(index),  # type: ignore[arg-type]
        temperature=0,
        seed=0,
        max_tokens=24,
    )
    return reply.choices[0].message.content or ""


# -- one run, end to end ---------------------------------------------------------------------------------


@pytest.mark.lab
def test_tiny_trains_through_the_sdk_and_its_loss_falls(client: openai.OpenAI, trained: Trained) -> None:
    job = trained.first
    assert job.status == "succeeded", job.error
    assert job.fine_tuned_model and job.fine_tuned_model.startswith("ft:tiny:local:")
    assert job.trained_tokens and job.trained_tokens > 0
    events = list(reversed(list(client.fine_tuning.jobs.list_events(job.id, limit=100))))
    losses = [e.data["train_loss"] for e in events if e.type == "metrics" and "train_loss" in (e.data or {})]
    assert len(losses) == 30  # 10 examples / batch 4 → 3 steps per epoch, 10 epochs
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3
    messages = [e.message for e in events]
    assert messages[0].startswith("Created fine-tuning job") and messages[-1] == "The job has successfully completed"
    assert f"New fine-tuned model created: {job.fine_tuned_model}" in messages

    checkpoints = list(client.fine_tuning.jobs.checkpoints.list(job.id))
    assert checkpoints and all(c.fine_tuned_model_checkpoint.startswith(job.fine_tuned_model) for c in checkpoints)
    assert max(c.step_number for c in checkpoints) == 30
    assert job.fine_tuned_model in {m.id for m in client.models.list()}

    table = client.files.content(job.result_files[0]).text.strip().splitlines()
    header = table[0].split(",")
    assert "train_loss" in header
    rows = [dict(zip(header, line.split(","), strict=True)) for line in table[1:]]
    assert len(rows) == len(losses)
    assert [float(row["train_loss"]) for row in rows] == pytest.approx(losses, rel=1e-4)


@pytest.mark.lab
def test_only_the_checkpoints_still_on_disk_are_listed(
    lab: LabService, client: openai.OpenAI, trained: Trained
) -> None:
    job = trained.first
    kept = sorted(int(p.name.split("-")[-1]) for p in lab.run_dir(job.id).glob("checkpoint-*"))
    listed = sorted(c.step_number for c in client.fine_tuning.jobs.checkpoints.list(job.id))
    assert listed == kept == [24, 27, 30]  # the worker keeps the last three epochs


@pytest.mark.lab
def test_the_fine_tuned_model_answers_differently_from_its_base(client: openai.OpenAI, trained: Trained) -> None:
    tuned = ask(client, trained.first.fine_tuned_model)
    assert tuned != ask(client, "tiny")
    assert tuned == ask(client, trained.first.fine_tuned_model)  # greedy: the same answer every time


@pytest.mark.lab
def test_the_adapter_downloads_as_a_zip_of_safetensors(client: openai.OpenAI, trained: Trained) -> None:
    response = client.get(f"/lab/jobs/{trained.first.id}/adapter.zip", cast_to=httpx2.Response)
    assert response.headers["content-type"] == "application/zip"
    names = {Path(name).name for name in zipfile.ZipFile(io.BytesIO(response.content)).namelist()}
    assert {"adapter_config.json", "adapter_model.safetensors"} <= names
    assert not [name for name in names if name.endswith((".bin", ".pt", ".pth", ".pkl"))]


@pytest.mark.lab
def test_a_merged_model_answers_like_the_fine_tuned_model(
    lab: LabService, client: openai.OpenAI, trained: Trained
) -> None:
    merged = client.post(f"/lab/jobs/{trained.first.id}/merge", cast_to=object)
    assert isinstance(merged, dict) and merged["bytes"] > 0
    folder = Path(merged["path"])
    assert (folder / "config.json").is_file() and list(folder.glob("*.safetensors"))
    answer = lab.chat.ask(
        {"model": str(folder), "adapter": None, "messages": question(), "max_tokens": 24, "temperature": 0.0}
    )
    assert answer.get("text") == ask(client, trained.first.fine_tuned_model), answer
    zipped = client.get(f"/lab/jobs/{trained.first.id}/merged.zip", cast_to=httpx2.Response)
    assert "merged/config.json" in zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()


@pytest.mark.lab
def test_one_training_at_a_time_the_second_job_waits_its_turn(lab: LabService, trained: Trained) -> None:
    assert trained.second_while_first_ran, "the first job was never seen running"
    assert set(trained.second_while_first_ran) == {("queued", 1)}
    assert (trained.first.status, trained.second.status) == ("succeeded", "succeeded")
    first, second = lab.store.job(trained.first.id), lab.store.job(trained.second.id)
    assert first and second and first.finished_at and second.started_at
    assert second.started_at >= first.finished_at
    first_end = next(line for line in lab.progress(first.id) if line["kind"] == "succeeded")
    assert min(line["time"] for line in lab.progress(second.id)) >= first_end["time"]


@pytest.mark.lab
def test_a_five_example_validation_file_is_accepted_and_evaluated(client: openai.OpenAI, trained: Trained) -> None:
    assert trained.second.status == "succeeded", trained.second.error
    events = client.fine_tuning.jobs.list_events(trained.second.id, limit=100)
    assert any("valid_loss" in (e.data or {}) for e in events)


@pytest.mark.lab
def test_the_lab_calibrates_its_estimates_from_its_own_runs(lab: LabService, trained: Trained) -> None:
    speed = lab.measured_speed("tiny")
    assert speed is not None and speed > 0


# -- stopping a run --------------------------------------------------------------------------------------


@pytest.mark.lab
def test_cancel_ends_a_long_run_within_seconds_and_keeps_a_checkpoint_that_answers(
    client: openai.OpenAI, training_file: str, trained: Trained
) -> None:
    job = long_job(client, training_file)
    wait_for(lambda: client.fine_tuning.jobs.retrieve(job.id).model_extra["lab"]["step"] >= 1, timeout=60)
    asked = time.monotonic()
    assert client.fine_tuning.jobs.cancel(job.id).model_extra["lab"]["cancel_requested"] is True
    done = wait_for_job(client, job.id, timeout=30)
    assert done.status == "cancelled"
    assert time.monotonic() - asked < 20
    step = done.model_extra["lab"]["step"]
    assert 1 <= step < LONG_EPOCHS * 3
    checkpoints = [c.fine_tuned_model_checkpoint for c in client.fine_tuning.jobs.checkpoints.list(job.id)]
    assert re.fullmatch(r"ft:tiny:local::\w{8}:ckpt-step-\d+", checkpoints[0])
    assert checkpoints[0].endswith(f":ckpt-step-{step}")
    assert ask(client, checkpoints[0])  # the checkpoint model answers
    assert done.fine_tuned_model is None
    with pytest.raises(openai.BadRequestError, match="already cancelled"):
        client.fine_tuning.jobs.cancel(job.id)


@pytest.mark.lab
def test_stop_now_ends_a_run_at_once(lab: LabService, client: openai.OpenAI, training_file: str) -> None:
    job = long_job(client, training_file)
    pid = lab.store.job(job.id).pid  # type: ignore[union-attr]
    assert pid is not None
    asked = time.monotonic()
    stopped = client.post(f"/lab/jobs/{job.id}/stop", cast_to=object)
    assert isinstance(stopped, dict) and stopped["status"] == "cancelled"
    assert time.monotonic() - asked < 10
    assert not runner.is_alive(pid)
    assert client.fine_tuning.jobs.retrieve(job.id).status == "cancelled"


@pytest.mark.lab
def test_a_killed_training_process_fails_its_job_and_the_service_keeps_serving(
    lab: LabService, client: openai.OpenAI, training_file: str
) -> None:
    job = long_job(client, training_file)
    pid = lab.store.job(job.id).pid  # type: ignore[union-attr]
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    failed = wait_for_job(client, job.id, timeout=30)
    assert failed.status == "failed"
    assert failed.error.code == "worker_crashed"
    assert "stopped by the system (SIGKILL)" in failed.error.message and "out of memory" in failed.error.message
    events = [e.message for e in client.fine_tuning.jobs.list_events(job.id, limit=100)]
    assert failed.error.message in events

    assert job.id in {j.id for j in client.fine_tuning.jobs.list()}
    again = client.fine_tuning.jobs.create(training_file=training_file, model="tiny", method=supervised())
    assert wait_for_job(client, again.id, timeout=60, statuses=frozenset({"running", "succeeded"}))
    client.post(f"/lab/jobs/{again.id}/stop", cast_to=object)


# -- bad files, as the sandbox judges them -------------------------------------------------------------


def bad_files() -> dict[str, bytes]:
    rows = chat_rows()
    missing_assistant = [*rows[:4], {"messages": rows[4]["messages"][:2]}, *rows[5:]]
    return {
        "assistant message missing": jsonl(missing_assistant),
        "invalid JSON": jsonl(rows[:3]) + b'{"messages": [\n' + jsonl(rows[3:]),
        "too few examples": jsonl(rows[:6]),
    }


def file_error(client: openai.OpenAI, data: bytes, *, model: str) -> tuple[str, str, str]:
    """The error of a job on `data`, with the file id replaced by FILE (the two services number files apart)."""
    uploaded = client.files.create(file=("bad.jsonl", data), purpose="fine-tune")
    job = wait_for_job(client, client.fine_tuning.jobs.create(training_file=uploaded.id, model=model).id, timeout=10)
    assert job.status == "failed"
    return job.error.code, job.error.message.replace(uploaded.id, "FILE"), job.error.param


@pytest.mark.parametrize("name", bad_files())
def test_a_bad_training_file_fails_the_job_with_the_sandboxs_error(lab: LabService, name: str) -> None:
    data = bad_files()[name]
    local = build_client(ProviderSettings(kind="local"), lab=lab.tenant(f"bad-file-{name}"))
    sandbox = build_client(ProviderSettings(kind="sandbox"), sandbox=SandboxService(speed="instant"))
    # The lab checks every file as the sandbox does for gpt-4o-mini, whichever open model it trains.
    found = file_error(local, data, model="tiny")
    assert found == file_error(sandbox, data, model="gpt-4o-mini-2024-07-18")
    assert found[0] == "invalid_training_file" and "FILE" in found[1]
    assert not lab.queue()


# -- a new service on the same folder -------------------------------------------------------------------


@pytest.mark.lab
def test_a_new_service_follows_a_run_it_did_not_start_and_finds_everything_again(
    tmp_path: Path, lab: LabService, trained: Trained
) -> None:
    # `lab` and `trained` only order this test after the module's runs: the machine is free.
    first = LabService(tmp_path, threads=1)
    client = build_client(ProviderSettings(kind="local"), lab=first.tenant())
    training = client.files.create(file=("train.jsonl", jsonl(chat_rows())), purpose="fine-tune").id
    job = client.fine_tuning.jobs.create(training_file=training, model="tiny", method=supervised(n_epochs=3))
    wait_for_job(client, job.id, timeout=60, statuses=frozenset({"running"}))
    first.close()

    second = LabService(tmp_path, threads=1)
    try:
        client = build_client(ProviderSettings(kind="local"), lab=second.tenant())
        assert [f.id for f in client.files.list()] == [training]
        assert client.fine_tuning.jobs.retrieve(job.id).status == "running"
        waiting = client.fine_tuning.jobs.create(training_file=training, model="tiny", method=supervised())
        assert (waiting.status, waiting.model_extra["lab"]["queue_position"]) == ("queued", 1)
        done = wait_for_job(client, job.id)
        assert done.status == "succeeded", done.error
        assert client.fine_tuning.jobs.retrieve(waiting.id).status in {"queued", "running"}
        wait_for_job(client, waiting.id, timeout=60, statuses=frozenset({"running", "succeeded"}))
        client.post(f"/lab/jobs/{waiting.id}/stop", cast_to=object)
    finally:
        for left in second.store.jobs(statuses=("running",)):  # only when an assertion failed above
            second.stop_now(left)
        second.close()

    third = LabService(tmp_path, threads=1)
    try:
        client = build_client(ProviderSettings(kind="local"), lab=third.tenant())
        assert [f.id for f in client.files.list(purpose="fine-tune")] == [training]
        assert {j.id: j.status for j in client.fine_tuning.jobs.list()} == {
            job.id: "succeeded",
            waiting.id: "cancelled",
        }
        assert done.fine_tuned_model in {m.id for m in client.models.list()}
        assert ask(client, done.fine_tuned_model)
    finally:
        third.close()


# -- refusals ------------------------------------------------------------------------------------------


def test_pause_and_resume_are_refused_with_a_pointer_to_cancel(client: openai.OpenAI) -> None:
    for operation in (client.fine_tuning.jobs.pause, client.fine_tuning.jobs.resume):
        with pytest.raises(openai.BadRequestError) as refused:
            operation("ftjob-anything")
        assert refused.value.status_code == 400
        assert "Cancel" in refused.value.message


def test_reinforcement_is_refused_as_an_unsupported_method(client: openai.OpenAI, training_file: str) -> None:
    method: Any = {"type": "reinforcement", "reinforcement": {"grader": {"type": "string_check"}}}
    with pytest.raises(openai.BadRequestError) as refused:
        client.fine_tuning.jobs.create(training_file=training_file, model="tiny", method=method)
    assert refused.value.code == "unsupported_method"


@pytest.mark.parametrize(
    ("name", "value"),
    [("n_epochs", 0), ("n_epochs", 2.5), ("learning_rate", 5.0), ("batch_size", 1000), ("lora_rank", "big")],
)
def test_a_hyperparameter_out_of_range_is_refused_by_name(
    lab: LabService, client: openai.OpenAI, training_file: str, name: str, value: Any
) -> None:
    before = len(lab.store.jobs())
    with pytest.raises(openai.BadRequestError) as refused:
        client.fine_tuning.jobs.create(training_file=training_file, model="tiny", method=supervised(**{name: value}))
    assert refused.value.status_code == 400
    assert name in refused.value.message and refused.value.param == name
    assert len(lab.store.jobs()) == before


def test_an_unknown_model_is_refused(client: openai.OpenAI, training_file: str) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        client.fine_tuning.jobs.create(training_file=training_file, model="no such model")
    assert refused.value.code == "model_not_available" and "tiny" in refused.value.message


def test_not_enough_memory_is_refused_with_the_numbers_and_nothing_is_queued(
    lab: LabService, client: openai.OpenAI, training_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lab_tenant, "available_memory_gb", lambda: 0.1)
    before = len(lab.store.jobs())
    with pytest.raises(openai.BadRequestError) as refused:
        client.fine_tuning.jobs.create(training_file=training_file, model="Qwen/Qwen2.5-0.5B-Instruct")
    assert refused.value.code == "insufficient_memory"
    assert "10.3 GB" in refused.value.message and "0.1 GB" in refused.value.message
    assert len(lab.store.jobs()) == before and not lab.queue()
