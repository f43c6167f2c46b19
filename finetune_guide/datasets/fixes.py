"""Fixes for fine-tuning data: each takes file bytes and returns new JSONL to preview; and the fix registry."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from finetune_guide.datasets.check import invalid_lines
from finetune_guide.datasets.parsing import parse_line
from finetune_guide.datasets.reading import fingerprint, iter_lines
from finetune_guide.datasets.targets import DEFAULT_MODEL


@dataclass(frozen=True, slots=True)
class FixResult:
    """A fixed file and what changed: examples written, examples modified, lines left out."""

    data: bytes
    examples: int
    changed: int
    removed: int


@dataclass(frozen=True, slots=True)
class Split:
    train: bytes
    validation: bytes
    train_examples: int
    validation_examples: int


def _dump(example: object) -> bytes:
    return json.dumps(example, ensure_ascii=False).encode("utf-8")


def _join(lines: list[bytes]) -> bytes:
    return b"\n".join(lines) + b"\n" if lines else b""


def _examples(data: bytes) -> Iterator[tuple[int, bytes, object | None]]:
    """(line, stripped line, parsed JSON or None) for every non-blank, readable line."""
    for number, raw in iter_lines(data):
        if raw is None:
            continue
        text = raw.strip()
        if text:
            yield number, text, parse_line(text)


def _rewrite(data: bytes, change: Callable[[dict[str, Any]], bool]) -> FixResult:
    """Apply `change` (which edits an example in place and says whether it did) to every JSON object line."""
    lines: list[bytes] = []
    changed = 0
    for _, text, value in _examples(data):
        if isinstance(value, dict) and change(value):
            changed += 1
            lines.append(_dump(value))
        else:
            lines.append(text)
    return FixResult(_join(lines), len(lines), changed, 0)


def _conversations(example: dict[str, Any]) -> list[list[Any]]:
    """The message lists of an example, whatever its format (chat, RFT, DPO input and outputs)."""
    found: list[list[Any]] = []
    if isinstance(example.get("messages"), list):
        found.append(example["messages"])
    source = example.get("input")
    if isinstance(source, dict) and isinstance(source.get("messages"), list):
        found.append(source["messages"])
    for key in ("preferred_output", "non_preferred_output"):
        if isinstance(example.get(key), list):
            found.append(example[key])
    return found


def drop_invalid_lines(data: bytes, *, model: str = DEFAULT_MODEL, method: str = "supervised") -> FixResult:
    """Leave out blank lines and every line with an error of its own."""
    bad = invalid_lines(data, model=model, method=method)
    kept: list[bytes] = []
    removed = 0
    for number, raw in iter_lines(data):
        text = raw.strip() if raw is not None else b""
        if raw is None or not text or number in bad:
            removed += 1
        else:
            kept.append(text)
    return FixResult(_join(kept), len(kept), 0, removed)


def strip_whitespace(data: bytes) -> FixResult:
    """Trim leading and trailing whitespace from every message text (a text that would become empty stays)."""

    def change(example: dict[str, Any]) -> bool:
        touched = False
        for messages in _conversations(example):
            for message in messages:
                if not isinstance(message, dict):
                    continue
                content = message.get("content")
                if isinstance(content, str):
                    trimmed = content.strip()
                    if trimmed and trimmed != content:
                        message["content"] = trimmed
                        touched = True
                elif isinstance(content, list):
                    for part in content:
                        text = part.get("text") if isinstance(part, dict) else None
                        if isinstance(text, str) and text.strip() and text.strip() != text:
                            part["text"] = text.strip()
                            touched = True
        for key in ("prompt", "completion"):
            value = example.get(key)
            if isinstance(value, str) and value.strip() and value.strip() != value:
                example[key] = value.strip()
                touched = True
        return touched

    return _rewrite(data, change)


def remove_duplicates(data: bytes) -> FixResult:
    """Keep the first of identical examples (the same bytes once surrounding whitespace is stripped).

    Blank lines are left out too, and counted as removed.
    """
    seen: set[bytes] = set()
    kept: list[bytes] = []
    removed = 0
    for _, raw in iter_lines(data):
        text = raw.strip() if raw is not None else b""
        digest = fingerprint(text)
        if not text or digest in seen:
            removed += 1
            continue
        seen.add(digest)
        kept.append(text)
    return FixResult(_join(kept), len(kept), 0, removed)


def add_system_prompt(
    data: bytes, prompt: str, *, method: str = "supervised", replace_existing: bool = False
) -> FixResult:
    """Put a system prompt first in every conversation (a developer message for reinforcement fine-tuning)."""
    text = prompt.strip()
    if not text:
        raise ValueError("the system prompt is empty")
    role = "developer" if method == "reinforcement" else "system"

    def change(example: dict[str, Any]) -> bool:
        if isinstance(example.get("messages"), list):
            messages = example["messages"]
        elif isinstance(example.get("input"), dict) and isinstance(example["input"].get("messages"), list):
            messages = example["input"]["messages"]
        else:
            return False
        first = messages[0] if messages else None
        if isinstance(first, dict) and first.get("role") in ("system", "developer"):
            if not replace_existing or (first.get("content") == text and first.get("role") == role):
                return False
            first["role"] = role
            first["content"] = text
            return True
        messages.insert(0, {"role": role, "content": text})
        return True

    return _rewrite(data, change)


def _without_suffix(text: str, suffix: str) -> str:
    return text[: -len(suffix)] if suffix and text.endswith(suffix) else text


def prompt_completion_to_chat(
    data: bytes, *, system_prompt: str = "", prompt_separator: str = "", stop_sequence: str = ""
) -> FixResult:
    """Turn legacy {"prompt", "completion"} lines into chat examples; other lines are kept as they are.

    The legacy recipe ended prompts with a separator (such as "\\n\\n###\\n\\n") and completions with a stop
    sequence (such as " END"); name them to have them removed. Pairs left with an empty side are dropped.
    """
    lines: list[bytes] = []
    changed = removed = 0
    system = system_prompt.strip()
    for _, text, value in _examples(data):
        if not (isinstance(value, dict) and isinstance(value.get("prompt"), str) and "messages" not in value):
            lines.append(text)
            continue
        prompt = _without_suffix(value["prompt"].rstrip(), prompt_separator.strip()).strip()
        completion = value.get("completion")
        answer = (
            _without_suffix(completion.rstrip(), stop_sequence.strip()).strip() if isinstance(completion, str) else ""
        )
        if not prompt or not answer:
            removed += 1
            continue
        messages = [{"role": "system", "content": system}] if system else []
        messages += [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}]
        lines.append(_dump({"messages": messages}))
        changed += 1
    return FixResult(_join(lines), len(lines), changed, removed)


def split_train_validation(data: bytes, *, validation_ratio: float = 0.2, seed: int = 0) -> Split:
    """Deal the examples at random (reproducibly, by seed) into a training and a validation file.

    Each file keeps the original order; with two or more examples each file gets at least one.
    """
    if not 0 < validation_ratio < 1:
        raise ValueError("validation_ratio must be between 0 and 1")
    lines = [text for _, text, _ in _examples(data)]
    count = len(lines)
    wanted = round(count * validation_ratio)
    if count >= 2:
        wanted = min(max(wanted, 1), count - 1)
    chosen = set(random.Random(seed).sample(range(count), wanted))  # noqa: S311 - a reproducible shuffle, not a secret
    train = [line for index, line in enumerate(lines) if index not in chosen]
    validation = [line for index, line in enumerate(lines) if index in chosen]
    return Split(_join(train), _join(validation), len(train), len(validation))


# --- the fix registry: every fix the studio offers, by id, in the order it offers them

# What a fix needs besides the data: the page's inputs (prompt, separator, ratio, ...), the model and method.
Apply = Callable[[bytes, Mapping[str, Any], str, str], FixResult | Split]


@dataclass(frozen=True, slots=True)
class Fix:
    """One fix the studio offers: its id (the key of its texts) and how to apply it."""

    id: str
    apply: Apply


def _drop_invalid(data: bytes, params: Mapping[str, Any], model: str, method: str) -> FixResult:
    return drop_invalid_lines(data, model=model, method=method)


def _strip(data: bytes, params: Mapping[str, Any], model: str, method: str) -> FixResult:
    return strip_whitespace(data)


def _dedupe(data: bytes, params: Mapping[str, Any], model: str, method: str) -> FixResult:
    return remove_duplicates(data)


def _system_prompt(data: bytes, params: Mapping[str, Any], model: str, method: str) -> FixResult:
    return add_system_prompt(data, params["prompt"], method=method, replace_existing=params["replace"])


def _legacy(data: bytes, params: Mapping[str, Any], model: str, method: str) -> FixResult:
    return prompt_completion_to_chat(
        data, system_prompt=params["system"], prompt_separator=params["separator"], stop_sequence=params["stop"]
    )


def _split(data: bytes, params: Mapping[str, Any], model: str, method: str) -> Split:
    return split_train_validation(data, validation_ratio=params["ratio"], seed=params["seed"])


FIXES: Final[tuple[Fix, ...]] = (
    Fix("drop_invalid", _drop_invalid),
    Fix("strip", _strip),
    Fix("dedupe", _dedupe),
    Fix("system_prompt", _system_prompt),
    Fix("legacy", _legacy),
    Fix("split", _split),
)
FIX_IDS: Final = tuple(fix.id for fix in FIXES)
_BY_ID: Final = {fix.id: fix for fix in FIXES}


def apply_fix(fix_id: str, data: bytes, params: Mapping[str, Any], *, model: str, method: str) -> FixResult | Split:
    """Run a registered fix; an unknown id is a KeyError (the page only offers FIX_IDS)."""
    return _BY_ID[fix_id].apply(data, params, model, method)
