"""Held-out cases read from a chat, DPO or prompt/completion file, and the text the metrics compare."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from finetune_guide.sandbox.replies import content_text

SkipReason = Literal["not_an_object", "no_reference", "unknown_format"]

# Keys a chat message may carry in a request; dataset-only keys (such as `weight`) are dropped before sending.
_MESSAGE_KEYS = ("role", "content", "name", "tool_calls", "tool_call_id", "function_call")


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A function the model (or the reference) called, with its arguments as the JSON text it sent."""

    name: str
    arguments: str = "{}"


@dataclass(frozen=True, slots=True)
class EvalCase:
    """One held-out example: the conversation up to the answer, and the answer it should produce."""

    line: int
    messages: tuple[Mapping[str, Any], ...]
    reference: str
    reference_tool_calls: tuple[ToolCall, ...] = ()
    tools: tuple[Mapping[str, Any], ...] = ()

    @property
    def question(self) -> str:
        """The last user turn, which is what a reader of the results table wants to see."""
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return content_text(message.get("content"))
        return ""

    @property
    def reference_text(self) -> str:
        """What the metrics compare against: the reply text, or the tool calls written out."""
        return comparable_text(self.reference, self.reference_tool_calls)


@dataclass(frozen=True, slots=True)
class SkippedLine:
    line: int
    reason: SkipReason


@dataclass(frozen=True, slots=True)
class CaseSet:
    cases: tuple[EvalCase, ...]
    skipped: tuple[SkippedLine, ...]


def eval_cases(records: Iterable[tuple[int, object]]) -> CaseSet:
    """Cases from (line, parsed JSON) pairs of a chat, DPO or prompt/completion file.

    The last assistant message is the reference and everything before it is the prompt; a DPO example
    is scored against its preferred output; lines without an answer to compare against are skipped.
    """
    cases: list[EvalCase] = []
    skipped: list[SkippedLine] = []
    for line, record in records:
        if not isinstance(record, Mapping):
            skipped.append(SkippedLine(line, "not_an_object"))
            continue
        case = _case(line, record)
        if isinstance(case, EvalCase):
            cases.append(case)
        else:
            skipped.append(SkippedLine(line, case))
    return CaseSet(tuple(cases), tuple(skipped))


def _case(line: int, record: Mapping[str, Any]) -> EvalCase | SkipReason:
    if isinstance(record.get("prompt"), str) and isinstance(record.get("completion"), str):
        prompt: tuple[Mapping[str, Any], ...] = ({"role": "user", "content": record["prompt"]},)
        return EvalCase(line, prompt, record["completion"].strip())
    tools = _tools(record.get("tools"))
    if isinstance(record.get("input"), Mapping):
        source = record["input"]
        preferred = record.get("preferred_output")
        messages = source.get("messages")
        if not isinstance(messages, list) or not isinstance(preferred, list):
            return "unknown_format"
        answer = _last_assistant(preferred)
        if answer is None:
            return "no_reference"
        return _built(line, messages, answer[1], _tools(source.get("tools")) or tools)
    messages = record.get("messages")
    if not isinstance(messages, list):
        return "unknown_format"
    last = _last_assistant(messages)
    if last is None:
        return "no_reference"
    return _built(line, messages[: last[0]], last[1], tools)


def _built(
    line: int, prompt: Sequence[Any], answer: Mapping[str, Any], tools: tuple[Mapping[str, Any], ...]
) -> EvalCase | SkipReason:
    messages = tuple(_request_message(m) for m in prompt if isinstance(m, Mapping))
    if not messages:
        return "no_reference"
    calls = tool_calls_of(answer)
    text = content_text(answer.get("content")).strip()
    if not text and not calls:
        return "no_reference"
    return EvalCase(line, messages, text, calls, tools)


def _last_assistant(messages: Sequence[Any]) -> tuple[int, Mapping[str, Any]] | None:
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if isinstance(message, Mapping) and message.get("role") == "assistant":
            return index, message
    return None


def _request_message(message: Mapping[str, Any]) -> dict[str, Any]:
    return {key: message[key] for key in _MESSAGE_KEYS if key in message}


def _tools(value: object) -> tuple[Mapping[str, Any], ...]:
    if not isinstance(value, list):
        return ()
    return tuple(tool for tool in value if isinstance(tool, Mapping))


def tool_calls_of(message: Mapping[str, Any]) -> tuple[ToolCall, ...]:
    """The tool calls of a message as a dataset writes them (also the legacy `function_call`)."""
    calls: list[ToolCall] = []
    raw_calls = message.get("tool_calls")
    if isinstance(raw_calls, list):
        for raw in raw_calls:
            function = raw.get("function") if isinstance(raw, Mapping) else None
            if isinstance(function, Mapping) and isinstance(function.get("name"), str):
                calls.append(ToolCall(function["name"], arguments_text(function.get("arguments"))))
    legacy = message.get("function_call")
    if isinstance(legacy, Mapping) and isinstance(legacy.get("name"), str):
        calls.append(ToolCall(legacy["name"], arguments_text(legacy.get("arguments"))))
    return tuple(calls)


def arguments_text(arguments: object) -> str:
    if isinstance(arguments, str):
        return arguments
    if arguments is None:
        return "{}"
    return json.dumps(arguments, ensure_ascii=False)


def comparable_text(text: str, calls: Sequence[ToolCall]) -> str:
    """The text the metrics see: the reply, followed by each tool call as `name {canonical arguments}`."""
    written = [f"{call.name} {_canonical_json(call.arguments)}" for call in calls]
    return "\n".join(part for part in (text, *written) if part)


def _canonical_json(text: str) -> str:
    try:
        return json.dumps(json.loads(text), sort_keys=True, ensure_ascii=False)
    except ValueError:
        return text
