"""The scale-out export: a TRL script, a `trl sft`/`trl dpo` config and launch commands for the lab's recipe.

- the script compiles and carries every hyperparameter, for SFT and DPO;
- the config parses back with every hyperparameter under TRL's own key names, for SFT and DPO;
- file names with quotes, spaces, newlines or shell syntax stay data in Python, YAML and shell;
- the launch commands cover one GPU, several GPUs, DeepSpeed ZeRO-3, FSDP and two CPU ranks, each with a note;
- commands for a GPU override a CPU config, and the CPU command overrides a GPU config;
- the DeepSpeed and FSDP commands name accelerate configs the installed trl ships;
- exporting imports neither torch nor trl (the Streamlit process imports this module);
- for real, on the tiny model: the config trains one step with `trl sft` (and `trl dpo` on converted lines), the
  script trains one step (SFT and DPO), and `torchrun` with two CPU ranks splits the data: half the steps per rank.
"""

from __future__ import annotations

import ast
import json
import math
import os
import shlex
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from finetune_guide.lab.recipe import (
    LORA_DROPOUT,
    launch_commands,
    shipped_accelerate_config,
    to_trl_preference,
    trl_config_yaml,
    trl_script,
)
from finetune_guide.lab.spec import LabMethod, TrainingSpec
from finetune_guide.lab.tiny import ensure_tiny_model
from tests.support import free_port

BIN = Path(sys.executable).parent
HOSTILE_NAMES = (
    "my data.jsonl",
    'it\'s "quoted".jsonl',
    "a'; import os; os.system('echo pwned') #.jsonl",
    "$(echo pwned) `id` ; rm -rf ~.jsonl",
    "line\nbreak: yes\n- item.jsonl",
    "true",
    "{a: 1}",
)
SPEC = TrainingSpec(
    model="HuggingFaceTB/SmolLM2-135M-Instruct",
    training_file="train.jsonl",
    output_dir="out",
    epochs=5,
    learning_rate=3e-4,
    batch_size=6,
    lora_rank=12,
    lora_alpha=24,
    max_seq_length=384,
    beta=0.25,
    seed=7,
    device="cpu",
    threads=1,
    logging_steps=2,
    save_checkpoints=2,
)


def _config_keywords(script: str, call: str) -> dict[str, Any]:
    """The literal keyword arguments of the one `call(...)` in the script, read from its syntax tree."""
    calls = [
        node
        for node in ast.walk(ast.parse(script))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == call
    ]
    assert len(calls) == 1
    values: dict[str, Any] = {}
    for keyword in calls[0].keywords:
        try:
            values[str(keyword.arg)] = ast.literal_eval(keyword.value)
        except ValueError:
            values[str(keyword.arg)] = ast.unparse(keyword.value)
    return values


def _constants(script: str) -> dict[str, Any]:
    """The module-level NAME = literal assignments of the script."""
    return {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in ast.parse(script).body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id.isupper()
        if isinstance(node.value, ast.Constant)
    }


# --- the script -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "config", "trainer"), [("sft", "SFTConfig", "SFTTrainer"), ("dpo", "DPOConfig", "DPOTrainer")]
)
def test_the_script_compiles_and_carries_every_hyperparameter(method: LabMethod, config: str, trainer: str) -> None:
    spec = replace(SPEC, method=method)
    script = trl_script(spec, data_path="train.jsonl", max_steps=3)
    compile(script, "exported.py", "exec")
    args = _config_keywords(script, config)
    expected = {
        "num_train_epochs": 5,
        "learning_rate": 3e-4,
        "per_device_train_batch_size": 6,
        "per_device_eval_batch_size": 6,
        "max_length": 384,
        "seed": 7,
        "data_seed": 7,
        "logging_steps": 2,
        "save_strategy": "epoch",
        "save_total_limit": 2,
        "max_steps": 3,
        "activation_checkpointing": True,
        "report_to": "none",
        "use_cpu": "USE_CPU",
        "bf16": "USE_BF16",
    }
    if method == "dpo":
        expected["beta"] = 0.25
    assert {key: args[key] for key in expected} == expected
    assert ("beta" in args) is (method == "dpo")
    lora = _config_keywords(script, "LoraConfig")
    assert (lora["r"], lora["lora_alpha"], lora["lora_dropout"], lora["target_modules"]) == (
        12,
        24,
        LORA_DROPOUT,
        "all-linear",
    )
    assert _constants(script) == {
        "MODEL": SPEC.model,
        "TRAINING_FILE": "train.jsonl",
        "VALIDATION_FILE": None,
        "OUTPUT_DIR": "out",
        "USE_CPU": True,
    }
    assert f"= {trainer}(" in script
    assert "torch.set_num_threads(1)" in script
    assert "trainer.save_model(OUTPUT_DIR)" in script


