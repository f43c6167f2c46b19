"""Simulated chat: a fine-tuned model echoes its closest training example; a base model stays generic."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from finetune_guide import tokens

SIMULATED_LABEL = "[simulated]"
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Example:
    """One training example reduced to what the simulation needs: what was asked and what was answered."""

    prompt: str
    reply: str


def examples_from_jsonl(data: bytes) -> tuple[Example, ...]:
    """Prompt/reply pairs from a chat, DPO or legacy-completion JSONL file; unreadable lines are skipped."""
    found: list[Example] = []
    for raw in data.decode("utf-8-sig", errors="replace").splitlines():
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        if isinstance(record, dict):
            example = _example(record)
            if example is not None:
                found.append(example)
    return tuple(found)


def _example(record: Mapping[str, Any]) -> Example | None:
    if isinstance(record.get("prompt"), str) and isinstance(record.get("completion"), str):
        return Example(record["prompt"], record["completion"])
    if isinstance(record.get("input"), Mapping):
        preferred = record.get("preferred_output")
        reply = _last_assistant_text(preferred) if isinstance(preferred, list) else None
        messages = record["input"].get("messages")
        if reply and isinstance(messages, list):
            return Example(_user_text(messages), reply)
        return None
    messages = record.get("messages")
    if not isinstance(messages, list):
        return None
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if isinstance(message, Mapping) and message.get("role") == "assistant":
            reply = content_text(message.get("content"))
            if reply:
                return Example(_user_text(messages[:index]), reply)
    return None


def _last_assistant_text(messages: Sequence[Any]) -> str | None:
    for message in reversed(messages):
        if isinstance(message, Mapping) and message.get("role") == "assistant":
            return content_text(message.get("content")) or None
    return None


def _user_text(messages: Sequence[Any]) -> str:
    # The last user turn carries the question; earlier turns only add noise to the overlap score.
    for message in reversed(messages):
        if isinstance(message, Mapping) and message.get("role") == "user":
            return content_text(message.get("content"))
    return ""


def content_text(content: object) -> str:
    """The text of a message's content: a string, or the text parts of a content-part list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [part.get("text") for part in content if isinstance(part, Mapping)]
        return " ".join(part for part in parts if isinstance(part, str))
    return ""


def words(text: str) -> frozenset[str]:
    return frozenset(word.lower() for word in _WORD.findall(text))


def similarity(left: str, right: str) -> float:
    """Jaccard overlap of the two texts' word sets (0 when either is empty)."""
    a, b = words(left), words(right)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def closest_example(question: str, examples: Sequence[Example]) -> Example | None:
    """The example whose prompt shares the most words with the question; the first one wins a tie."""
    best: Example | None = None
    best_score = -1.0
    for example in examples:
        score = similarity(question, example.prompt)
        if score > best_score:
            best, best_score = example, score
    return best


def last_user_text(messages: Sequence[Any]) -> str:
    return _user_text(messages)


def fine_tuned_reply(question: str, examples: Sequence[Example]) -> str:
    example = closest_example(question, examples)
    if example is None:
        return f"{SIMULATED_LABEL} This fine-tuned model has no training examples to answer from."
    return f"{SIMULATED_LABEL} {example.reply}"


def base_reply(question: str, model: str) -> str:
    topic = " ".join(_WORD.findall(question)[:8])
    about = f" about “{topic}”" if topic else ""
    return (
        f"{SIMULATED_LABEL} This is {model}, a base model in the sandbox: no model runs here. "
        f"A real base model would answer your message{about} in a general, helpful way, without the tone, "
        "format or facts of your training data. Fine-tune it in the sandbox and ask the fine-tuned model "
        "the same question to see the difference."
    )


def prompt_tokens(messages: Sequence[Any], model: str) -> int:
    """Input tokens as the cookbook counts them: 3 per message, its fields, and 3 to prime the reply."""
    encoding = tokens.encoding_name_for_model(model)
    total = 3
    for message in messages:
        total += 3
        if not isinstance(message, Mapping):
            continue
        for key, value in message.items():
            text = content_text(value) if key == "content" else value if isinstance(value, str) else ""
            if text:
                total += tokens.count_tokens(text, encoding)
            if key == "name":
                total += 1
    return total


def truncated(text: str, model: str, max_tokens: int | None) -> tuple[str, int, bool]:
    """The reply cut to `max_tokens`, its token count, and whether it was cut."""
    encoding = tokens.get_encoding(tokens.encoding_name_for_model(model))
    ids = encoding.encode_ordinary(text)
    if max_tokens is None or len(ids) <= max_tokens:
        return text, len(ids), False
    kept = ids[: max(0, max_tokens)]
    return encoding.decode(kept), len(kept), True
