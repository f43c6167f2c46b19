"""A lab job's settings from a create request, and its progress lines as the API's events (no training).

- missing and "auto" values resolve to the lab's defaults (3 epochs, batch 4, 2e-4, rank 16, alpha 32, 512 tokens)
- learning_rate_multiplier scales 2e-4; an explicit learning_rate wins over the multiplier
- the batch size is capped at the number of examples; lora_alpha defaults to twice the rank
- DPO gets a beta, SFT none; the settings become the worker's TrainingSpec
- out-of-range, fractional, boolean or non-numeric values are refused naming the hyperparameter
- every progress kind becomes the expected message, and step/eval lines carry metrics data
- any progress lines at all, however garbled, never make progress_events raise
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finetune_guide.lab.jobs import (
    DEFAULT_LEARNING_RATE,
    EventDraft,
    lab_settings,
    latest,
    progress_events,
    steps_for,
)
from finetune_guide.sandbox.errors import SandboxError

MODEL = "ft:tiny:local::abcd1234"


def sft(**hyperparameters: Any) -> dict[str, Any]:
    return {"method": {"type": "supervised", "supervised": {"hyperparameters": hyperparameters}}}


def test_missing_values_resolve_to_the_lab_defaults() -> None:
    settings = lab_settings({}, examples=100)
    assert (settings.method, settings.n_epochs, settings.batch_size, settings.learning_rate) == (
        "supervised",
        3,
        4,
        DEFAULT_LEARNING_RATE,
    )
    assert (settings.lora_rank, settings.lora_alpha, settings.max_seq_length, settings.beta) == (16, 32, 512, None)
    assert lab_settings(sft(n_epochs="auto", batch_size="auto", learning_rate_multiplier="auto"), examples=100) == (
        settings
    )


def test_the_legacy_hyperparameters_field_is_read_too() -> None:
    assert lab_settings({"hyperparameters": {"n_epochs": 7}}, examples=20).n_epochs == 7


def test_learning_rate_multiplier_scales_the_default_rate() -> None:
    assert lab_settings(sft(learning_rate_multiplier=5), examples=20).learning_rate == pytest.approx(1e-3)
    assert lab_settings(sft(learning_rate_multiplier=0.5), examples=20).learning_rate == pytest.approx(1e-4)


def test_an_explicit_learning_rate_wins_over_the_multiplier() -> None:
    settings = lab_settings(sft(learning_rate=3e-2, learning_rate_multiplier=5), examples=20)
    assert settings.learning_rate == 3e-2
    assert settings.hyperparameters()["learning_rate_multiplier"] == pytest.approx(150)


def test_the_batch_size_is_capped_at_the_number_of_examples() -> None:
    assert lab_settings(sft(batch_size=32), examples=10).batch_size == 10
    assert lab_settings(sft(batch_size=8), examples=100).batch_size == 8
    assert lab_settings({}, examples=0).batch_size == 1


def test_lora_alpha_defaults_to_twice_the_rank() -> None:
    assert lab_settings(sft(lora_rank=8), examples=10).lora_alpha == 16
    assert lab_settings(sft(lora_rank=8, lora_alpha=8), examples=10).lora_alpha == 8


def test_dpo_gets_a_beta_and_the_settings_become_the_workers_spec() -> None:
    dpo = lab_settings({"method": {"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.3}}}}, examples=10)
    assert (dpo.method, dpo.beta) == ("dpo", 0.3)
    assert lab_settings({"method": {"type": "dpo"}}, examples=10).beta == 0.1
    spec = dpo.spec(
        model="tiny",
        training_file="/data/t.jsonl",
        validation_file=None,
        output_dir="/runs/x",
        seed=7,
        device="cpu",
        threads=1,
    )
    assert (spec.method, spec.beta, spec.epochs, spec.batch_size, spec.seed, spec.threads) == ("dpo", 0.3, 3, 4, 7, 1)
    assert (
        lab_settings({}, examples=10)
        .spec(model="tiny", training_file="t", validation_file=None, output_dir="o", seed=1, device="cpu", threads=1)
        .method
        == "sft"
    )


def test_steps_are_batches_per_epoch_times_epochs() -> None:
    assert steps_for(10, lab_settings(sft(n_epochs=2, batch_size=4), examples=10)) == 6


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("n_epochs", 0),
        ("n_epochs", 101),
        ("n_epochs", 2.5),
        ("n_epochs", True),
        ("batch_size", "4"),
        ("learning_rate", 0.0),
        ("learning_rate", math.nan),
        ("learning_rate_multiplier", math.inf),
        ("lora_rank", 1024),
        ("max_seq_length", 8),
        ("beta", 5),
    ],
)
def test_a_value_out_of_range_is_refused_naming_it(name: str, value: Any) -> None:
    with pytest.raises(SandboxError) as refused:
        lab_settings(sft(**{name: value}), examples=10)
    assert refused.value.status == 400
    assert refused.value.param == name and name in str(refused.value.body())


@pytest.mark.parametrize("method", [{"type": "rl"}, "supervised", {"supervised": {}}])
def test_an_unknown_method_is_refused(method: Any) -> None:
    with pytest.raises(SandboxError) as refused:
        lab_settings({"method": method}, examples=10)
    assert refused.value.param == "method.type"


def test_reinforcement_is_refused_as_unsupported() -> None:
    with pytest.raises(SandboxError) as refused:
        lab_settings({"method": {"type": "reinforcement"}}, examples=10)
    assert refused.value.code == "unsupported_method"


def line(kind: str, **fields: Any) -> dict[str, Any]:
    return {"kind": kind, **fields, "time": 1_800_000_000.5}


def test_each_progress_kind_becomes_the_expected_event() -> None:
    lines = [
        line("loading", model="tiny", source="tiny", note="built in"),
        line("started", total_steps=6, device="cpu", trainable_parameters=1_000, parameters=100_000),
        line(
            "step",
            step=1,
            total_steps=6,
            loss=2.5,
            learning_rate=1e-3,
            tokens=300,
            tokens_per_s=150.0,
            elapsed_s=2.0,
            mean_token_accuracy=0.25,
        ),
        line("eval", step=3, valid_loss=1.5, valid_mean_token_accuracy=0.5),
        line("checkpoint", step=3, path="checkpoint-3"),
        line("succeeded", path="adapter", trained_tokens=900),
    ]
    events = progress_events(lines, model_id=MODEL)
    assert [e.message for e in events] == [
        "Loading tiny (built in)",
        "Fine-tuning job started on cpu: 6 steps, training 1,000 of 100,000 parameters (1.00%)",
        "Step 1/6: training loss=2.5000",
        "Step 3/6: validation loss=1.5000",
        "Checkpoint created at step 3",
        f"New fine-tuned model created: {MODEL}",
        "The job has successfully completed",
    ]
    assert all(e.at == 1_800_000_000 for e in events)
    assert [e.kind for e in events] == ["message", "message", "metrics", "metrics", "message", "message", "message"]
    assert events[2].data == {
        "step": 1,
        "total_steps": 6,
        "train_loss": 2.5,
        "train_mean_token_accuracy": 0.25,
        "tokens_per_s": 150.0,
        "elapsed_s": 2.0,
        "tokens": 300,
        "learning_rate": 1e-3,
    }
    assert events[3].data == {
        "step": 3,
        "total_steps": 6,
        "valid_loss": 1.5,
        "full_valid_loss": 1.5,
        "valid_mean_token_accuracy": 0.5,
    }


def test_cancelled_and_failed_runs_say_so() -> None:
    kept, lost, failed = progress_events(
        [
            line("cancelled", step=4, path="checkpoint-4"),
            line("cancelled", step=0, path=None),
            line("failed", code="out_of_memory", message="The machine ran out of memory."),
        ],
        model_id=MODEL,
    )
    assert kept.message == "Fine-tuning job cancelled; the adapter of step 4 is kept"
    assert lost.message == "Fine-tuning job cancelled"
    assert (failed.level, failed.message) == ("error", "The job failed: The machine ran out of memory.")


def test_a_step_without_a_loss_is_still_an_event_and_unknown_kinds_are_skipped() -> None:
    events = progress_events([line("mystery"), line("step", step=2, total_steps=4)], model_id=MODEL)
    assert events == [
        EventDraft(1_800_000_000, "Step 2/4: training", kind="metrics", data={"step": 2, "total_steps": 4})
    ]


def test_latest_finds_the_newest_line_of_a_kind() -> None:
    lines = [line("step", step=1), line("eval", step=1), line("step", step=2)]
    assert latest(lines, "step") == lines[2]
    assert latest(lines, "succeeded") is None


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)
KINDS = st.sampled_from(["loading", "started", "step", "eval", "checkpoint", "succeeded", "cancelled", "failed"])
FIELDS = st.sampled_from(
    [
        "time",
        "model",
        "note",
        "total_steps",
        "trainable_parameters",
        "parameters",
        "device",
        "step",
        "loss",
        "valid_loss",
        "valid_mean_token_accuracy",
        "mean_token_accuracy",
        "tokens_per_s",
        "elapsed_s",
        "tokens",
        "learning_rate",
        "path",
        "message",
        "code",
    ]
)
PROGRESS_LINES = st.lists(
    st.builds(
        lambda kind, fields: {"kind": kind, **fields},
        KINDS | JSON_VALUES,
        st.dictionaries(FIELDS, JSON_VALUES, max_size=6),
    ),
    max_size=8,
)


@given(PROGRESS_LINES)
def test_any_progress_lines_never_make_the_events_raise(lines: list[dict[str, Any]]) -> None:
    events = progress_events(lines, model_id=MODEL)
    assert all(isinstance(e.message, str) and isinstance(e.at, int) for e in events)
