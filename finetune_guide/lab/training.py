"""One LoRA training run (SFT or DPO) on this machine, reporting progress lines into its run folder."""

from __future__ import annotations

import csv
import json
import logging
import os
import resource
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from datasets import Dataset
from peft import LoraConfig, TaskType
from transformers import PrinterCallback, TrainerCallback
from trl.chat_template_utils import get_training_chat_template, has_generation_markers
from trl.trainer.dpo_config import DPOConfig
from trl.trainer.dpo_trainer import DPOTrainer
from trl.trainer.sft_config import SFTConfig
from trl.trainer.sft_trainer import SFTTrainer

from finetune_guide.lab import models
from finetune_guide.lab import spec as contract
from finetune_guide.lab.loading import ModelUnavailableError, load_for_training, materialize, resolve_device
from finetune_guide.lab.spec import TrainingSpec

log = logging.getLogger(__name__)

WORKER_LOG = "worker.log"
TRAINER_SCRATCH = ".trainer"  # Trainer insists on an output_dir; nothing it writes there is kept
ROLES = frozenset({"system", "user", "assistant"})
RESULT_COLUMNS = ("step", "train_loss", "train_mean_token_accuracy", "valid_loss", "valid_mean_token_accuracy")
# Pickles a Trainer or an older tool may leave behind; the run folder must never offer one to be loaded.
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle")


class BadDataError(ValueError):
    """A training or validation file the trainer cannot use; the message names the file and line."""


class ProgressWriter:
    """Appends one JSON object per line to progress.jsonl, flushed at once so the service sees it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.terminal_written = False

    def write(self, kind: str, **fields: Any) -> None:
        line = json.dumps({"kind": kind, **fields, "time": round(time.time(), 3)}, ensure_ascii=False)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
        if kind in contract.TERMINAL_KINDS:
            self.terminal_written = True


def train(spec: TrainingSpec) -> None:
    """Run `spec` to the end, writing progress, the adapter and results.csv; never raises for a failed run."""
    output = Path(spec.output_dir)
    output.mkdir(parents=True, exist_ok=True)
    handler = _log_to(output / WORKER_LOG)
    progress = ProgressWriter(output / contract.PROGRESS_FILE)
    try:
        _run(spec, output, progress)
    except BadDataError as error:
        _fail(progress, "bad_data", str(error))
    except (ModelUnavailableError, models.UnknownModelError) as error:
        _fail(progress, "model_unavailable", str(error))
    except MemoryError:
        _fail(progress, "out_of_memory", _out_of_memory_message(spec))
    except Exception as error:
        if _is_out_of_memory(error):
            _fail(progress, "out_of_memory", _out_of_memory_message(spec))
        else:
            _fail(progress, "internal", _internal_message(error))
    finally:
        _remove_pickles(output)
        shutil.rmtree(output / TRAINER_SCRATCH, ignore_errors=True)
        logging.getLogger().removeHandler(handler)
        handler.close()


def _fail(progress: ProgressWriter, code: str, message: str) -> None:
    log.exception("run failed: %s", code)
    if not progress.terminal_written:
        progress.write("failed", code=code, message=message)


def _is_out_of_memory(error: BaseException) -> bool:
    if isinstance(error, torch.OutOfMemoryError):
        return True
    return isinstance(error, RuntimeError) and "out of memory" in str(error).lower()


def _out_of_memory_message(spec: TrainingSpec) -> str:
    return (
        f"The machine ran out of memory training {spec.model}. Try a smaller batch size (now {spec.batch_size}), "
        f"a shorter maximum sequence length (now {spec.max_seq_length}), or a smaller model."
    )


def _internal_message(error: BaseException) -> str:
    first_line = (str(error).strip().splitlines() or [""])[0][:300]
    detail = f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__
    return f"Training stopped on an unexpected error ({detail}). The details are in {WORKER_LOG} in the run folder."


def _log_to(path: Path) -> logging.Handler:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(min(root.level or logging.INFO, logging.INFO))
    logging.captureWarnings(True)
    return handler


def _remove_pickles(output: Path) -> None:
    for path in output.rglob("*"):
        if path.is_file() and path.suffix in PICKLE_SUFFIXES:
            path.unlink(missing_ok=True)


# ---- data -----------------------------------------------------------------------------------------------------------


def _json_lines(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadDataError(f"{path.name}: the file does not exist") from None
    except UnicodeDecodeError:
        raise BadDataError(f"{path.name}: the file is not UTF-8 text") from None
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise BadDataError(f"{path.name}, line {number}: not valid JSON") from None
        if not isinstance(row, dict):
            raise BadDataError(f"{path.name}, line {number}: each line must be a JSON object")
        rows.append((number, row))
    if not rows:
        raise BadDataError(f"{path.name}: the file has no examples")
    return rows


def _messages(value: object, where: str, *, need_assistant: bool) -> list[dict[str, str]]:
    if not isinstance(value, list) or not value:
        raise BadDataError(f'{where}: "messages" must be a non-empty list')
    cleaned: list[dict[str, str]] = []
    for index, message in enumerate(value, start=1):
        if not isinstance(message, dict):
            raise BadDataError(f"{where}: message {index} is not an object")
        role, content = message.get("role"), message.get("content")
        if role not in ROLES:
            raise BadDataError(f"{where}: message {index} has role {role!r}; use system, user or assistant")
        if not isinstance(content, str):
            raise BadDataError(f'{where}: message {index} needs text "content"')
        # Only role and content reach TRL: keys it does not know ("weight", "name", ...) would break the batch.
        cleaned.append({"role": role, "content": content})
    if need_assistant and not any(message["role"] == "assistant" for message in cleaned):
        raise BadDataError(f"{where}: there is no assistant message to learn from")
    return cleaned


def sft_rows(path: Path) -> list[dict[str, Any]]:
    """Chat lines as TRL's conversational format; per-message "weight" is dropped (all turns are trained)."""
    rows = []
    for number, row in _json_lines(path):
        rows.append({"messages": _messages(row.get("messages"), f"{path.name}, line {number}", need_assistant=True)})
    return rows