def test_the_script_decides_bf16_from_the_hardware_and_trains_on_the_gpu_unless_the_lab_used_the_cpu() -> None:
    script = trl_script(replace(SPEC, device="auto", threads=0), data_path="d.jsonl")
    assert _constants(script)["USE_CPU"] is False
    assert "USE_BF16 = not USE_CPU and torch.cuda.is_available() and torch.cuda.is_bf16_supported()" in script
    assert "set_num_threads" not in script


def test_the_script_evaluates_on_a_validation_file_and_runs_the_whole_recipe_without_max_steps() -> None:
    script = trl_script(SPEC, data_path="d.jsonl", validation_path="valid.jsonl", output_dir="elsewhere", model="/m")
    constants = _constants(script)
    assert (constants["VALIDATION_FILE"], constants["OUTPUT_DIR"], constants["MODEL"]) == (
        "valid.jsonl",
        "elsewhere",
        "/m",
    )
    assert "max_steps" not in _config_keywords(script, "SFTConfig")


def test_the_dpo_script_converts_the_labs_preference_lines_for_trl() -> None:
    script = trl_script(replace(SPEC, method="dpo"), data_path="d.jsonl")
    assert "def to_trl_preference(example):" in script
    assert "dataset.map(to_trl_preference" in script
    assert "to_trl_preference" not in trl_script(SPEC, data_path="d.jsonl")


def test_without_checkpoints_nothing_is_saved_before_the_end() -> None:
    script = trl_script(replace(SPEC, save_checkpoints=0), data_path="d.jsonl")
    args = _config_keywords(script, "SFTConfig")
    assert args["save_strategy"] == "no"
    assert "save_total_limit" not in args


# --- the config ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["sft", "dpo"])
def test_the_config_carries_every_hyperparameter_under_trls_names(method: LabMethod) -> None:
    spec = replace(SPEC, method=method)
    text = trl_config_yaml(spec, data_path="train.jsonl", output_dir="runs/one", max_steps=3)
    expected = {
        "model_name_or_path": SPEC.model,
        "datasets": [{"path": "json", "data_files": "train.jsonl"}],
        "output_dir": "runs/one",
        "use_peft": True,
        "lora_r": 12,
        "lora_alpha": 24,
        "lora_dropout": LORA_DROPOUT,
        "lora_target_modules": "all-linear",
        "num_train_epochs": 5,
        "learning_rate": 3e-4,
        "per_device_train_batch_size": 6,
        "per_device_eval_batch_size": 6,
        "max_length": 384,
        "seed": 7,
        "data_seed": 7,
        "logging_steps": 2,
        "save_strategy": "epoch",
        "save_total_limit": 2,
        "max_steps": 3,
        "bf16": False,
        "use_cpu": True,
        "activation_checkpointing": True,
        "report_to": "none",
        "env": {"OMP_NUM_THREADS": "1"},
    }
    if method == "dpo":
        expected["beta"] = 0.25
    assert yaml.safe_load(text) == expected
    assert f"trl {method} --config" in text


def test_a_gpu_config_asks_for_bf16_and_a_config_without_max_steps_runs_every_epoch() -> None:
    config = yaml.safe_load(trl_config_yaml(replace(SPEC, device="cuda", threads=0), data_path="d", output_dir="o"))
    assert (config["bf16"], config["use_cpu"]) == (True, False)
    assert "max_steps" not in config
    assert "env" not in config


def test_a_config_says_it_does_not_evaluate_on_the_validation_file() -> None:
    text = trl_config_yaml(replace(SPEC, validation_file="valid.jsonl"), data_path="d", output_dir="o")
    assert "does not evaluate" in text
    assert "valid.jsonl" not in text


