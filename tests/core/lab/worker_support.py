"""Builders for the Local lab's tests: small support chats, a worker subprocess, and reading a run's progress."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finetune_guide.lab import paths
from finetune_guide.lab.spec import PROGRESS_FILE, TrainingSpec, read_progress
from finetune_guide.lab.tiny import ensure_tiny_model, tiny_model_folder
from tests.site import ROOT
from tests.support import QUESTIONS_AND_ANSWERS as ALL_QUESTIONS_AND_ANSWERS
from tests.support import SYSTEM

WORKER = [sys.executable, "-m", "finetune_guide.lab.worker"]
# Enough for tiny to learn all 8 answers by heart at lr 3e-2 (20 epochs did, 10 learnt 6 of 8); 50% more, because the
# tokenizer, so the model, changes whenever the app's content does.
SFT_EPOCHS = 30
# The first eight of the shared support chats: few enough for tiny to learn by heart in a few seconds.
QUESTIONS_AND_ANSWERS = ALL_QUESTIONS_AND_ANSWERS[:8]


def support_chats(count: int = 8) -> list[dict[str, Any]]:
    rows = []
    for question, answer in QUESTIONS_AND_ANSWERS[:count]:
        messages = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer, "weight": 1},
        ]
        rows.append({"messages": messages})
    return rows


def preference_pairs() -> list[dict[str, Any]]:
    rows = []
    for question, answer in QUESTIONS_AND_ANSWERS[:4]:
        rows.append(
            {
                "input": {"messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]},
                "preferred_output": [{"role": "assistant", "content": answer}],
                "non_preferred_output": [{"role": "assistant", "content": "I do not know, ask someone else."}],
            }
        )
    return rows


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def question(index: int = 0) -> list[dict[str, str]]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTIONS_AND_ANSWERS[index][0]}]


@dataclass(frozen=True)
class LabWorld:
    """A lab home with the tiny model built, and the environment every worker subprocess gets."""

    home: Path
    env: dict[str, str]

    @classmethod
    def create(cls, home: Path, hf_cache: Path) -> LabWorld:
        ensure_tiny_model(tiny_model_folder(paths.models_dir(home)))
        env = {
            **os.environ,
            paths.HOME_VARIABLE: str(home),
            "HF_HUB_OFFLINE": "1",
            "HF_HUB_CACHE": str(hf_cache),
            "OMP_NUM_THREADS": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "PYTHONPATH": str(ROOT),
        }
        return cls(home, env)

    @property
    def tiny(self) -> Path:
        return tiny_model_folder(paths.models_dir(self.home))

    def run_dir(self, name: str) -> Path:
        folder = paths.runs_dir(self.home) / name
        folder.mkdir(parents=True)
        return folder

    def train(self, spec: TrainingSpec, *, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        run_dir = Path(spec.output_dir)
        spec.write(run_dir)
        return self.worker("train", str(run_dir), timeout=timeout)

    def worker(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*WORKER, *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*WORKER, *args],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )


def tiny_spec(run_dir: Path, training_file: Path, **overrides: Any) -> TrainingSpec:
    settings: dict[str, Any] = {
        "model": "tiny",
        "training_file": str(training_file),
        "output_dir": str(run_dir),
        "epochs": 2,
        "batch_size": 4,
        "learning_rate": 3e-2,
        "max_seq_length": 128,
        "threads": 1,
        "seed": 7,
        **overrides,
    }
    return TrainingSpec(**settings)


def progress(run_dir: Path) -> list[dict[str, Any]]:
    events, _ = read_progress(run_dir / PROGRESS_FILE)
    return events


def kinds(run_dir: Path) -> list[str]:
    return [event["kind"] for event in progress(run_dir)]