def dpo_rows(path: Path) -> list[dict[str, Any]]:
    """Preference lines (input / preferred_output / non_preferred_output) as TRL's prompt / chosen / rejected."""
    rows = []
    for number, row in _json_lines(path):
        where = f"{path.name}, line {number}"
        prompt_input = row.get("input")
        if not isinstance(prompt_input, dict):
            raise BadDataError(f'{where}: "input" must be an object with "messages"')
        prompt = _messages(prompt_input.get("messages"), where, need_assistant=False)
        chosen = _messages(row.get("preferred_output"), f"{where} (preferred_output)", need_assistant=True)
        rejected = _messages(row.get("non_preferred_output"), f"{where} (non_preferred_output)", need_assistant=True)
        rows.append({"prompt": prompt, "chosen": chosen, "rejected": rejected})
    return rows


def _dataset(path: str, method: contract.LabMethod) -> Dataset:
    rows = sft_rows(Path(path)) if method == "sft" else dpo_rows(Path(path))
    return Dataset.from_list(rows)


# ---- the run --------------------------------------------------------------------------------------------------------


def _run(spec: TrainingSpec, output: Path, progress: ProgressWriter) -> None:
    started = time.monotonic()
    torch.set_num_threads(spec.threads or os.cpu_count() or 1)
    source = models.resolve(spec.model)
    progress.write("loading", model=spec.model, source=source.kind, note=source.note)
    train_data = _dataset(spec.training_file, spec.method)
    eval_data = _dataset(spec.validation_file, spec.method) if spec.validation_file else None
    folder = materialize(source)
    device = resolve_device(spec.device)
    model, tokenizer = load_for_training(folder, device)

    reporter = ProgressCallback(spec, output, progress, examples=len(train_data), has_eval=eval_data is not None)
    trainer = _trainer(
        spec=spec,
        output=output,
        device=device,
        model=model,
        tokenizer=tokenizer,
        train_data=train_data,
        eval_data=eval_data,
        reporter=reporter,
    )
    # With progress bars off the Trainer prints every log dict to stdout; progress.jsonl already has them.
    trainer.remove_callback(PrinterCallback)
    reporter.parameters = trainer.model.get_nb_trainable_parameters()
    if (output / contract.CANCEL_FILE).exists():
        progress.write("cancelled", step=0, path=None)
        return
    trainer.train()

    if reporter.cancelled_at is not None:
        step = reporter.cancelled_at
        name = f"{contract.CHECKPOINT_PREFIX}{step}"
        trainer.model.save_pretrained(output / name)
        progress.write("checkpoint", step=step, path=name)
        write_results(output / contract.RESULTS_FILE, reporter.results)
        progress.write("cancelled", step=step, path=name)
        return
    trainer.model.save_pretrained(output / contract.ADAPTER_DIR)
    tokenizer.save_pretrained(output / contract.ADAPTER_DIR)
    write_results(output / contract.RESULTS_FILE, reporter.results)
    progress.write(
        "succeeded",
        path=contract.ADAPTER_DIR,
        trained_tokens=reporter.tokens,
        steps=trainer.state.global_step,
        elapsed_s=round(time.monotonic() - started, 3),
    )


