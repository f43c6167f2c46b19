"""Benchmark: the Local lab's training against a plain TRL script, its time to the first step, and page reruns.

Run with `python -m bench.lab_speed` (or `make bench`, which prints these figures with the others). Three
measurements, each against a reference taken in the same run on the same machine:

* training time per epoch: `python -m finetune_guide.lab.worker train RUN_DIR` (the lab's real path, a
  TrainingSpec in RUN_DIR/spec.json) against REFERENCE_SCRIPT below, a minimal hand-written transformers + peft +
  TRL SFTTrainer script (no callbacks, logging off, no checkpoints), both as their own processes with the same
  model folder, data, LoRA settings (r 16, alpha 32, all-linear), learning rate 2e-4, batch 4, max length 256,
  seed, epochs, CPU and OMP_NUM_THREADS (THREADS). The lab's training time is the last step line's elapsed_s in
  progress.jsonl (from the Trainer's train-begin event: imports and loading excluded); the reference's is
  trainer.train() timed inside the script. Whole-process wall times are reported beside them. Runs alternate
  lab, reference, lab, reference; the medians are compared. On the tiny model, and on SmolLM2-135M-Instruct
  when its packaged copy is installed (converted once into bench/.data/lab-models);
* time to the first step: a job created through the official openai SDK against the in-process LabService,
  until its first "step" progress line, split into process start + imports, model load and the first step,
  beside the bare `python -c "import torch, transformers, peft, trl"`;
* a page rerun while a job trains: the sidebar language switch on the Connect page of `streamlit run app.py`
  in Chromium (bench.app_speed's timing), with a long `tiny` job started from the Jobs page training, against
  the same rerun with nothing training (measured before the job and after it is stopped).

Nothing here asserts a timing. The figures are printed, written to bench/.data/lab_speed.json, and returned to
`python -m bench` for its table; read them together with the load averages printed before and after.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError

from bench.app_speed import (
    CHROMIUM,
    CHROMIUM_ARGS,
    RERUN_TIMEOUT_MS,
    Figure,
    print_table,
    running_app,
    time_click,
    wait_idle,
)
from bench.check_speed import DATA_DIR

ROOT = Path(__file__).resolve().parents[1]
RESULTS_FILE = DATA_DIR / "lab_speed.json"
MODELS_CACHE = DATA_DIR / "lab-models"  # tiny and the converted SmolLM2, built once and shared by every run here
# OMP_NUM_THREADS and torch threads of every training process. One, not the lab's default of one per core: on this
# shared 2-core machine two OpenMP threads stall on each other whenever another process takes a core, which buries
# the difference measured here in noise (`--threads 2` measures the default anyway).
THREADS = 1
SEED = 42
SETTINGS = {"lora_rank": 16, "lora_alpha": 32, "learning_rate": 2e-4, "batch_size": 4, "max_seq_length": 256}
TARGET_TRAINING = 1.05  # lab time per epoch / reference time per epoch
TARGET_RERUN_MS = 200.0
MISSED_RERUN_MS = 15_000  # a click whose rerun was never seen as running (see toggle_ms) is given up after this
MAX_MISSED = 10
TRAIN_TIMEOUT_S = 900
FIRST_STEP_TIMEOUT_S = 300
TINY_CASE = ("tiny", 96, 8)  # (model, chats, epochs): 24 steps an epoch, ~10 s of training
SMOL_CASE = ("SmolLM2-135M-Instruct", 24, 1)  # 6 steps: a real model, kept short

# The reference: what one would write by hand from the TRL docs. argv: model folder, data file, output folder,
# epochs, threads, whether the loss counts the assistant's tokens only (as the lab decided for this model).
# SFTConfig's own defaults are kept where the lab sets the same thing: TRL turns gradient (activation)
# checkpointing on by default, and the lab turns it on too.
REFERENCE_SCRIPT = """
import json, sys, time
started = time.perf_counter()
import torch
from datasets import Dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import SFTConfig, SFTTrainer

model_dir, data_file, out_dir = sys.argv[1:4]
epochs, threads, assistant_only = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6] == "1"
torch.set_num_threads(threads)
imported = time.perf_counter()
tokenizer = AutoTokenizer.from_pretrained(model_dir)
model = AutoModelForCausalLM.from_pretrained(model_dir, dtype="auto")
with open(data_file, encoding="utf-8") as handle:
    dataset = Dataset.from_list([json.loads(line) for line in handle if line.strip()])
