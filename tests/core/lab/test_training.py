"""Training runs of the tiny model through `python -m finetune_guide.lab.worker train RUN_DIR`.

- an SFT run writes loading, started, step..., eval, checkpoint ..., succeeded, in that order;
- its loss falls, and it leaves an adapter (adapter_config.json + adapter_model.safetensors);
- results.csv has a train_loss for every logged step and valid_loss on the evaluated ones;
- a validation file gives one eval line per epoch with a valid_loss;
- only the last save_checkpoints epochs' checkpoints are kept, each holding just the adapter;
- no pickle (training_args.bin, optimizer.pt, ...) is left anywhere in the run folder;
- DPO on preference pairs trains and writes an adapter;
- a CANCEL file stops the run within seconds and leaves a checkpoint adapter that inference loads;
- a bad data file ends in a "failed" line with code bad_data, a plain message naming the line, and exit code 0;
- a model that cannot be had offline ends in a "failed" line with code model_unavailable.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

from finetune_guide.lab.inference import generate
from finetune_guide.lab.spec import CANCEL_FILE, PROGRESS_FILE, TERMINAL_KINDS
from finetune_guide.lab.training import train
from tests.core.lab.worker_support import (
    SFT_EPOCHS,
    LabWorld,
    kinds,
    preference_pairs,
    progress,
    question,
    tiny_spec,
    write_jsonl,
)

ADAPTER_FILES = {"adapter_config.json", "adapter_model.safetensors"}


def test_an_sft_run_writes_its_progress_lines_in_order(sft_run: Path) -> None:
    seen = kinds(sft_run)
    assert seen[:2] == ["loading", "started"]
    assert seen[-1] == "succeeded"
    assert set(seen[2:-1]) == {"step", "eval", "checkpoint"}
    events = progress(sft_run)
    assert all(isinstance(event["time"], float) for event in events)
    steps = [event["step"] for event in events if event["kind"] == "step"]
    assert steps == list(range(1, events[1]["total_steps"] + 1))
    # Within an epoch: its last step, then its evaluation, then its checkpoint.
    for index, event in enumerate(events):
        if event["kind"] == "eval":
            assert events[index - 1]["kind"] == "step"
            assert events[index - 1]["step"] == event["step"]


def test_an_sft_run_reports_tokens_and_speed(sft_run: Path) -> None:
    events = progress(sft_run)
    started = events[1]
    assert started["examples"] == 8
    assert started["epochs"] == SFT_EPOCHS
    assert 0 < started["trainable_parameters"] < started["parameters"]
    steps = [event for event in events if event["kind"] == "step"]
    tokens = [event["tokens"] for event in steps]
    assert tokens == sorted(tokens)
    assert tokens[0] > 0
    assert all(event["tokens_per_s"] > 0 and event["learning_rate"] > 0 for event in steps)
    assert events[-1]["trained_tokens"] == tokens[-1]


def test_the_loss_of_the_last_steps_is_below_the_first(sft_run: Path) -> None:
    losses = [event["loss"] for event in progress(sft_run) if event["kind"] == "step"]
    assert sum(losses[-3:]) / 3 < losses[0] - 1.0


def test_an_sft_run_leaves_an_adapter(sft_run: Path) -> None:
    assert {path.name for path in (sft_run / "adapter").iterdir()} >= ADAPTER_FILES
    assert progress(sft_run)[-1]["path"] == "adapter"


def test_results_csv_has_a_train_loss_for_every_logged_step(sft_run: Path) -> None:
    with (sft_run / "results.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "step",
        "train_loss",
        "train_mean_token_accuracy",
        "valid_loss",
        "valid_mean_token_accuracy",
    ]
    logged = [event for event in progress(sft_run) if event["kind"] == "step"]
    assert [int(row["step"]) for row in rows] == [event["step"] for event in logged]
    assert all(float(row["train_loss"]) > 0 for row in rows)
    evaluated = {event["step"] for event in progress(sft_run) if event["kind"] == "eval"}
    assert {int(row["step"]) for row in rows if row["valid_loss"]} == evaluated


def test_a_validation_file_gives_one_eval_line_per_epoch(sft_run: Path) -> None:
    evals = [event for event in progress(sft_run) if event["kind"] == "eval"]
    assert len(evals) == SFT_EPOCHS
    assert all(event["valid_loss"] > 0 for event in evals)
    assert evals[-1]["valid_loss"] < evals[0]["valid_loss"]


def test_only_the_last_epochs_checkpoints_are_kept_and_hold_just_the_adapter(sft_run: Path) -> None:
    lines = [event for event in progress(sft_run) if event["kind"] == "checkpoint"]
    assert len(lines) == SFT_EPOCHS
    kept = sorted(path.name for path in sft_run.glob("checkpoint-*"))
    assert kept == sorted(event["path"] for event in lines[-2:])
    for name in kept:
        assert {path.name for path in (sft_run / name).iterdir()} <= ADAPTER_FILES | {"README.md"}


def test_no_pickle_is_left_in_the_run_folder(sft_run: Path) -> None:
    leftovers = [p for p in sft_run.rglob("*") if p.suffix in {".bin", ".pt", ".pth", ".pkl", ".pickle"}]
    assert leftovers == []
    assert not (sft_run / ".trainer").exists()


def test_dpo_on_preference_pairs_trains_and_writes_an_adapter(world: LabWorld, tmp_path: Path) -> None:
    pairs = write_jsonl(tmp_path / "pairs.jsonl", preference_pairs())
    run_dir = world.run_dir("dpo")
    done = world.train(tiny_spec(run_dir, pairs, method="dpo", epochs=2, batch_size=2, learning_rate=5e-3))
    assert done.returncode == 0
    assert kinds(run_dir)[-1] == "succeeded", progress(run_dir)[-1]
    assert progress(run_dir)[1]["method"] == "dpo"
    assert {path.name for path in (run_dir / "adapter").iterdir()} >= ADAPTER_FILES


def test_a_cancel_file_stops_the_run_within_seconds_and_leaves_a_loadable_checkpoint(
    world: LabWorld, chats_file: Path
) -> None:
    run_dir = world.run_dir("cancelled")
    spec = tiny_spec(run_dir, chats_file, epochs=500, batch_size=2)
    spec.write(run_dir)
    worker = world.start("train", str(run_dir))
    try:
        deadline = time.monotonic() + 120
        while "step" not in kinds(run_dir):
            assert worker.poll() is None, progress(run_dir)
            assert time.monotonic() < deadline, "no step line within 120 s"
            time.sleep(0.1)
        (run_dir / CANCEL_FILE).touch()
        asked = time.monotonic()
        assert worker.wait(timeout=30) == 0
        assert time.monotonic() - asked < 10
    finally:
        worker.kill()
    events = progress(run_dir)
    last = events[-1]
    assert last["kind"] == "cancelled"
    assert last["step"] < 2000
    assert events[-2] == {**events[-2], "kind": "checkpoint", "step": last["step"], "path": last["path"]}
    checkpoint = run_dir / last["path"]
    assert {path.name for path in checkpoint.iterdir()} >= ADAPTER_FILES
    answer = generate(world.tiny, checkpoint, question(), max_tokens=8, temperature=0.0, seed=1)
    assert answer.completion_tokens > 0


def test_a_bad_data_file_fails_with_bad_data_and_exit_code_0(world: LabWorld, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n'
                   "this line is not JSON\n", encoding="utf-8")  # fmt: skip
    run_dir = world.run_dir("bad-data")
    done = world.train(tiny_spec(run_dir, bad))
    assert done.returncode == 0
    failed = progress(run_dir)[-1]
    assert failed["kind"] == "failed"
    assert failed["code"] == "bad_data"
    assert failed["message"] == "bad.jsonl, line 2: not valid JSON"
    assert [kind for kind in kinds(run_dir) if kind in TERMINAL_KINDS] == ["failed"]
    assert "Traceback" in (run_dir / "worker.log").read_text(encoding="utf-8")


def test_a_model_that_cannot_be_had_offline_fails_with_model_unavailable(
    world: LabWorld, chats_file: Path, offline: Path, tmp_path: Path
) -> None:
    run_dir = tmp_path / "run"
    train(tiny_spec(run_dir, chats_file, model="someone/not-downloaded-model"))
    failed = progress(run_dir)[-1]
    assert (failed["kind"], failed["code"]) == ("failed", "model_unavailable")
    assert "someone/not-downloaded-model" in failed["message"]
    assert "Traceback" not in (run_dir / PROGRESS_FILE).read_text(encoding="utf-8")