def _trainer(
    *,
    spec: TrainingSpec,
    output: Path,
    device: str,
    model: Any,
    tokenizer: Any,
    train_data: Dataset,
    eval_data: Dataset | None,
    reporter: ProgressCallback,
) -> Any:
    lora = LoraConfig(
        r=spec.lora_rank,
        lora_alpha=spec.lora_alpha,
        target_modules="all-linear",
        lora_dropout=0.0,
        task_type=TaskType.CAUSAL_LM,
    )
    common: dict[str, Any] = {
        "output_dir": str(output / TRAINER_SCRATCH),
        "num_train_epochs": spec.epochs,
        "max_steps": spec.max_steps or -1,  # -1: the epochs decide
        "learning_rate": spec.learning_rate,
        "per_device_train_batch_size": spec.batch_size,
        "per_device_eval_batch_size": spec.batch_size,
        "max_length": spec.max_seq_length,
        "seed": spec.seed,
        "data_seed": spec.seed,
        "logging_steps": spec.logging_steps,
        "logging_strategy": "steps",
        "eval_strategy": "epoch" if eval_data is not None else "no",
        # The callback saves adapter-only checkpoints itself: the Trainer's own hold optimizer and RNG pickles.
        "save_strategy": "no",
        "report_to": "none",
        "disable_tqdm": True,
        # TRL defaults to bf16 mixed precision, which fails on a CPU; the weights keep their own dtype instead.
        "bf16": device == "cuda" and torch.cuda.is_bf16_supported(),
        "fp16": False,
        "use_cpu": device == "cpu",
        # Measured here on SmolLM2-135M (bf16, batch 4 of short chats, one thread): peak 1.5 GB -> 1.3 GB for 13% more
        # time per step (116 -> 101 tokens/s); with float32 and longer sequences 3.8 GB -> 2.2 GB (FACTS §0.1 item 8).
        "activation_checkpointing": True,  # transformers 5's name for gradient checkpointing
        "activation_checkpointing_kwargs": {"use_reentrant": False},
        "dataloader_num_workers": 0,
        "dataset_num_proc": None,
    }
    if spec.method == "sft":
        assistant_only = can_mask_assistant_turns(tokenizer)
        reporter.loss_on = "assistant" if assistant_only else "all"
        return SFTTrainer(
            model=model,
            args=SFTConfig(**common, packing=False, assistant_only_loss=assistant_only),
            train_dataset=train_data,
            eval_dataset=eval_data,
            processing_class=tokenizer,
            peft_config=lora,
            callbacks=[reporter],
        )
    return DPOTrainer(
        model=model,
        args=DPOConfig(**common, beta=spec.beta),
        train_dataset=train_data,
        eval_dataset=eval_data,
        processing_class=tokenizer,
        peft_config=lora,
        callbacks=[reporter],
    )


def can_mask_assistant_turns(tokenizer: Any) -> bool:
    """Whether the loss can count the assistant's tokens only, as hosted fine-tuning does.

    That needs `{% generation %}` markers in the chat template: tiny has them, TRL patches in its own for the
    templates it knows (Qwen2.5, Llama 3, ...), and for any other (SmolLM2's) the whole conversation is trained.
    """
    template = tokenizer.chat_template
    if not template:
        return False
    if has_generation_markers(template):
        return True
    try:
        get_training_chat_template(tokenizer)
    except ValueError:
        log.info("the chat template has no generation markers TRL can add: training on every token")
        return False
    return True


@dataclass(slots=True)
class ResultRow:
    """One row of results.csv, filled in as the step's training log and then its evaluation arrive."""

    step: int
    train_loss: float | None = None
    train_mean_token_accuracy: float | None = None
    valid_loss: float | None = None
    valid_mean_token_accuracy: float | None = None