trainer = SFTTrainer(
    model=model,
    args=SFTConfig(
        output_dir=out_dir,
        num_train_epochs=epochs,
        learning_rate=2e-4,
        per_device_train_batch_size=4,
        max_length=256,
        seed=42,
        use_cpu=True,
        bf16=False,
        assistant_only_loss=assistant_only,
        logging_strategy="no",
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
    ),
    train_dataset=dataset,
    processing_class=tokenizer,
    peft_config=LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM"),
)
loaded = time.perf_counter()
trainer.train()
trained = time.perf_counter()
print(json.dumps({"import_s": imported - started, "load_s": loaded - imported, "train_s": trained - loaded,
                  "steps": trainer.state.global_step}))
"""

_TOPICS = (
    ("parcel", "Parcel {n} left our depot today and should arrive within two working days."),
    ("refund", "Refund {n} was approved; the money reaches your card in three to five days."),
    ("password", "Open Settings, choose Security and press Reset password; the link for account {n} lasts an hour."),
    ("invoice", "Invoice {n} is in your account under Orders; you can download it as a PDF there."),
)


def load_average() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def write_chats(path: Path, count: int) -> Path:
    """`count` short support chats (a system prompt, a question, an answer), well under 256 tokens each."""
    rows = []
    for n in range(count):
        topic, answer = _TOPICS[n % len(_TOPICS)]
        rows.append(
            {
                "messages": [
                    {"role": "system", "content": "You are the helpful support assistant of a small online shop."},
                    {"role": "user", "content": f"Hello, I have a question about my {topic}, number {1000 + n}."},
                    {"role": "assistant", "content": answer.format(n=1000 + n)},
                ]
            }
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def environment(home: Path) -> dict[str, str]:
    """The training processes' environment: what the lab's service gives its worker, with a fixed thread count."""
    from finetune_guide.lab import paths, runner  # noqa: PLC0415 - keeps `python -m bench` light until needed

    env = runner.worker_environment(THREADS)
    env.update(
        {
            "OMP_NUM_THREADS": str(THREADS),
            "MKL_NUM_THREADS": str(THREADS),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            paths.HOME_VARIABLE: str(home),
        }
    )
    return env


def lab_home(parent: Path) -> Path:
    """A fresh lab folder whose models/ is the shared cache, so nothing is rebuilt for each run."""
    home = Path(tempfile.mkdtemp(prefix="lab-home-", dir=parent))
    MODELS_CACHE.mkdir(parents=True, exist_ok=True)
    (home / "models").symlink_to(MODELS_CACHE.resolve(), target_is_directory=True)
    return home


def prepare_models(*, want_smol: bool) -> dict[str, Path]:
    """The model folders both runs train: tiny always, the converted SmolLM2 when its package is installed."""
    from finetune_guide.lab import models  # noqa: PLC0415
    from finetune_guide.lab.tiny import ensure_tiny_model  # noqa: PLC0415

    found = {"tiny": ensure_tiny_model(MODELS_CACHE / "tiny")}
    if want_smol:
        source = models.resolve(models.PACKAGED_MODEL_ID, home=MODELS_CACHE.parent / "lab-convert")
        if source.kind == "packaged":
            target = MODELS_CACHE / models.CONVERTED_PACKAGED_FOLDER
            if not (target / "config.json").is_file():
                print(f"converting the packaged SmolLM2 GGUF into {target.relative_to(ROOT)} (once) ...", flush=True)
                from finetune_guide.lab.loading import convert_packaged_gguf  # noqa: PLC0415 - imports torch

                # What loading.materialize(source) does for a packaged model, aimed at the shared cache folder.
                convert_packaged_gguf(source.path, target)  # type: ignore[arg-type]
            found[SMOL_CASE[0]] = target
        elif source.kind == "hub" and source.path is not None:
            found[SMOL_CASE[0]] = source.path
        else:
            print(f"SmolLM2-135M-Instruct left out: {source.note}", flush=True)
    return found


# --- 1. training: the lab's worker against the plain TRL script ----------------------------------------


def run_lab(model_dir: Path, data: Path, epochs: int, scratch: Path) -> dict[str, Any]:
    """One `worker train RUN_DIR`: training seconds from progress.jsonl, and the whole process's wall time."""
    from finetune_guide.lab.spec import PROGRESS_FILE, TrainingSpec, read_progress  # noqa: PLC0415

    home = lab_home(scratch)
    run = home / "runs" / "bench"
    spec = TrainingSpec(
        model=str(model_dir),
        training_file=str(data),
        output_dir=str(run),
        epochs=epochs,
        seed=SEED,
        device="cpu",
        threads=THREADS,
        learning_rate=SETTINGS["learning_rate"],
        batch_size=SETTINGS["batch_size"],
        lora_rank=SETTINGS["lora_rank"],
        lora_alpha=SETTINGS["lora_alpha"],
        max_seq_length=SETTINGS["max_seq_length"],
    )
    spec.write(run)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "finetune_guide.lab.worker", "train", str(run)],
        cwd=ROOT,
        env=environment(home),
        capture_output=True,
        timeout=TRAIN_TIMEOUT_S,
        check=False,
    )
    wall = time.perf_counter() - started
    lines, _ = read_progress(run / PROGRESS_FILE)
    steps = [line for line in lines if line.get("kind") == "step"]
    end = lines[-1] if lines else {}
    if done.returncode != 0 or end.get("kind") != "succeeded" or not steps:
        raise RuntimeError(f"the lab's run did not succeed: {end or done.stderr.decode()[-500:]}")
    started_line = next(line for line in lines if line.get("kind") == "started")
    return {
        "train_s": float(steps[-1]["elapsed_s"]),
        "wall_s": wall,
        "steps": int(steps[-1]["step"]),
        "loss_on": started_line.get("loss_on"),
    }


