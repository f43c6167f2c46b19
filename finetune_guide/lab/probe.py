"""A few training steps on this machine, to calibrate the time and memory a run will need before it starts."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from finetune_guide.lab import paths, runner
from finetune_guide.lab.spec import PROGRESS_FILE, TrainingSpec, read_progress
from finetune_guide.lab.store import LabStore, MeasuredSpeed, write_atomically

PROBE_STEPS = 4  # the first step warms up; speed is measured over the ones after it
PROBE_TIMEOUT_S = 600.0  # the first probe of SmolLM2 converts the packaged file (about 20 s) before it trains


class ProbeError(RuntimeError):
    """The probe could not measure anything; the message says why in plain words."""


def measure(
    store: LabStore,
    spec: TrainingSpec,
    *,
    data: bytes | None = None,
    home: Path | None = None,
    command: Sequence[str] | None = None,
    timeout_s: float = PROBE_TIMEOUT_S,
) -> MeasuredSpeed:
    """Train `spec` for a few steps in a throw-away run folder, record the speed and peak memory, and return them.

    `data`, when given, is the training file itself (the Jobs page has it in memory); it is written into the run folder
    and removed with it.
    """
    run = paths.runs_dir(home) / f".probe-{time.time_ns()}"
    training_file = spec.training_file
    if data is not None:
        run.mkdir(parents=True, exist_ok=True)
        write_atomically(run / "train.jsonl", data)
        training_file = str(run / "train.jsonl")
    probe = replace(
        spec,
        output_dir=str(run),
        training_file=training_file,
        max_steps=PROBE_STEPS,
        save_checkpoints=0,
        validation_file=None,
    )
    probe.write(run)
    try:
        process = runner.start_training(run, threads=spec.threads, command=command)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            runner.stop_now(process.pid)
            process.wait(timeout=30)
            raise ProbeError(f"The probe did not finish within {timeout_s:.0f} s.") from None
        lines, _ = read_progress(run / PROGRESS_FILE)
    finally:
        shutil.rmtree(run, ignore_errors=True)
    measured = speed_from(lines, model=spec.model)
    store.record_speed(measured)
    return measured


def speed_from(lines: Sequence[Mapping[str, Any]], *, model: str) -> MeasuredSpeed:
    """Tokens per second between the first and the last step (the first step pays for warm-up), and peak memory."""
    failed = next((line for line in lines if line.get("kind") == "failed"), None)
    if failed is not None:
        raise ProbeError(str(failed.get("message") or "The probe failed."))
    steps = [line for line in lines if line.get("kind") == "step"]
    if not steps:
        raise ProbeError("The probe ended before its first training step.")
    started = next((line for line in lines if line.get("kind") == "started"), {})
    first, last = steps[0], steps[-1]
    tokens = _number(last.get("tokens")) - (_number(first.get("tokens")) if len(steps) > 1 else 0.0)
    seconds = _number(last.get("elapsed_s")) - (_number(first.get("elapsed_s")) if len(steps) > 1 else 0.0)
    if tokens <= 0 or seconds <= 0:
        raise ProbeError("The probe trained no tokens it could time.")
    peak = max((_number(line.get("peak_rss_mb")) for line in steps), default=0.0)
    return MeasuredSpeed(
        model=model,
        device=str(started.get("device") or "cpu"),
        tokens_per_s=round(tokens / seconds, 2),
        peak_memory_gb=round(peak / 1024, 2) if peak else None,
        measured_at=int(time.time()),
    )


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0
