"""The Local lab's recipe written out for scale-out: a TRL script, a `trl sft`/`trl dpo` config, launch commands."""

from __future__ import annotations

import importlib.util
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from finetune_guide.lab.spec import TrainingSpec

# The spec has no dropout; the lab's trainer (training.py) uses none, and TRL's CLI would otherwise default to 0.05.
LORA_DROPOUT = 0.0
# PEFT's shorthand for every linear layer except the output head, whatever the architecture calls its projections.
LORA_TARGET_MODULES = "all-linear"
DEFAULT_GPUS = 4
CPU_RANKS = 2
# Names of the accelerate configs TRL ships in trl/accelerate_configs; `trl sft --accelerate_config NAME` finds them
# in whichever trl is installed where the command runs, so the exported command carries no path from this machine.
DEEPSPEED_CONFIG = "zero3"
FSDP_CONFIG = "fsdp2"


@dataclass(frozen=True, slots=True)
class LaunchCommand:
    """One way to run the exported config: a shell command and the hardware it needs."""

    key: str  # stable id, for the UI's widget keys and translations
    title: str
    command: str
    note: str
    accelerate_config: str | None = None  # the accelerate YAML the command uses, to read or save and edit


def trl_script(
    spec: TrainingSpec,
    *,
    data_path: str,
    validation_path: str | None = None,
    output_dir: str | None = None,
    model: str | None = None,
    max_steps: int | None = None,
) -> str:
    """A standalone Python script running the same LoRA SFT (or DPO) with transformers, peft, trl and datasets.

    `model` is the folder or Hub id the script loads (default: spec.model; the lab's "tiny" is a name only the lab
    resolves, so the caller passes its folder). `max_steps` stops early, for a quick check.
    """
    dpo = spec.method == "dpo"
    config_class, trainer_class = ("DPOConfig", "DPOTrainer") if dpo else ("SFTConfig", "SFTTrainer")
    use_cpu = spec.device == "cpu"
    lines = [
        f'"""LoRA {"DPO" if dpo else "SFT"} with TRL, exported from the Fine-Tuning Guide\'s Local lab.',
        "",
        "Run it with `python <this file>`; it needs torch, transformers, peft, trl and datasets.",
        '"""',
        "",
        "import torch",
        "from datasets import load_dataset",
        "from peft import LoraConfig",
        f"from trl import {config_class}, {trainer_class}",
        "",
        f"MODEL = {(model or spec.model)!r}",
        f"TRAINING_FILE = {data_path!r}",
        f"VALIDATION_FILE = {validation_path!r}",
        f"OUTPUT_DIR = {(output_dir or spec.output_dir)!r}",
        "",
        "# The lab's run used the CPU. True trains on the CPU even where a GPU is present.",
        f"USE_CPU = {use_cpu!r}",
        "# bf16 halves activation memory and is fast on Ampere-or-newer NVIDIA GPUs. TRL turns it on by default, and",
        "# that fails on a CPU or an older GPU, so decide it here from the hardware actually present.",
        "USE_BF16 = not USE_CPU and torch.cuda.is_available() and torch.cuda.is_bf16_supported()",
    ]
    if spec.threads > 0:
        lines += [
            "",
            "# More threads than free cores makes a CPU run slower, not faster.",
            f"torch.set_num_threads({spec.threads})",
        ]
    if dpo:
        lines += [
            "",
            "",
            "def to_trl_preference(example):",
            '    """The lab\'s (and OpenAI\'s) DPO lines name the parts input/preferred_output/non_preferred_output;',
            '    TRL reads prompt/chosen/rejected."""',
            "    return {",
            '        "prompt": example["input"]["messages"],',
            '        "chosen": example["preferred_output"],',
            '        "rejected": example["non_preferred_output"],',
            "    }",
            "",
        ]
    lines += [
        "",
        _DATA_COMMENT[spec.method],
        'data_files = {"train": TRAINING_FILE}',
        "if VALIDATION_FILE is not None:",
        '    data_files["validation"] = VALIDATION_FILE',
        'dataset = load_dataset("json", data_files=data_files)',
    ]
    if dpo:
        lines += [
            'if "input" in dataset["train"].column_names:',
            '    dataset = dataset.map(to_trl_preference, remove_columns=dataset["train"].column_names)',
        ]
    lines += [
        "",
        "# LoRA trains two small matrices beside each linear layer; the model's own weights stay frozen.",
        "peft_config = LoraConfig(",
        f"    r={spec.lora_rank!r},",
        f"    lora_alpha={spec.lora_alpha!r},",
        f"    lora_dropout={LORA_DROPOUT!r},",
        f"    target_modules={LORA_TARGET_MODULES!r},",
        '    task_type="CAUSAL_LM",',
        ")",
        "",
        f"args = {config_class}(",
        "    output_dir=OUTPUT_DIR,",
        *(f"    {name}={value!r}," for name, value in _hyperparameters(spec, max_steps=max_steps).items()),
        '    eval_strategy="epoch" if VALIDATION_FILE is not None else "no",',
        "    use_cpu=USE_CPU,",
        "    bf16=USE_BF16,",
        "    # Recomputes activations during the backward pass: much less memory for about 20% more time.",
        "    # TRL's default; older transformers versions call it gradient_checkpointing.",
        "    activation_checkpointing=True,",
        '    report_to="none",',
        ")",
        "",
        f"trainer = {trainer_class}(",
        "    model=MODEL,",
        "    args=args,",
        '    train_dataset=dataset["train"],',
        '    eval_dataset=dataset.get("validation"),',
        "    peft_config=peft_config,",
        ")",
        "trainer.train()",
        "# With peft_config, save_model writes only the LoRA adapter (a few MB), not a copy of the base model.",
        "trainer.save_model(OUTPUT_DIR)",
        'print(f"Adapter saved to {OUTPUT_DIR}")',
        "",
    ]
    return "\n".join(lines)


