"""Shared builders for the dataset-check tests: chats, JSONL files, a zoo of hostile messages, report snapshots."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from finetune_guide import datasets
from finetune_guide.datasets import rules
from finetune_guide.datasets.rules.base import CHAT_ROLES, RFT_ROLES

SYSTEM = {"role": "system", "content": "You are a helpful assistant."}
USER = {"role": "user", "content": "What is the capital of France?"}
ASSISTANT = {"role": "assistant", "content": "Paris."}
MODEL = datasets.DEFAULT_MODEL


def chat(*messages: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"messages": list(messages), **extra}


def jsonl(*examples: object) -> bytes:
    return b"".join(json.dumps(example, ensure_ascii=False).encode() + b"\n" for example in examples)


def varied(example: dict[str, Any], count: int = 12) -> bytes:
    """`count` copies of an example that differ in one user message, so none is a duplicate."""
    lines = []
    for n in range(count):
        copy = json.loads(json.dumps(example))
        messages = copy["messages"] if "messages" in copy else copy["input"]["messages"]
        messages.insert(
            len(messages) - 1 if messages[-1]["role"] == "user" else 0,
            {"role": "user", "content": f"Case {n}."},
        )
        lines.append(copy)
    return jsonl(*lines)


def valid_file(count: int = 12) -> bytes:
    return jsonl(*[chat(SYSTEM, {"role": "user", "content": f"Question {n}?"}, ASSISTANT) for n in range(count)])


def check(data: bytes, **options: Any) -> datasets.DatasetReport:
    return datasets.analyze(data, model=options.pop("model", MODEL), **options)


def codes(report: datasets.DatasetReport) -> set[str]:
    return set(report.counts)


def line_codes(data: bytes, **options: Any) -> set[str]:
    """Codes found on lines (file-level findings such as too_few_examples left out)."""
    return {issue.code for issue in check(data, **options).issues if issue.line}


# --- a zoo of messages, one per branch of the message rules, to pin the report's order of findings

_CALL = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
MESSAGE_ZOO: tuple[object, ...] = (
    SYSTEM,
    USER,
    ASSISTANT,
    {"role": "developer", "content": "Be brief."},
    "not a message",
    7,
    None,
    {"role": "user", "content": "hi", "extra": 1, "other": 2},
    {"content": "no role"},
    {},
    {"role": "bot", "content": "x"},
    {"role": 5, "content": "x"},
    {"role": "system", "content": "x", "weight": 1},
    {"role": "user"},
    {"role": "user", "content": ""},
    {"role": "user", "content": None},
    {"role": "user", "content": []},
    {"role": "user", "content": 3},
    {"role": "user", "content": {"a": 1}},
    {"role": "user", "content": "  padded "},
    {"role": "user", "content": "   "},
    {"role": "assistant", "content": "   "},
    {"role": "assistant", "content": " padded"},
    {"role": "assistant"},
    {"role": "assistant", "content": ""},
    {"role": "assistant", "content": None, "tool_calls": [_CALL]},
    {"role": "assistant", "tool_calls": [_CALL]},
    {"role": "assistant", "content": [], "tool_calls": [_CALL]},
    {"role": "assistant", "content": "x", "name": 3},
    {"role": "user", "content": "x", "name": "bob"},
    {"role": "assistant", "content": "x", "weight": 0},
    {"role": "assistant", "content": "x", "weight": 1},
    {"role": "assistant", "content": "x", "weight": 2},
    {"role": "assistant", "content": "x", "weight": True},
    {"role": "assistant", "content": "x", "weight": 1.0},
    {"role": "user", "content": "x", "weight": 1},
    {"role": "user", "content": "x", "tool_calls": [_CALL]},
    {"role": "assistant", "tool_calls": []},
    {"role": "assistant", "tool_calls": {}},
    {"role": "assistant", "tool_calls": ["x", {"function": 1}, {"type": "web", "function": {}}]},
    {"role": "assistant", "tool_calls": [{"function": {"arguments": "{"}}]},
    {"role": "assistant", "tool_calls": [{"id": "", "function": {"name": "", "arguments": 3}}]},
    {"role": "assistant", "tool_calls": [{"id": "c2", "function": {"name": "g", "arguments": "[1]"}}]},
    {"role": "tool", "tool_call_id": "c1", "content": "42"},
    {"role": "tool", "tool_call_id": "zz", "content": "42"},
    {"role": "tool", "content": "42"},
    {"role": "tool", "tool_call_id": 5},
    {"role": "assistant", "function_call": {"name": "f", "arguments": "{}"}},
    {"role": "assistant", "function_call": {"name": "", "arguments": "{}"}},
    {"role": "assistant", "function_call": "f"},
    {"role": "user", "content": "x", "function_call": {"name": "f", "arguments": "{}"}},
    {"role": "function", "name": "f", "content": "1"},
    {"role": "function", "content": "1"},
    {"role": "function", "name": 5, "weight": 1, "tool_calls": [], "function_call": 1},
    {
        "role": "user",
        "content": [{"type": "text", "text": "see"}, {"type": "image_url", "image_url": {"url": "https://x/a.png"}}],
    },
    {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x/a.png", "detail": "low"}}]},
    {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "ftp://x", "detail": "huge"}}]},
    {"role": "user", "content": [{"type": "image_url", "image_url": "https://x"}, {"type": "image_url"}]},
    {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}}] * 11},
    {"role": "assistant", "content": [{"type": "image_url", "image_url": {"url": "https://x/a.png"}}]},
    {"role": "user", "content": ["x", 1, {"type": "audio"}, {"type": "text"}, {"type": "text", "text": 3}]},
    {"role": "assistant", "content": [{"type": "text", "text": " answer "}]},
    {"role": "user", "content": "x" * 17_000},
    {"role": "user", "content": "é" * 20_000},
)


def zoo_files() -> Iterator[tuple[str, bytes]]:
    """Named JSONL files built from the zoo: each message alone and between a user and an assistant, then all."""
    lines: list[object] = []
    for index, message in enumerate(MESSAGE_ZOO):
        lines.append({"messages": [message]})
        lines.append({"messages": [SYSTEM, USER, message, ASSISTANT]})
        lines.append({"messages": [USER, message]})
        lines.append(
            {"input": {"messages": [USER, message]}, "preferred_output": [ASSISTANT], "non_preferred_output": [message]}
        )
        lines.append(
            {"messages": [USER, ASSISTANT, message], "tools": [{"type": "function", "function": {"name": "g"}}]}
        )
        yield f"zoo/{index}", jsonl(*lines[-5:])
    yield "zoo/all", jsonl(*lines)
    yield "zoo/one-conversation", jsonl({"messages": list(MESSAGE_ZOO)}, {"messages": list(MESSAGE_ZOO)[::-1]})
    odd_examples: list[object] = [
        [],
        "text",
        {"prompt": "p", "completion": " c"},
        {"prompt": 1, "completion": "  "},
        {"completion": "c"},
        {"input": {}, "preferred_output": [], "non_preferred_output": 1},
        {
            "input": {"messages": [USER, ASSISTANT]},
            "preferred_output": [ASSISTANT],
            "non_preferred_output": [ASSISTANT],
        },
        {"input": {"messages": [USER]}, "preferred_output": [USER, ASSISTANT], "non_preferred_output": ["x"]},
        {"preferred_output": [ASSISTANT]},
        {"messages": []},
        {"messages": "hi"},
        {"messages": [USER, ASSISTANT], "tools": "x", "functions": [{"name": ""}]},
        {"messages": [USER, ASSISTANT], "tools": [{"type": "function"}], "functions": {"a": 1}},
        {"messages": [USER, ASSISTANT], "functions": [{"name": "f"}, {"name": "g"}]},
        {"messages": [{"role": "system", "content": "A"}, USER, ASSISTANT]},
        {"messages": [{"role": "system", "content": "B"}, USER, ASSISTANT]},
        {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7},
    ]
    yield "zoo/examples", jsonl(*odd_examples)


def report_snapshot(report: datasets.DatasetReport) -> dict[str, Any]:
    """Everything a report says, as plain JSON values, with each issue's text in both languages."""
    stats = report.stats
    measures = report.measures
    return {
        "format": report.format,
        "model": report.model,
        "method": report.method,
        "encoding": report.encoding,
        "examples": report.examples,
        "lines": report.lines,
        "ok": report.ok,
        "usable": report.usable,
        "counts": dict(report.counts),
        "issues": [
            [
                issue.line,
                issue.code,
                issue.severity,
                issue.message,
                issue.hint,
                issue.text_id,
                [list(pair) for pair in issue.params],
                list(datasets.issue_text(issue.text_id, dict(issue.params), "pl")),
            ]
            for issue in report.issues
        ],
        "stats": None
        if stats is None
        else {
            name: (
                [value.total, value.min, value.max, value.mean, value.p10, value.p50, value.p90]
                if isinstance(value, datasets.Distribution)
                else value
            )
            for name in (
                "examples",
                "messages_per_example",
                "tokens",
                "assistant_tokens",
                "max_tokens_per_example",
                "too_long_examples",
                "billing_tokens_per_epoch",
                "default_epochs",
                "billed_training_tokens",
            )
            for value in [getattr(stats, name)]
        },
        "measures": None
        if measures is None
        else [list(measures.lines), list(measures.messages), list(measures.tokens), list(measures.assistant_tokens)],
    }


def message_findings(
    message: dict[str, Any], *, method: str = "supervised", call_ids: tuple[str, ...] = ()
) -> list[str]:
    """The text ids the message rules report for one message (the message number 1 of line 1)."""
    found: list[str] = []
    facts = rules.Facts(call_ids=set(call_ids))
    roles = RFT_ROLES if method == "reinforcement" else CHAT_ROLES

    def add(line: int, text_id: str, **params: str | int) -> None:
        found.append(text_id)

    rules.check_message(rules.read_message(1, 1, message, roles=roles, method=method, facts=facts, add=add))
    return found
