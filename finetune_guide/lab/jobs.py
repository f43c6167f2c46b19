"""A lab job's settings from a create request, and its progress lines turned into the API's events and metrics."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from finetune_guide.lab.spec import TrainingSpec
from finetune_guide.sandbox.errors import bad_request

DEFAULT_LEARNING_RATE = 2e-4  # LoRA's usual starting point; learning_rate_multiplier scales it
# tiny starts from random weights: at LoRA's usual rate its loss barely moves in a demo, at 1e-2 it visibly falls.
TINY_LEARNING_RATE = 1e-2
DEFAULT_EPOCHS = 3
DEFAULT_BATCH_SIZE = 4
DEFAULT_LORA_RANK = 16
DEFAULT_MAX_SEQ_LENGTH = 512
_LIMITS: dict[str, tuple[float, float, bool]] = {
    # name: (lowest, highest, whole numbers only)
    "n_epochs": (1, 100, True),
    "batch_size": (1, 256, True),
    "learning_rate_multiplier": (1e-6, 100, False),
    "learning_rate": (1e-8, 1, False),
    "lora_rank": (1, 512, True),
    "lora_alpha": (1, 2048, True),
    "max_seq_length": (16, 32768, True),
    "beta": (1e-6, 2, False),
}


@dataclass(frozen=True, slots=True)
class LabSettings:
    """The resolved hyperparameters of one local run."""

    method: str  # "supervised" | "dpo", as the API names them
    n_epochs: int
    batch_size: int
    learning_rate: float
    lora_rank: int
    lora_alpha: int
    max_seq_length: int
    beta: float | None
    default_learning_rate: float = DEFAULT_LEARNING_RATE  # what learning_rate_multiplier 1.0 means for this model

    def spec(
        self,
        *,
        model: str,
        training_file: str,
        validation_file: str | None,
        output_dir: str,
        seed: int,
        device: str,
        threads: int,
    ) -> TrainingSpec:
        return TrainingSpec(
            model=model,
            training_file=training_file,
            validation_file=validation_file,
            output_dir=output_dir,
            method="dpo" if self.method == "dpo" else "sft",
            epochs=self.n_epochs,
            learning_rate=self.learning_rate,
            batch_size=self.batch_size,
            lora_rank=self.lora_rank,
            lora_alpha=self.lora_alpha,
            max_seq_length=self.max_seq_length,
            beta=self.beta if self.beta is not None else 0.1,
            seed=seed,
            device=device,  # type: ignore[arg-type]
            threads=threads,
        )

    def hyperparameters(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "n_epochs": self.n_epochs,
            "batch_size": self.batch_size,
            "learning_rate_multiplier": round(self.learning_rate / self.default_learning_rate, 6),
            "learning_rate": self.learning_rate,
            "lora_rank": self.lora_rank,
            "lora_alpha": self.lora_alpha,
            "max_seq_length": self.max_seq_length,
        }
        if self.beta is not None:
            values["beta"] = self.beta
        return values


def default_learning_rate(model: str) -> float:
    return TINY_LEARNING_RATE if model == "tiny" else DEFAULT_LEARNING_RATE


def lab_settings(body: Mapping[str, Any], *, examples: int) -> LabSettings:
    """Resolve "auto" and missing values; refuse what the lab cannot run, before anything is queued."""
    method = body.get("method")
    kind = "supervised"
    legacy = body.get("hyperparameters")
    given: Mapping[str, Any] = legacy if isinstance(legacy, Mapping) else {}
    if method is not None:
        if not isinstance(method, Mapping) or method.get("type") not in {"supervised", "dpo", "reinforcement"}:
            raise bad_request("method.type must be 'supervised' or 'dpo'.", param="method.type")
        kind = str(method["type"])
        details = method.get(kind)
        if isinstance(details, Mapping) and isinstance(details.get("hyperparameters"), Mapping):
            given = details["hyperparameters"]
    if kind == "reinforcement":
        raise bad_request(
            "The Local lab trains supervised (SFT) and preference (DPO) jobs. Reinforcement fine-tuning needs a "
            "grader model and is not available here.",
            param="method.type",
            code="unsupported_method",
        )
    values = {name: _checked(name, given.get(name)) for name in _LIMITS}
    rank = int(values["lora_rank"] or DEFAULT_LORA_RANK)
    base = default_learning_rate(str(body.get("model") or ""))
    if values["learning_rate"] is not None:
        rate = float(values["learning_rate"])
    else:
        rate = base * float(values["learning_rate_multiplier"] or 1.0)
    return LabSettings(
        method=kind,
        n_epochs=int(values["n_epochs"] or DEFAULT_EPOCHS),
        batch_size=max(1, min(int(values["batch_size"] or DEFAULT_BATCH_SIZE), max(1, examples))),
        learning_rate=rate,
        lora_rank=rank,
        lora_alpha=int(values["lora_alpha"] or 2 * rank),
        max_seq_length=int(values["max_seq_length"] or DEFAULT_MAX_SEQ_LENGTH),
        beta=float(values["beta"] or 0.1) if kind == "dpo" else None,
        default_learning_rate=base,
    )


def _checked(name: str, value: Any) -> float | None:
    if value is None or value == "auto":
        return None
    low, high, whole = _LIMITS[name]
    number_ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not number_ok or not low <= value <= high or (whole and value != int(value)):
        kind = "a whole number" if whole else "a number"
        raise bad_request(f"{name} must be 'auto' or {kind} from {low:g} to {high:g}; got {value!r}.", param=name)
    return float(value)


def steps_for(examples: int, settings: LabSettings) -> int:
    return max(1, math.ceil(examples / settings.batch_size)) * settings.n_epochs


@dataclass(frozen=True, slots=True)
class EventDraft:
    """An event before it gets its id: when, how loud, what it says, and metrics data when it has some."""

    at: int
    message: str
    level: str = "info"
    kind: str = "message"
    data: dict[str, Any] | None = None


def progress_events(lines: Sequence[Mapping[str, Any]], *, model_id: str) -> list[EventDraft]:
    """What the worker's progress lines say, as the hosted API's events (oldest first)."""
    drafts: list[EventDraft] = []
    total = 0
    for line in lines:
        at = _whole(line.get("time"))
        kind = line.get("kind")
        if kind == "loading":
            note = f" ({line['note']})" if line.get("note") else ""
            drafts.append(EventDraft(at, f"Loading {line.get('model')}{note}"))
        elif kind == "started":
            total = _whole(line.get("total_steps"))
            drafts.append(EventDraft(at, _started_message(line)))
        elif kind == "step":
            drafts.append(_step_event(line, at, total))
        elif kind == "eval":
            drafts.append(_eval_event(line, at, total))
        elif kind == "checkpoint":
            drafts.append(EventDraft(at, f"Checkpoint created at step {line.get('step')}"))
        elif kind == "succeeded":
            drafts.append(EventDraft(at, f"New fine-tuned model created: {model_id}"))
            drafts.append(EventDraft(at, "The job has successfully completed"))
        elif kind == "cancelled":
            kept = f"; the adapter of step {line.get('step')} is kept" if line.get("path") else ""
            drafts.append(EventDraft(at, f"Fine-tuning job cancelled{kept}"))
        elif kind == "failed":
            drafts.append(EventDraft(at, f"The job failed: {line.get('message')}", level="error"))
    return drafts


def _started_message(line: Mapping[str, Any]) -> str:
    trainable, total = line.get("trainable_parameters"), line.get("parameters")
    share = ""
    if isinstance(trainable, int) and isinstance(total, int) and total:
        share = f", training {trainable:,} of {total:,} parameters ({100 * trainable / total:.2f}%)"
    return f"Fine-tuning job started on {line.get('device', 'cpu')}: {line.get('total_steps')} steps{share}"


def _step_event(line: Mapping[str, Any], at: int, total: int) -> EventDraft:
    step, loss = _whole(line.get("step")), line.get("loss")
    data: dict[str, Any] = {"step": step, "total_steps": _whole(line.get("total_steps")) or total}
    if isinstance(loss, int | float):
        data["train_loss"] = float(loss)
    for name, key in (
        ("mean_token_accuracy", "train_mean_token_accuracy"),
        ("tokens_per_s", "tokens_per_s"),
        ("elapsed_s", "elapsed_s"),
        ("tokens", "tokens"),
        ("learning_rate", "learning_rate"),
    ):
        if isinstance(line.get(name), int | float):
            data[key] = line[name]
    text = f"training loss={float(loss):.4f}" if isinstance(loss, int | float) else "training"
    return EventDraft(at, f"Step {step}/{data['total_steps']}: {text}", kind="metrics", data=data)


def _eval_event(line: Mapping[str, Any], at: int, total: int) -> EventDraft:
    step, loss = _whole(line.get("step")), line.get("valid_loss")
    data: dict[str, Any] = {"step": step, "total_steps": total}
    if isinstance(loss, int | float):
        data["valid_loss"] = float(loss)
        data["full_valid_loss"] = float(loss)
    if isinstance(line.get("valid_mean_token_accuracy"), int | float):
        data["valid_mean_token_accuracy"] = line["valid_mean_token_accuracy"]
    text = f"validation loss={float(loss):.4f}" if isinstance(loss, int | float) else "validation"
    return EventDraft(at, f"Step {step}/{total}: {text}", kind="metrics", data=data)


def _whole(value: Any) -> int:
    """A progress line's count or time as an int; 0 for anything else (a line garbled on disk must not raise)."""
    return int(value) if isinstance(value, int | float) and math.isfinite(value) else 0


def latest(lines: Sequence[Mapping[str, Any]], kind: str) -> Mapping[str, Any] | None:
    return next((line for line in reversed(lines) if line.get("kind") == kind), None)