_DATA_COMMENT = {
    "sft": '# Each JSONL line is one chat {"messages": [...]}; SFTTrainer renders it with the model\'s chat template.',
    "dpo": "# Each JSONL line is one preference pair: a prompt, the preferred answer and the rejected one.",
}


def trl_config_yaml(
    spec: TrainingSpec,
    *,
    data_path: str,
    output_dir: str,
    model: str | None = None,
    max_steps: int | None = None,
) -> str:
    """A config for `trl sft --config FILE` (or `trl dpo` when spec.method is "dpo") running the same recipe.

    Every key is a field of TRL's ScriptArguments, SFTConfig/DPOConfig, ModelConfig or DatasetMixtureConfig:
    `trl sft` hands keys it does not know to `accelerate launch`, which rejects them.
    """
    use_cpu, bf16 = _device_flags(spec)
    command = _command(spec)
    header = [
        f"# LoRA {command.upper()} with TRL, exported from the Fine-Tuning Guide's Local lab.",
        f"# Run: trl {command} --config <this file>   (command-line flags override the values below)",
    ]
    if spec.method == "dpo":
        header += [
            "# trl dpo reads prompt/chosen/rejected columns. The lab's DPO lines (input/preferred_output/",
            "# non_preferred_output) must be converted first; the exported Python script converts them itself.",
        ]
    if spec.validation_file is not None:
        header += ["# A config takes one data file, so this run does not evaluate; the exported script does."]
    entries: list[tuple[str | None, str, Any]] = [
        (None, "model_name_or_path", model or spec.model),
        (
            'datasets\' "json" loader reads JSONL; one entry per file',
            "datasets",
            [{"path": "json", "data_files": data_path}],
        ),
        (None, "output_dir", output_dir),
        (
            "LoRA: small matrices beside every linear layer are trained, the model's own weights stay frozen",
            "use_peft",
            True,
        ),
        (None, "lora_r", spec.lora_rank),
        (None, "lora_alpha", spec.lora_alpha),
        (None, "lora_dropout", LORA_DROPOUT),
        (None, "lora_target_modules", LORA_TARGET_MODULES),
        *((None, name, value) for name, value in _hyperparameters(spec, max_steps=max_steps).items()),
        ("TRL turns bf16 on by default; a CPU or a GPU older than Ampere cannot run it", "bf16", bf16),
        ("true trains on the CPU even where a GPU is present", "use_cpu", use_cpu),
        (
            "recompute activations in the backward pass: much less memory, ~20% more time",
            "activation_checkpointing",
            True,
        ),
        (None, "report_to", "none"),
    ]
    if spec.threads > 0:
        entries.append(
            ("more threads than free cores makes a CPU run slower", "env", {"OMP_NUM_THREADS": str(spec.threads)})
        )
    body = []
    for comment, key, value in entries:
        if comment is not None:
            body.append(f"# {comment}")
        body.append(yaml.safe_dump({key: value}, sort_keys=False, allow_unicode=True, width=4096).rstrip("\n"))
    return "\n".join([*header, *body, ""])


