"""What a local training run is asked to do, and the progress lines its process writes: plain data, no torch."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Literal

LabMethod = Literal["sft", "dpo"]
Device = Literal["auto", "cpu", "cuda", "mps"]

# Files a run directory holds; the service and the worker agree on these names and nothing else.
SPEC_FILE = "spec.json"
PROGRESS_FILE = "progress.jsonl"  # one JSON object per line, appended by the worker (see ProgressEvent kinds)
CANCEL_FILE = "CANCEL"  # created by the service: the worker stops at the next step and saves a checkpoint
ADAPTER_DIR = "adapter"  # the final LoRA adapter (adapter_config.json, adapter_model.safetensors)
CHECKPOINT_PREFIX = "checkpoint-"  # checkpoint-<step>/ holds the adapter saved at that step
RESULTS_FILE = "results.csv"  # step,train_loss,train_mean_token_accuracy,valid_loss,valid_mean_token_accuracy

# Progress kinds, in the order a run writes them:
#   {"kind": "loading", "model": ..., "source": "tiny|packaged|hub|folder", "note": ...}
#   {"kind": "started", "total_steps": N, "device": "cpu", "trainable_parameters": n, "parameters": n,
#    "examples": n, "epochs": n}
#   {"kind": "step", "step": i, "total_steps": N, "loss": x, "learning_rate": x, "epoch": x,
#    "tokens": cumulative trained tokens, "tokens_per_s": x, "elapsed_s": x, "mean_token_accuracy": x|null,
#    "peak_rss_mb": the worker's peak resident memory so far}
#   {"kind": "eval", "step": i, "valid_loss": x, "valid_mean_token_accuracy": x|null}
#   {"kind": "checkpoint", "step": i, "path": "checkpoint-i"}
#   then exactly one of
#   {"kind": "succeeded", "path": "adapter", "trained_tokens": n, "steps": n, "elapsed_s": x}
#   {"kind": "cancelled", "step": i, "path": "checkpoint-i" | null}
#   {"kind": "failed", "code": "out_of_memory|bad_data|model_unavailable|internal", "message": "..."}
# Every line also carries "time": unix seconds.
TERMINAL_KINDS = frozenset({"succeeded", "cancelled", "failed"})


@dataclass(frozen=True, slots=True)
class TrainingSpec:
    """One LoRA run: which model, which data, which hyperparameters, and where to write."""

    model: str  # "tiny", a Hugging Face model id, or a local folder
    training_file: str  # a JSONL path (chat "messages" for sft; "input"/"preferred_output"/... for dpo)
    output_dir: str
    method: LabMethod = "sft"
    validation_file: str | None = None
    epochs: int = 3
    learning_rate: float = 2e-4
    batch_size: int = 4
    lora_rank: int = 16
    lora_alpha: int = 32
    max_seq_length: int = 512
    beta: float = 0.1  # dpo only
    seed: int = 42
    device: Device = "auto"
    threads: int = 0  # torch threads; 0 = one per core, which the measurements here found fastest
    logging_steps: int = 1
    save_checkpoints: int = 3  # keep the adapters of the last N epochs, as the hosted services do
    max_steps: int = 0  # stop after this many steps (a speed probe); 0 lets the epochs decide

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> TrainingSpec:
        raw = json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError("a training spec is a JSON object")
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in raw.items() if key in known})

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / SPEC_FILE
        path.write_text(self.to_json(), encoding="utf-8")
        return path


def read_progress(path: Path, *, start: int = 0) -> tuple[list[dict[str, Any]], int]:
    """The complete progress lines from byte `start` on, and the offset to read from next time.

    A line the worker is still writing (no newline yet) is left for the next call.
    """
    try:
        with path.open("rb") as handle:
            handle.seek(start)
            chunk = handle.read()
    except FileNotFoundError:
        return [], start
    end = chunk.rfind(b"\n") + 1
    events: list[dict[str, Any]] = []
    for line in chunk[:end].splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events, start + end
