"""Shared builders for the evaluation tests: chat lines, numbered records, contenders, crafted summaries."""

from __future__ import annotations

import json

import openai

from finetune_guide import evaluation as ev
from finetune_guide.providers import ProviderSettings, build_client
from finetune_guide.sandbox import SandboxService

QUESTIONS = [(f"What is the capital of country {i}?", json.dumps({"capital": f"City{i}"})) for i in range(12)]


def chat_line(question: str, answer: str, system: str = "Answer in JSON.") -> dict[str, object]:
    return {
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer, "weight": 1},
        ]
    }


def jsonl(records: list[dict[str, object]]) -> bytes:
    return "\n".join(json.dumps(r) for r in records).encode()


def numbered(records: list[object]) -> list[tuple[int, object]]:
    return list(enumerate(records, start=1))


def trained_sandbox() -> tuple[openai.OpenAI, str, str]:
    """A sandbox client with one fine-tuned model (trained at speed "instant") and its base model."""
    service = SandboxService(speed="instant")
    client = build_client(ProviderSettings(), sandbox=service)
    upload = client.files.create(
        file=("train.jsonl", jsonl([chat_line(q, a) for q, a in QUESTIONS])), purpose="fine-tune"
    )
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file=upload.id)
    job = client.fine_tuning.jobs.retrieve(job.id)
    assert job.status == "succeeded" and job.fine_tuned_model
    return client, job.fine_tuned_model, job.model


def contenders(tuned: str, base: str) -> list[ev.Contender]:
    return [
        ev.Contender(tuned, "fine_tuned", ev.Price(0.3, 1.2)),
        ev.Contender(base, "base", ev.Price(0.15, 0.6)),
    ]


def summary(f1: float, *, valid: int = 0, applicable: int = 0, exact: int = 0, n: int = 20) -> ev.ModelSummary:
    return ev.ModelSummary(
        model="m", role="base", step=None, examples=n, answered=n, exact_matches=exact, mean_f1=f1,
        format_applicable=applicable, format_valid=valid, mean_answer_words=5.0, mean_latency_ms=10.0,
        input_tokens=0, output_tokens=0, cost_usd=None, judged=0, mean_judge_score=None,
    )  # fmt: skip


def tool_case() -> ev.EvalCase:
    """A case whose reference calls get_weather for Oslo, with the tool declared."""
    record = {
        "messages": [
            {"role": "user", "content": "Weather in Oslo?"},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
                    }
                ],
            },
        ],
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}],
    }
    (case,) = ev.eval_cases(numbered([record])).cases
    return case