def run_reference(model_dir: Path, data: Path, epochs: int, scratch: Path, *, assistant_only: bool) -> dict[str, Any]:
    """One run of REFERENCE_SCRIPT as its own process: its trainer.train() seconds, and its wall time."""
    home = lab_home(scratch)
    script = scratch / "reference_sft.py"
    script.write_text(REFERENCE_SCRIPT, encoding="utf-8")
    argv = [str(model_dir), str(data), str(home / "out"), str(epochs), str(THREADS), "1" if assistant_only else "0"]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(script), *argv],
        cwd=ROOT,
        env=environment(home),
        capture_output=True,
        timeout=TRAIN_TIMEOUT_S,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"the reference script failed: {done.stderr.decode()[-800:]}")
    result = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return {**result, "wall_s": wall}


def training_case(name: str, model_dir: Path, chats: int, epochs: int, repeats: int, scratch: Path) -> dict[str, Any]:
    data = write_chats(scratch / f"chats-{chats}.jsonl", chats)
    lab_runs: list[dict[str, Any]] = []
    reference_runs: list[dict[str, Any]] = []
    assistant_only: bool | None = None
    for round_index in range(repeats):
        lab_runs.append(run_lab(model_dir, data, epochs, scratch))
        assistant_only = lab_runs[0]["loss_on"] == "assistant"
        reference_runs.append(run_reference(model_dir, data, epochs, scratch, assistant_only=assistant_only))
        print(
            f"  {name} round {round_index + 1}: lab {lab_runs[-1]['train_s']:.2f} s training "
            f"({lab_runs[-1]['wall_s']:.1f} s wall), reference {reference_runs[-1]['train_s']:.2f} s "
            f"({reference_runs[-1]['wall_s']:.1f} s wall); load {load_average()}",
            flush=True,
        )
    if lab_runs[0]["steps"] != reference_runs[0]["steps"]:
        raise RuntimeError(
            f"{name}: the lab ran {lab_runs[0]['steps']} steps, the reference {reference_runs[0]['steps']}"
        )
    lab_s = statistics.median(run["train_s"] for run in lab_runs)
    reference_s = statistics.median(run["train_s"] for run in reference_runs)
    return {
        "model": name,
        "chats": chats,
        "epochs": epochs,
        "steps": lab_runs[0]["steps"],
        "loss_on": lab_runs[0]["loss_on"],
        "lab": lab_runs,
        "reference": reference_runs,
        "lab_epoch_s": lab_s / epochs,
        "reference_epoch_s": reference_s / epochs,
        "ratio": lab_s / reference_s,
        "lab_wall_s": statistics.median(run["wall_s"] for run in lab_runs),
        "reference_wall_s": statistics.median(run["wall_s"] for run in reference_runs),
    }