def launch_commands(spec: TrainingSpec, *, config_path: str, gpus: int = DEFAULT_GPUS) -> tuple[LaunchCommand, ...]:
    """The ways to run the exported config, from one GPU to a sharded cluster, plus two ranks on a CPU.

    accelerate, DeepSpeed and FSDP do the distributing; each command only names them.
    """
    command = _command(spec)
    config = shlex.quote(config_path)
    use_cpu, bf16 = _device_flags(spec)
    # The config keeps the lab's device choice; flags after it override the file for the hardware each command targets.
    on_gpu = " --use_cpu false" if use_cpu else ""
    # TRL's DeepSpeed and FSDP configs ask accelerate for bf16 mixed precision, so the trainer must agree.
    on_gpu_bf16 = on_gpu + ("" if bf16 else " --bf16 true")
    on_cpu = ("" if use_cpu else " --use_cpu true") + (" --bf16 false" if bf16 else "")
    script = f"trl.scripts.{command}"
    return (
        LaunchCommand(
            key="one_gpu",
            title="One GPU",
            # --num_processes 1: with no accelerate config, accelerate would start one process per GPU it finds.
            command=f"trl {command} --config {config} --num_processes 1{on_gpu}",
            note=(
                "One NVIDIA GPU; the config asks for bf16, so add --bf16 false on a card older than Ampere (a T4)."
                if bf16
                else "One NVIDIA GPU (a free Colab T4 will do); add --bf16 true on an Ampere or newer card."
            ),
        ),
        LaunchCommand(
            key="multi_gpu",
            title="Several GPUs (data parallel)",
            command=f"accelerate launch --multi_gpu --num_processes {gpus} -m {script} --config {config}{on_gpu}",
            note=f"{gpus} GPUs on one machine, each holding a full copy of the model and a share of the batches.",
        ),
        LaunchCommand(
            key="deepspeed_zero3",
            title="DeepSpeed ZeRO-3",
            command=(
                f"trl {command} --config {config} --accelerate_config {DEEPSPEED_CONFIG}"
                f" --num_processes {gpus}{on_gpu_bf16}"
            ),
            note=(
                f"{gpus} Ampere-or-newer GPUs and `pip install deepspeed`: weights, gradients and optimizer state are"
                " sharded across them, for models too big for one card."
            ),
            accelerate_config=_shipped_text(DEEPSPEED_CONFIG),
        ),
        LaunchCommand(
            key="fsdp",
            title="PyTorch FSDP",
            command=(
                f"trl {command} --config {config} --accelerate_config {FSDP_CONFIG} --num_processes {gpus}{on_gpu_bf16}"
            ),
            note=(
                f"{gpus} Ampere-or-newer GPUs, nothing more to install: PyTorch's own sharding, the alternative to"
                " DeepSpeed."
            ),
            accelerate_config=_shipped_text(FSDP_CONFIG),
        ),
        LaunchCommand(
            key="cpu_ranks",
            title=f"{CPU_RANKS} processes on a CPU",
            command=(f"torchrun --standalone --nproc_per_node {CPU_RANKS} -m {script} --config {config}{on_cpu}"),
            note=(
                f"No GPU: {CPU_RANKS} ranks on one machine split the data, so each takes about half the steps; it"
                " shows data parallelism, not speed (`accelerate launch --cpu` would start only one process)."
            ),
        ),
    )


def shipped_accelerate_config(name: str) -> Path | None:
    """The accelerate config `name` (e.g. "zero3", "fsdp2") in the installed trl package, without importing trl."""
    found = importlib.util.find_spec("trl")
    if found is None or not found.submodule_search_locations:
        return None
    for folder in found.submodule_search_locations:
        candidate = Path(folder) / "accelerate_configs" / f"{name}.yaml"
        if candidate.is_file():
            return candidate
    return None


def to_trl_preference(example: Mapping[str, Any]) -> dict[str, Any]:
    """A lab DPO line (input/preferred_output/non_preferred_output) as the prompt/chosen/rejected row trl dpo reads."""
    return {
        "prompt": example["input"]["messages"],
        "chosen": example["preferred_output"],
        "rejected": example["non_preferred_output"],
    }


def _hyperparameters(spec: TrainingSpec, *, max_steps: int | None) -> dict[str, Any]:
    # The names are TrainingArguments'/SFTConfig's/DPOConfig's, so the script and the config share this one table.
    values: dict[str, Any] = {
        "num_train_epochs": spec.epochs,
        "learning_rate": spec.learning_rate,
        "per_device_train_batch_size": spec.batch_size,
        "per_device_eval_batch_size": spec.batch_size,
        "max_length": spec.max_seq_length,
    }
    if spec.method == "dpo":
        values["beta"] = spec.beta
    values |= {"seed": spec.seed, "data_seed": spec.seed, "logging_steps": spec.logging_steps}
    if spec.save_checkpoints > 0:
        # The lab keeps the adapters of the last N epochs; older checkpoints are deleted as new ones arrive.
        values |= {"save_strategy": "epoch", "save_total_limit": spec.save_checkpoints}
    else:
        values["save_strategy"] = "no"
    if max_steps is not None:
        values["max_steps"] = max_steps
    return values


def _device_flags(spec: TrainingSpec) -> tuple[bool, bool]:
    """(use_cpu, bf16) for a config file, which cannot look at the hardware the way the script does."""
    return spec.device == "cpu", spec.device == "cuda"


def _command(spec: TrainingSpec) -> str:
    return "dpo" if spec.method == "dpo" else "sft"


def _shipped_text(name: str) -> str | None:
    path = shipped_accelerate_config(name)
    return path.read_text(encoding="utf-8") if path is not None else None
