"""Shared builders for the jobs tests: SDK job objects, SDK errors, dataset files, keys that must never leak."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import httpx2
import openai
from openai.types.fine_tuning import FineTuningJob

KEY = "sk-proj-SECRETsecretSECRET1234"
AZURE_KEY = "0123456789abcdef0123456789abcdef"


def sdk_job(**overrides: object) -> FineTuningJob:
    """A running OpenAI job as the SDK returns it; keyword arguments replace its fields."""
    fields: dict[str, object] = {
        "id": "ftjob-abc",
        "created_at": 1_700_000_000,
        "hyperparameters": {"n_epochs": "auto", "batch_size": "auto", "learning_rate_multiplier": "auto"},
        "model": "gpt-4.1-mini-2025-04-14",
        "object": "fine_tuning.job",
        "organization_id": "org-1",
        "result_files": [],
        "seed": 42,
        "status": "running",
        "training_file": "file-train",
    }
    fields.update(overrides)
    return FineTuningJob.model_validate(fields)


def status_error(status: int, body: object, cls: type[openai.APIStatusError]) -> openai.APIStatusError:
    """The SDK's error for an HTTP `status` with this JSON body, carrying a request id."""
    request = httpx2.Request("POST", "https://api.openai.com/v1/fine_tuning/jobs")
    response = httpx2.Response(status, request=request, headers={"x-request-id": "req_1"}, json=body)
    return cls(f"Error code: {status}", response=response, body=body)


@dataclass(frozen=True, slots=True)
class DatasetBytes:
    """A file as the jobs page hands it to the core: name, bytes, and their sha256."""

    name: str
    data: bytes
    sha256: str


def chat_dataset(examples: int = 12, *, name: str = "train.jsonl", topic: str = "plus") -> DatasetBytes:
    """A valid chat fine-tuning file of `examples` lines; a different `topic` gives different bytes."""
    rows = [
        {
            "messages": [
                {"role": "system", "content": "Marv is a factual chatbot that is also sarcastic."},
                {"role": "user", "content": f"What is {n} {topic} {n}?"},
                {"role": "assistant", "content": f"{n} {topic} {n}. Like you couldn't work that out yourself."},
            ]
        }
        for n in range(examples)
    ]
    data = ("\n".join(json.dumps(r) for r in rows) + "\n").encode()
    return DatasetBytes(name, data, hashlib.sha256(data).hexdigest())
