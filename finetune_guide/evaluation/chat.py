"""Calling a model: one timed chat request, read back into a ModelReply (the only I/O of this package)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import openai

from finetune_guide import catalog as price_catalog
from finetune_guide.evaluation.cases import ToolCall, arguments_text


@dataclass(frozen=True, slots=True)
class ModelReply:
    """One chat completion reduced to what the comparison shows."""

    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: float = 0.0
    finish_reason: str | None = None


def reply_from_completion(completion: object, latency_ms: float) -> ModelReply:
    """Read an SDK `ChatCompletion` into a ModelReply; a missing field reads as empty, not an error."""
    choices = getattr(completion, "choices", None) or []
    message = getattr(choices[0], "message", None) if choices else None
    text = getattr(message, "content", None) or ""
    calls: list[ToolCall] = []
    for call in getattr(message, "tool_calls", None) or []:
        function = getattr(call, "function", None)
        name = getattr(function, "name", None)
        if isinstance(name, str):
            calls.append(ToolCall(name, arguments_text(getattr(function, "arguments", None))))
    legacy = getattr(message, "function_call", None)
    if legacy is not None and isinstance(getattr(legacy, "name", None), str):
        calls.append(ToolCall(legacy.name, arguments_text(getattr(legacy, "arguments", None))))
    usage = getattr(completion, "usage", None)
    return ModelReply(
        text=text if isinstance(text, str) else "",
        tool_calls=tuple(calls),
        input_tokens=_int_or_none(getattr(usage, "prompt_tokens", None)),
        output_tokens=_int_or_none(getattr(usage, "completion_tokens", None)),
        latency_ms=round(latency_ms, 1),
        finish_reason=getattr(choices[0], "finish_reason", None) if choices else None,
    )


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# Reasoning models accept only the default temperature and answer a request that sets one with a 400.
_DEFAULT_TEMPERATURE_ONLY = ("o1", "o3", "o4", "gpt-5")


def accepts_temperature(model: str) -> bool:
    """False for the reasoning families (o1, o3, o4-mini, gpt-5…), also when fine-tuned."""
    return not price_catalog.base_model_name(model).startswith(_DEFAULT_TEMPERATURE_ONLY)


def ask(
    client: openai.OpenAI,
    model: str,
    messages: Sequence[Mapping[str, Any]],
    *,
    tools: Sequence[Mapping[str, Any]] = (),
    temperature: float | None = None,
) -> ModelReply:
    """Send one chat request and time it; SDK errors propagate for the caller to explain."""
    options: dict[str, Any] = {}
    if tools:
        options["tools"] = list(tools)
    if temperature is not None and accepts_temperature(model):
        options["temperature"] = temperature
    started = time.perf_counter()
    completion = client.chat.completions.create(model=model, messages=list(messages), **options)  # type: ignore[arg-type]
    return reply_from_completion(completion, (time.perf_counter() - started) * 1000)