def training_figures(case: dict[str, Any]) -> list[Figure]:
    name, epochs = case["model"], case["epochs"]
    runs = "; ".join(
        f"{lab['train_s']:.2f}/{ref['train_s']:.2f}" for lab, ref in zip(case["lab"], case["reference"], strict=True)
    )
    verdict = "meets" if case["ratio"] <= TARGET_TRAINING else "misses"
    shape = f"{case['chats']} chats x {epochs} epoch(s), {case['steps']} steps, loss on {case['loss_on']} tokens"
    return [
        Figure("lab training", f"{name}: lab time per epoch (s)", f"{case['lab_epoch_s']:.2f}",
               f"reference {case['reference_epoch_s']:.2f} s; {shape}"),
        Figure("lab training", f"{name}: lab / reference (training)", f"{case['ratio']:.3f}x",
               f"target <= {TARGET_TRAINING}: {verdict}; runs lab/ref s: {runs}"),
        Figure("lab training", f"{name}: whole-process wall time (s)", f"{case['lab_wall_s']:.1f}",
               f"reference {case['reference_wall_s']:.1f} s (imports, loading, saving included)"),
    ]  # fmt: skip


# --- 2. time to the first step through the SDK ---------------------------------------------------------


def import_reference_s(scratch: Path, statement: str, repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], env=environment(scratch), check=True, cwd=ROOT)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def first_step(model: str, scratch: Path, chats: int) -> dict[str, Any]:
    """Create a job through the openai SDK against the in-process LabService and time its progress lines."""
    from finetune_guide.lab.service import LabService  # noqa: PLC0415
    from finetune_guide.lab.spec import PROGRESS_FILE, read_progress  # noqa: PLC0415
    from finetune_guide.providers import ProviderSettings, build_client  # noqa: PLC0415

    home = lab_home(scratch)
    data = write_chats(scratch / f"first-step-{chats}.jsonl", chats)
    with patched_environ(environment(home)):
        lab = LabService(home, device="cpu", threads=THREADS)
        try:
            client = build_client(ProviderSettings(kind="local"), lab=lab.tenant())
            with data.open("rb") as handle:
                uploaded = client.files.create(file=(data.name, handle), purpose="fine-tune")
            hyperparameters = {"n_epochs": 1, "batch_size": SETTINGS["batch_size"]}
            created_at = time.time()
            job = client.fine_tuning.jobs.create(
                model=model,
                training_file=uploaded.id,
                method={"type": "supervised", "supervised": {"hyperparameters": hyperparameters}},  # type: ignore[typeddict-item]
            )
            returned_at = time.time()
            progress = lab.run_dir(job.id) / PROGRESS_FILE
            deadline = time.monotonic() + FIRST_STEP_TIMEOUT_S
            seen: dict[str, float] = {}
            offset = 0
            while "step" not in seen:
                lines, offset = read_progress(progress, start=offset)
                for line in lines:
                    seen.setdefault(str(line.get("kind")), float(line["time"]))
                    if line.get("kind") in {"failed", "cancelled"}:
                        raise RuntimeError(f"the job ended before its first step: {line}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no step line within {FIRST_STEP_TIMEOUT_S} s: {seen}")
                time.sleep(0.01)
            client.fine_tuning.jobs.cancel(job.id)
            wait_settled(lab, job.id)
        finally:
            lab.close()
    return {
        "model": model,
        "create_call_s": returned_at - created_at,
        "start_and_imports_s": seen["loading"] - created_at,
        "model_load_s": seen["started"] - seen["loading"],
        "first_step_s": seen["step"] - seen["started"],
        "total_s": seen["step"] - created_at,
    }