def test_a_lab_preference_line_becomes_trls_prompt_chosen_rejected() -> None:
    line = {
        "input": {"messages": [{"role": "user", "content": "Hi"}]},
        "preferred_output": [{"role": "assistant", "content": "Hello!"}],
        "non_preferred_output": [{"role": "assistant", "content": "What."}],
    }
    assert to_trl_preference(line) == {
        "prompt": [{"role": "user", "content": "Hi"}],
        "chosen": [{"role": "assistant", "content": "Hello!"}],
        "rejected": [{"role": "assistant", "content": "What."}],
    }


# --- hostile names --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_file_name_stays_data_in_the_script(name: str) -> None:
    plain = ast.parse(trl_script(SPEC, data_path="d.jsonl", output_dir="o", model="m"))
    script = trl_script(SPEC, data_path=name, validation_path=name, output_dir=name, model=name)
    compile(script, "exported.py", "exec")
    tree = ast.parse(script)
    assert len(tree.body) == len(plain.body)
    constants = _constants(script)
    assert [constants[key] for key in ("MODEL", "TRAINING_FILE", "VALIDATION_FILE", "OUTPUT_DIR")] == [name] * 4


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_file_name_stays_data_in_the_config(name: str) -> None:
    config = yaml.safe_load(trl_config_yaml(SPEC, data_path=name, output_dir=name, model=name))
    assert config["datasets"] == [{"path": "json", "data_files": name}]
    assert config["output_dir"] == config["model_name_or_path"] == name
    assert set(config) == set(yaml.safe_load(trl_config_yaml(SPEC, data_path="d", output_dir="o")))


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_config_path_stays_one_word_in_every_command(name: str) -> None:
    for launch in launch_commands(SPEC, config_path=name):
        words = shlex.split(launch.command)
        assert words[words.index("--config") + 1] == name


# --- launch commands -----------------------------------------------------------------------------------------------


def test_there_is_a_command_for_each_kind_of_hardware_each_with_a_note() -> None:
    commands = launch_commands(SPEC, config_path="sft.yaml", gpus=8)
    assert [c.key for c in commands] == ["one_gpu", "multi_gpu", "deepspeed_zero3", "fsdp", "cpu_ranks"]
    assert all(c.title and c.note and "\n" not in c.note for c in commands)
    by_key = {c.key: c.command for c in commands}
    assert by_key["one_gpu"].startswith("trl sft --config sft.yaml --num_processes 1")
    assert by_key["multi_gpu"].startswith("accelerate launch --multi_gpu --num_processes 8 -m trl.scripts.sft --config")
    assert "--accelerate_config zero3 --num_processes 8" in by_key["deepspeed_zero3"]
    assert "--accelerate_config fsdp2 --num_processes 8" in by_key["fsdp"]
    assert by_key["cpu_ranks"].startswith("torchrun --standalone --nproc_per_node 2 -m trl.scripts.sft --config")


def test_dpo_commands_run_trls_dpo_script() -> None:
    for launch in launch_commands(replace(SPEC, method="dpo"), config_path="dpo.yaml"):
        assert "sft" not in launch.command
        assert "trl dpo" in launch.command or "trl.scripts.dpo" in launch.command


def test_gpu_commands_override_a_cpu_config_and_the_cpu_command_overrides_a_gpu_config() -> None:
    cpu = {c.key: shlex.split(c.command) for c in launch_commands(SPEC, config_path="c.yaml")}
    for key in ("one_gpu", "multi_gpu", "deepspeed_zero3", "fsdp"):
        assert cpu[key][-2:] == ["--use_cpu", "false"] or cpu[key][-4:-2] == ["--use_cpu", "false"]
    assert "--use_cpu" not in cpu["cpu_ranks"]
    gpu = {c.key: c.command for c in launch_commands(replace(SPEC, device="cuda"), config_path="c.yaml")}
    assert gpu["cpu_ranks"].endswith("--use_cpu true --bf16 false")
    assert "--use_cpu" not in gpu["one_gpu"]
    assert "--bf16" not in gpu["deepspeed_zero3"]