def write_results(path: Path, rows: dict[int, ResultRow]) -> None:
    """results.csv: one row per logged step, validation columns filled on the steps that were evaluated."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(RESULT_COLUMNS)
        for step in sorted(rows):
            row = rows[step]
            writer.writerow(
                [
                    row.step,
                    *(
                        "" if value is None else f"{value:.6g}"
                        for value in (
                            row.train_loss,
                            row.train_mean_token_accuracy,
                            row.valid_loss,
                            row.valid_mean_token_accuracy,
                        )
                    ),
                ]
            )


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class ProgressCallback(TrainerCallback):
    """Turns the Trainer's events into progress lines, adapter checkpoints and a reaction to the CANCEL file."""

    def __init__(
        self, spec: TrainingSpec, output: Path, progress: ProgressWriter, *, examples: int, has_eval: bool
    ) -> None:
        self.spec = spec
        self.output = output
        self.progress = progress
        self.examples = examples
        self.has_eval = has_eval
        self.results: dict[int, ResultRow] = {}
        self.tokens = 0
        self.cancelled_at: int | None = None
        self.parameters: tuple[int, int] = (0, 0)
        self.train_started = time.monotonic()
        self.checkpoint_due = False
        self.checkpoints: list[str] = []
        self.loss_on: str | None = None  # "assistant" or "all" tokens, for SFT

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.train_started = time.monotonic()
        trainable, total = self.parameters
        self.progress.write(
            "started",
            total_steps=state.max_steps,
            device=str(args.device.type),
            trainable_parameters=trainable,
            parameters=total,
            examples=self.examples,
            epochs=self.spec.epochs,
            method=self.spec.method,
            loss_on=self.loss_on,
        )

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if (self.output / contract.CANCEL_FILE).exists():
            self.cancelled_at = state.global_step
            control.should_training_stop = True
            # The step's own log line still matters: the learner sees the loss it stopped at.
            control.should_log = True

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        logs = logs or {}
        step = int(state.global_step)
        if "eval_loss" in logs:
            row = self.results.setdefault(step, ResultRow(step))
            row.valid_loss = _number(logs["eval_loss"])
            row.valid_mean_token_accuracy = _number(logs.get("eval_mean_token_accuracy"))
            self.progress.write(
                "eval", step=step, valid_loss=row.valid_loss, valid_mean_token_accuracy=row.valid_mean_token_accuracy
            )
            return
        if "loss" not in logs:
            return
        tokens = _number(logs.get("num_tokens"))
        if tokens is not None:
            self.tokens = int(tokens)
        elapsed = time.monotonic() - self.train_started
        row = self.results.setdefault(step, ResultRow(step))
        row.train_loss = _number(logs["loss"])
        row.train_mean_token_accuracy = _number(logs.get("mean_token_accuracy"))
        self.progress.write(
            "step",
            step=step,
            total_steps=state.max_steps,
            loss=row.train_loss,
            learning_rate=_number(logs.get("learning_rate")),
            epoch=round(float(state.epoch or 0.0), 4),
            tokens=self.tokens,
            tokens_per_s=round(self.tokens / elapsed, 2) if elapsed > 0 else None,
            elapsed_s=round(elapsed, 3),
            mean_token_accuracy=row.train_mean_token_accuracy,
            peak_rss_mb=_peak_rss_mb(),
        )

    def on_epoch_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.cancelled_at is not None or self.spec.save_checkpoints <= 0:
            return
        # With a validation file the epoch's evaluation comes after this event: checkpoint after it, so the lines
        # read step, eval, checkpoint.
        if self.has_eval:
            self.checkpoint_due = True
        else:
            self._checkpoint(state.global_step, kwargs["model"])

    def on_evaluate(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.checkpoint_due:
            self.checkpoint_due = False
            self._checkpoint(state.global_step, kwargs["model"])

    def _checkpoint(self, step: int, model: Any) -> None:
        name = f"{contract.CHECKPOINT_PREFIX}{step}"
        model.save_pretrained(self.output / name)
        self.checkpoints.append(name)
        self.progress.write("checkpoint", step=step, path=name)
        while len(self.checkpoints) > self.spec.save_checkpoints:
            shutil.rmtree(self.output / self.checkpoints.pop(0), ignore_errors=True)


def _peak_rss_mb() -> float:
    """This process's peak resident memory: what a run really needs, measured rather than estimated."""
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)
