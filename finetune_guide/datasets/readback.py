"""Reading examples back for display: previews, one line's text, and a conversation as turns with tokens."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from finetune_guide.datasets.counting import count_text, message_tokens
from finetune_guide.datasets.parsing import parse, shown
from finetune_guide.datasets.reading import iter_lines


def read_examples(data: bytes, *, start_line: int = 1, limit: int | None = None) -> list[tuple[int, dict[str, Any]]]:
    """(line, example) for every line from start_line on that holds a valid JSON object, up to limit."""
    found: list[tuple[int, dict[str, Any]]] = []
    for number, raw in iter_lines(data):
        if number < start_line or raw is None:
            continue
        text = raw.strip()
        if not text:
            continue
        value, problem = parse(text)
        if problem is None and isinstance(value, dict):
            found.append((number, value))
            if limit is not None and len(found) >= limit:
                break
    return found


def read_line(data: bytes, line: int) -> str | None:
    """The text of one line (1-based), decoded leniently for display; None past the end."""
    for number, raw in iter_lines(data):
        if number == line:
            return "<the line is too large to show>" if raw is None else raw.decode("utf-8", "replace")
    return None


@dataclass(frozen=True, slots=True)
class Turn:
    """One bubble of the conversation viewer: who speaks, the text shown, its tokens and a label."""

    role: str
    text: str
    tokens: int
    label: str = ""


def conversation(example: Mapping[str, Any], encoding: str = "o200k_base", *, count: bool = True) -> tuple[Turn, ...]:
    """The example as a list of turns to show, each with the tokens its message costs (0 without `count`)."""
    turns: list[Turn] = []

    def add(messages: object, label: str = "") -> None:
        if not isinstance(messages, list):
            return
        for message in messages:
            if not isinstance(message, dict):
                turns.append(Turn("?", shown(message, 200), 0, "invalid"))
                continue
            role = message.get("role")
            weight = message.get("weight")
            note = label or ("weight 0" if weight == 0 else "")
            turns.append(
                Turn(
                    role if isinstance(role, str) else "?",
                    _turn_text(message),
                    message_tokens(message, encoding) if count else 0,
                    note,
                )
            )

    if isinstance(example.get("messages"), list):
        add(example["messages"])
    elif isinstance(example.get("input"), dict) or "preferred_output" in example:
        source = example.get("input")
        add(source.get("messages") if isinstance(source, dict) else None)
        add(example.get("preferred_output"), "preferred")
        add(example.get("non_preferred_output"), "non_preferred")
    elif "prompt" in example or "completion" in example:
        for role, key in (("user", "prompt"), ("assistant", "completion")):
            value = example.get(key)
            text = value if isinstance(value, str) else ""
            turns.append(Turn(role, text, count_text(text, encoding) if count else 0, key))
    return tuple(turns)


def _turn_text(message: Mapping[str, Any]) -> str:
    parts: list[str] = []
    content = message.get("content")
    if isinstance(content, str):
        parts.append(content)
    elif isinstance(content, list):
        for part in content:
            if isinstance(part, dict) and part.get("type") == "image_url":
                image = part.get("image_url")
                url = image.get("url") if isinstance(image, dict) else None
                parts.append(f"[image: {shown(url, 60)}]")
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
    calls = message.get("tool_calls")
    if isinstance(calls, list):
        for call in calls:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict):
                parts.append(f"→ {function.get('name')}({function.get('arguments')})")
    function_call = message.get("function_call")
    if isinstance(function_call, dict):
        parts.append(f"→ {function_call.get('name')}({function_call.get('arguments')})")
    if isinstance(message.get("tool_call_id"), str):
        parts.insert(0, f"[{message['tool_call_id']}]")
    return "\n".join(parts)