@pytest.mark.parametrize(
    ("key", "name", "engine"), [("deepspeed_zero3", "zero3", "DEEPSPEED"), ("fsdp", "fsdp2", "FSDP")]
)
def test_sharded_commands_name_an_accelerate_config_the_installed_trl_ships(key: str, name: str, engine: str) -> None:
    path = shipped_accelerate_config(name)
    assert path is not None
    launch = next(c for c in launch_commands(SPEC, config_path="c.yaml") if c.key == key)
    assert launch.accelerate_config == path.read_text(encoding="utf-8")
    assert yaml.safe_load(launch.accelerate_config)["distributed_type"] == engine


def test_an_unknown_accelerate_config_is_not_found() -> None:
    assert shipped_accelerate_config("no-such-config") is None


def test_exporting_imports_neither_torch_nor_trl() -> None:
    # The Streamlit process imports this module; the training stack takes ~10 s to import and must stay out of it.
    probe = (
        "import sys\n"
        "from finetune_guide.lab.recipe import launch_commands, trl_config_yaml, trl_script\n"
        "from finetune_guide.lab.spec import TrainingSpec\n"
        "spec = TrainingSpec(model='m', training_file='t', output_dir='o')\n"
        "trl_script(spec, data_path='t'); trl_config_yaml(spec, data_path='t', output_dir='o')\n"
        "launch_commands(spec, config_path='c')\n"
        "print(sorted(name for name in ('torch', 'trl', 'transformers', 'peft') if name in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "[]"


# --- real runs on the tiny model ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_tiny_model(tmp_path_factory.mktemp("recipe-models") / "tiny")


def _write_chats(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for i in range(count):
            chat = [
                {"role": "user", "content": f"What is {i} plus {i}?"},
                {"role": "assistant", "content": f"{2 * i}."},
            ]
            handle.write(json.dumps({"messages": chat}) + "\n")
    return path


def _write_preferences(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for i in range(count):
            line = {
                "input": {"messages": [{"role": "user", "content": f"Say {i} politely."}]},
                "preferred_output": [{"role": "assistant", "content": f"Certainly: {i}."}],
                "non_preferred_output": [{"role": "assistant", "content": f"{i}. Go away."}],
            }
            handle.write(json.dumps(line) + "\n")
    return path


def _run(
    command: list[str], folder: Path, *, extra_env: dict[str, str] | None = None, timeout_s: float = 600
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "OMP_NUM_THREADS": "1",
        "TOKENIZERS_PARALLELISM": "false",
        # Its own caches, and no accelerate default config of the machine's.
        "HF_HOME": str(folder / "hf-home"),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        **(extra_env or {}),
    }
    # A session of its own, so a run that hangs is ended whole (torchrun's ranks included), not left behind.
    process = subprocess.Popen(
        command, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        raise AssertionError(
            f"{command[0]} did not finish within {timeout_s:.0f} s:\n{out[-3000:]}{err[-6000:]}"
        ) from None
    done = subprocess.CompletedProcess(command, process.returncode, out, err)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
    return done


def _trainer_state(output_dir: Path) -> dict[str, Any]:
    (checkpoint,) = output_dir.glob("checkpoint-*")
    state: dict[str, Any] = json.loads((checkpoint / "trainer_state.json").read_text(encoding="utf-8"))
    return state


def _tiny_spec(tiny_model: Path, data: Path, output_dir: Path, **changes: Any) -> TrainingSpec:
    spec = TrainingSpec(
        model=str(tiny_model),
        training_file=str(data),
        output_dir=str(output_dir),
        epochs=1,
        batch_size=4,
        lora_rank=8,
        lora_alpha=16,
        max_seq_length=128,
        device="cpu",
        threads=1,
        save_checkpoints=1,
    )
    return replace(spec, **changes)


def _assert_adapter(folder: Path) -> None:
    assert (folder / "adapter_model.safetensors").is_file()
    assert json.loads((folder / "adapter_config.json").read_text(encoding="utf-8"))["peft_type"] == "LORA"


def test_the_config_trains_one_step_with_the_trl_cli(tiny_model: Path, tmp_path: Path) -> None:
    data = _write_chats(tmp_path / "chats it's here.jsonl", 8)
    output_dir = tmp_path / "out put"
    spec = _tiny_spec(tiny_model, data, output_dir)
    config = tmp_path / "sft 'config'.yaml"
    config.write_text(trl_config_yaml(spec, data_path=str(data), output_dir=str(output_dir), max_steps=1), "utf-8")
    _run([str(BIN / "trl"), "sft", "--config", str(config)], tmp_path)
    _assert_adapter(output_dir)
    assert _trainer_state(output_dir)["global_step"] == 1


def test_the_script_trains_one_step(tiny_model: Path, tmp_path: Path) -> None:
    data = _write_chats(tmp_path / 'chats "quoted".jsonl', 8)
    output_dir = tmp_path / "script out"
    script = tmp_path / "train.py"
    script.write_text(trl_script(_tiny_spec(tiny_model, data, output_dir), data_path=str(data), max_steps=1), "utf-8")
    _run([sys.executable, str(script)], tmp_path)
    _assert_adapter(output_dir)
    assert _trainer_state(output_dir)["global_step"] == 1


def test_the_dpo_script_trains_one_step_on_the_labs_preference_lines(tiny_model: Path, tmp_path: Path) -> None:
    data = _write_preferences(tmp_path / "pairs.jsonl", 8)
    output_dir = tmp_path / "dpo out"
    spec = _tiny_spec(tiny_model, data, output_dir, method="dpo")
    script = tmp_path / "train_dpo.py"
    script.write_text(trl_script(spec, data_path=str(data), max_steps=1), "utf-8")
    _run([sys.executable, str(script)], tmp_path)
    _assert_adapter(output_dir)


def test_two_cpu_ranks_split_the_data_so_each_takes_half_the_steps(tiny_model: Path, tmp_path: Path) -> None:
    examples, batch_size, ranks = 32, 4, 2
    data = _write_chats(tmp_path / "chats.jsonl", examples)
    output_dir = tmp_path / "two ranks"
    spec = _tiny_spec(tiny_model, data, output_dir, batch_size=batch_size)
    config = tmp_path / "sft.yaml"
    config.write_text(trl_config_yaml(spec, data_path=str(data), output_dir=str(output_dir)), "utf-8")
    (launch,) = [c for c in launch_commands(spec, config_path=str(config)) if c.key == "cpu_ranks"]
    words = shlex.split(launch.command)
    assert words[:4] == ["torchrun", "--standalone", "--nproc_per_node", str(ranks)]
    # The exported command as learners run it, with the ranks' rendezvous and gloo held to loopback on a port of
    # this test's own: --standalone's default lookups once left both ranks waiting for each other in CI.
    loopback = ["--rdzv-backend", "c10d", "--rdzv-endpoint", f"127.0.0.1:{free_port()}", "--nnodes", "1"]
    _run(
        [str(BIN / words[0]), *loopback, *words[2:]],
        tmp_path,
        extra_env={"GLOO_SOCKET_IFNAME": "lo", "MASTER_ADDR": "127.0.0.1"},
        timeout_s=300,
    )
    single_process_steps = math.ceil(examples / batch_size)
    steps_per_rank = math.ceil(examples / ranks / batch_size)
    assert (single_process_steps, steps_per_rank) == (8, 4)
    state = _trainer_state(output_dir)
    # One epoch in half the steps: each rank saw only its half of the examples.
    assert (state["global_step"], state["max_steps"], state["epoch"]) == (steps_per_rank, steps_per_rank, 1.0)
    _assert_adapter(output_dir)


def test_the_dpo_config_trains_one_step_with_the_trl_cli_on_converted_lines(tiny_model: Path, tmp_path: Path) -> None:
    lab_lines = _write_preferences(tmp_path / "pairs.jsonl", 8).read_text(encoding="utf-8").splitlines()
    data = tmp_path / "pairs for trl.jsonl"
    data.write_text("".join(json.dumps(to_trl_preference(json.loads(line))) + "\n" for line in lab_lines), "utf-8")
    output_dir = tmp_path / "dpo cli"
    spec = _tiny_spec(tiny_model, data, output_dir, method="dpo")
    config = tmp_path / "dpo.yaml"
    config.write_text(trl_config_yaml(spec, data_path=str(data), output_dir=str(output_dir), max_steps=1), "utf-8")
    _run([str(BIN / "trl"), "dpo", "--config", str(config)], tmp_path)
    _assert_adapter(output_dir)
    assert _trainer_state(output_dir)["global_step"] == 1
