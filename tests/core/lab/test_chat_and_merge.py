"""The chat worker (`python -m finetune_guide.lab.worker chat`) and merging (`... worker merge ADAPTER OUT`).

- the chat worker answers each JSON request line with one JSON reply line carrying the same id, and nothing else;
- after SFT on memorisable data, the fine-tuned tiny's greedy answer differs from the base tiny's for the same seed,
  and repeats what it was trained on;
- a bad request gets an error reply and the worker goes on answering;
- a merged model answers greedily exactly as base + adapter does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from finetune_guide.lab.inference import generate
from tests.core.lab.worker_support import QUESTIONS_AND_ANSWERS, LabWorld, question


@pytest.fixture(scope="module")
def chat_replies(world: LabWorld, sft_run: Path) -> dict[str, dict[str, Any]]:
    adapter = str(sft_run / "adapter")
    common = {"messages": question(0), "max_tokens": 24, "temperature": 0, "seed": 3}
    requests = [
        {"id": "base", "model": "tiny", "adapter": None, **common},
        {"id": "tuned", "model": "tiny", "adapter": adapter, **common},
        {"id": "broken", "model": "tiny", "messages": "not a list"},
        {"id": "sampled", "model": "tiny", "adapter": adapter, **common, "temperature": 0.8},
    ]
    worker = world.start("chat", "--threads", "1")
    stdout, _ = worker.communicate("".join(json.dumps(r) + "\n" for r in requests), timeout=180)
    assert worker.returncode == 0
    replies = [json.loads(line) for line in stdout.splitlines()]
    assert [reply["id"] for reply in replies] == [r["id"] for r in requests]
    return {reply["id"]: reply for reply in replies}


def test_the_chat_worker_answers_each_request_line_with_one_reply_line(chat_replies: dict[str, Any]) -> None:
    for name in ("base", "tuned"):
        reply = chat_replies[name]
        assert set(reply) == {"id", "text", "prompt_tokens", "completion_tokens", "finish_reason"}
        assert reply["prompt_tokens"] > 10
        assert 0 < reply["completion_tokens"] <= 24
        assert reply["finish_reason"] in {"stop", "length"}


def test_the_fine_tuned_answer_differs_from_the_base_and_repeats_its_training(chat_replies: dict[str, Any]) -> None:
    assert chat_replies["tuned"]["text"] != chat_replies["base"]["text"]
    trained_answer = QUESTIONS_AND_ANSWERS[0][1]
    assert chat_replies["tuned"]["text"].split()[:3] == trained_answer.split()[:3]


def test_a_bad_request_gets_an_error_reply_and_the_worker_goes_on(chat_replies: dict[str, Any]) -> None:
    assert chat_replies["broken"]["error"]["code"] == "bad_request"
    assert "messages" in chat_replies["broken"]["error"]["message"]
    assert chat_replies["sampled"]["completion_tokens"] > 0


def test_a_merged_model_answers_like_base_plus_adapter(world: LabWorld, sft_run: Path, tmp_path: Path) -> None:
    merged = tmp_path / "merged"
    done = world.worker("merge", str(sft_run / "adapter"), str(merged))
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == {"merged": str(merged)}
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {p.name for p in merged.iterdir()}
    assert not (merged / "adapter_config.json").exists()
    for index in (0, 3):
        with_adapter = generate(world.tiny, sft_run / "adapter", question(index), max_tokens=16, temperature=0, seed=0)
        from_merged = generate(merged, None, question(index), max_tokens=16, temperature=0, seed=0)
        assert from_merged == with_adapter