def wait_settled(lab: Any, job_id: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        lab.tick()
        if lab.store.jobs(statuses=("running",)) == []:
            return
        time.sleep(0.2)


@contextlib.contextmanager
def patched_environ(values: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def first_step_figures(found: list[dict[str, Any]], bare_import_s: float, trainer_import_s: float) -> list[Figure]:
    figures = []
    for entry in found:
        name = "tiny" if entry["model"] == "tiny" else SMOL_CASE[0]
        figures += [
            Figure("lab first step", f"{name}: job created → first step line (s)", f"{entry['total_s']:.2f}",
                   f"SDK create call {entry['create_call_s']:.2f} s (the worker is spawned inside it)"),
            Figure("lab first step", f"{name}:   process start + imports (s)", f"{entry['start_and_imports_s']:.2f}",
                   f"reference: bare import {bare_import_s:.2f} s; importing SFTTrainer {trainer_import_s:.2f} s"),
            Figure("lab first step", f"{name}:   data, model, trainer set-up (s)", f"{entry['model_load_s']:.2f}",
                   "from the 'loading' line to the 'started' line"),
            Figure("lab first step", f"{name}:   first training step (s)", f"{entry['first_step_s']:.2f}",
                   "from the 'started' line to the first 'step' line"),
        ]  # fmt: skip
    return figures


# --- 3. a page rerun while a job trains ----------------------------------------------------------------


def text(key: str, **values: object) -> str:
    from finetune_guide import i18n  # noqa: PLC0415

    return i18n.translate(i18n.load_strings("en"), key, **values)


def connect_local(page: Any, url: str) -> None:
    page.goto(f"{url}/connect?lang=en")
    wait_idle(page)
    page.get_by_text(text("connect.kind.local"), exact=True).first.click()
    wait_idle(page)
    page.get_by_role("button", name=text("connect.local.use")).click()
    wait_idle(page)
    page.get_by_text(text("connect.check.connected", detail="")[:20]).first.wait_for(timeout=RERUN_TIMEOUT_MS)


def start_tiny_job(page: Any, chats: Path, epochs: int) -> None:
    """From the Jobs page, as a learner would: upload, pick tiny, many epochs and batch 1, start."""
    page.get_by_role("link", name=text("jobs.nav_title"), exact=True).click()
    wait_idle(page)
    page.locator('input[type="file"]').first.set_input_files(str(chats))
    wait_idle(page)
    # Newer Jobs pages ask for a validation file too (upload by default): choose none, when the choice is there.
    validation = page.locator('[data-testid="stRadio"]').filter(has_text=text("jobs.file.validation"))
    if validation.count():
        validation.first.get_by_text(text("jobs.file.source_none"), exact=True).click()
        wait_idle(page)
    page.get_by_text(text("jobs.new.options")).wait_for(timeout=RERUN_TIMEOUT_MS)
    wait_idle(page)
    page.locator('[data-testid="stSelectbox"]').filter(has_text=text("jobs.form.model")).get_by_role("combobox").click()
    page.keyboard.type("tiny")
    page.get_by_role("option", name="tiny", exact=True).click()
    wait_idle(page)
    for label, value in (("jobs.local.epochs", epochs), ("jobs.local.batch", 1)):
        field = page.locator('[data-testid="stNumberInput"]').filter(has_text=text(label)).locator("input")
        field.fill(str(value))
        page.keyboard.press("Tab")
        wait_idle(page)
    page.get_by_role("button", name=text("jobs.new.start")).click()
    wait_idle(page, 60_000)


def training_state(home: Path) -> tuple[str | None, int]:
    """(kind of the newest progress line of the newest run, its step) in the app's lab folder."""
    from finetune_guide.lab.spec import PROGRESS_FILE, read_progress  # noqa: PLC0415

    runs = sorted((home / "runs").glob("*/" + PROGRESS_FILE), key=lambda p: p.stat().st_mtime)
    if not runs:
        return None, 0
    lines, _ = read_progress(runs[-1])
    steps = [line for line in lines if line.get("kind") == "step"]
    return (lines[-1].get("kind") if lines else None), (int(steps[-1]["step"]) if steps else 0)


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.2)


def where_toggle_ms(page: Any, rounds: int) -> list[float]:
    """A single rerun of the Connect page: its "Where does it train?" radio to "a lab server" and back."""
    radio = page.locator('[data-testid="stMain"] [data-testid="stRadio"]').filter(has_text=text("connect.local.where"))
    return toggle_ms(page, radio, rounds, "where")


def language_ms(page: Any, rounds: int) -> list[float]:
    """bench.app_speed's language switch (English to Polish and back, two script runs each), lost-click proof."""
    return toggle_ms(page, page.locator('[data-testid="stSidebar"] [data-testid="stRadio"]').first, rounds, "language")


MISSED: list[str] = []  # reruns whose timing was lost (see toggle_ms), reported with the figures


def toggle_ms(page: Any, radio: Any, rounds: int, name: str) -> list[float]:
    """Click the radio's other option `rounds` x 2 times, timing each rerun with bench.app_speed's time_click.

    A rerun that finishes within one browser task can reach the page as a single render, so the app root never shows
    "running" and time_click waits in vain: such a click is retried after MISSED_RERUN_MS and noted in MISSED, which
    drops the fastest reruns (the medians err on the slow side).
    """
    options = radio.locator('label:has(input[type="radio"])')
    timings: list[float] = []
    while len(timings) < rounds * 2:
        # Always the option not chosen now: a click lost under load must not leave the next one with nothing to do.
        chosen = 0 if options.nth(0).locator("input").is_checked() else 1
        try:
            timings.append(time_click(page, options.nth(1 - chosen), timeout_ms=MISSED_RERUN_MS))
        except PlaywrightError as error:
            if "no rerun finished" not in str(error) or len(MISSED) > MAX_MISSED:
                raise
            MISSED.append(name)
            wait_idle(page)
    return timings


def rerun_series(page: Any, rounds: int) -> dict[str, list[float]]:
    return {"language": language_ms(page, rounds), "where": where_toggle_ms(page, rounds)}


def page_reruns(scratch: Path, rounds: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    from finetune_guide.lab.spec import CANCEL_FILE  # noqa: PLC0415

    home = lab_home(scratch)
    chats = write_chats(scratch / "app-chats-12.jsonl", 12)
    phases: dict[str, dict[str, list[float]]] = {}
    steps: list[int] = []
    with patched_environ(environment(home)), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            with running_app(scratch / "streamlit.log") as (_, url):
                context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
                page = context.new_page()
                page.set_default_timeout(RERUN_TIMEOUT_MS)
                connect_local(page, url)
                rerun_series(page, 1)  # warm-up: the first switch into Polish loads its strings, and so on
                phases["idle_before"] = rerun_series(page, rounds)
                start_tiny_job(page, chats, epochs=50)
                wait_for(lambda: training_state(home)[1] >= 1, FIRST_STEP_TIMEOUT_S, "the job's first step")
                page.get_by_role("link", name=text("connect.nav_title"), exact=True).click()
                wait_idle(page)
                steps.append(training_state(home)[1])
                phases["training"] = rerun_series(page, rounds)
                kind, last_step = training_state(home)
                if kind not in {"step", "checkpoint"}:
                    raise RuntimeError(f"the job stopped training during the measurement (last line: {kind})")
                steps.append(last_step)
                for run in (home / "runs").iterdir():
                    (run / CANCEL_FILE).touch()  # the lab's own "stop after this step"
                wait_for(lambda: training_state(home)[0] == "cancelled", 120, "the job to stop")
                time.sleep(2)  # let the worker process exit
                phases["idle_after"] = rerun_series(page, rounds)
                context.close()
        finally:
            browser.close()
    result: dict[str, Any] = {"phases": phases, "training_steps": steps, "missed": list(MISSED)}
    for widget in ("language", "where"):
        idle = phases["idle_before"][widget] + phases["idle_after"][widget]
        during = phases["training"][widget]
        result[widget] = {
            "idle_ms": statistics.median(idle),
            "training_ms": statistics.median(during),
            "ratio": statistics.median(during) / statistics.median(idle),
        }
    return result


def rerun_figures(found: dict[str, Any]) -> list[Figure]:
    figures = []
    steps = found["training_steps"]
    for widget, label in (
        ("where", 'Connect: "Where does it train?" radio, one rerun'),
        ("language", "Connect: sidebar language switch, two reruns"),
    ):
        figure = found[widget]
        during = found["phases"]["training"][widget]
        idle = found["phases"]["idle_before"][widget] + found["phases"]["idle_after"][widget]
        verdict = "meets" if figure["training_ms"] <= TARGET_RERUN_MS else "misses"
        figures += [
            Figure("lab page rerun", f"{label}, job training (ms)", f"{figure['training_ms']:.0f}",
                   f"target <= {TARGET_RERUN_MS:.0f} ms: {verdict}; median of {len(during)}, max {max(during):.0f}: "
                   f"{', '.join(f'{v:.0f}' for v in during)}"),
            Figure("lab page rerun", f"{label}, nothing training (ms)", f"{figure['idle_ms']:.0f}",
                   f"median of {len(idle)} (before the job and after it stopped): "
                   f"{', '.join(f'{v:.0f}' for v in idle)}"),
            Figure("lab page rerun", f"{label}: training / idle", f"{figure['ratio']:.2f}x",
                   f"tiny, batch 1, {THREADS} thread(s); the job went from step {steps[0]} to {steps[1]} meanwhile; "
                   f"{found['missed'].count(widget)} "
                   "click(s) not timed (see toggle_ms)"),
        ]  # fmt: skip
    return figures


# --- the run -------------------------------------------------------------------------------------------


def run(
    repeats: int = 2, *, rounds: int = 5, parts: str = "123", smol: bool = True, threads: int = THREADS
) -> list[Figure]:
    """Every figure of this benchmark (the `python -m bench` entry point); also writes RESULTS_FILE."""
    figures: list[Figure] = []
    global THREADS  # noqa: PLW0603 - one setting for every process this run starts
    THREADS = threads
    before = load_average()
    print(f"load average before: {before} ({os.cpu_count()} CPUs, {THREADS} training threads)", flush=True)
    record: dict[str, Any] = {"threads": THREADS, "cpus": os.cpu_count(), "load_before": before}
    if RESULTS_FILE.exists():
        with contextlib.suppress(ValueError):
            previous = json.loads(RESULTS_FILE.read_text(encoding="utf-8"))
            record = {**previous, **record}  # a partial run keeps the other parts' last figures
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="lab-speed-", dir=DATA_DIR))
    try:
        model_dirs = prepare_models(want_smol=smol and ("1" in parts or "2" in parts))
        if "1" in parts:
            record["training"] = []
            for name, chats, epochs in (TINY_CASE, SMOL_CASE):
                if name not in model_dirs:
                    continue
                print(f"training {name}: {chats} chats x {epochs} epoch(s), alternating lab/reference", flush=True)
                case = training_case(name, model_dirs[name], chats, epochs, repeats, scratch)
                record["training"].append(case)
                figures += training_figures(case)
            save(record)
        if "2" in parts:
            print("time to the first step through the openai SDK ...", flush=True)
            bare = import_reference_s(scratch, "import torch, transformers, peft, trl", repeats + 1)
            trainer = import_reference_s(scratch, "from trl import SFTTrainer", repeats + 1)
            found = [first_step("tiny", scratch, 12)]
            if SMOL_CASE[0] in model_dirs:
                found.append(first_step(str(model_dirs[SMOL_CASE[0]]), scratch, SMOL_CASE[1]))
            record["first_step"] = {"bare_import_s": bare, "trainer_import_s": trainer, "jobs": found}
            figures += first_step_figures(found, bare, trainer)
            save(record)
        if "3" in parts:
            if not Path(CHROMIUM).exists():
                raise RuntimeError(f"Chromium not found at {CHROMIUM}; install it with: apt-get install chromium")
            print("page reruns in Chromium, idle and with a job training ...", flush=True)
            found_reruns = page_reruns(scratch, rounds)
            record["page_rerun"] = found_reruns
            figures += rerun_figures(found_reruns)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    after = load_average()
    record["load_after"] = after
    print(f"load average after: {after}", flush=True)
    figures.append(Figure("lab", "load average before → after", f"{before} → {after}", f"{os.cpu_count()} CPUs"))
    save(record)
    return figures


def save(record: dict[str, Any]) -> None:
    """RESULTS_FILE, rewritten after each part so a part that fails later keeps the figures already measured."""
    RESULTS_FILE.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=2, help="runs of the lab and of the reference (default 2)")
    parser.add_argument("--rounds", type=int, default=5, help="language switches x2 per rerun series (default 5)")
    parser.add_argument("--parts", default="123", help="which parts to run: 1 training, 2 first step, 3 reruns")
    parser.add_argument("--threads", type=int, default=THREADS, help=f"threads of each training (default {THREADS})")
    parser.add_argument("--no-smol", action="store_true", help="leave out SmolLM2-135M-Instruct")
    args = parser.parse_args(argv)
    figures = run(args.repeats, rounds=args.rounds, parts=args.parts, smol=not args.no_smol, threads=args.threads)
    print()
    print_table(figures)
    print(f"\nfigures written to {RESULTS_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
