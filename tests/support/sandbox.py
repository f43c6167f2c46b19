"""Shared builders for the sandbox's tests: a clock that moves only when told, and small training files."""

from __future__ import annotations

import json

START = 1_800_000_000.0  # an arbitrary instant in 2027, so a test never depends on today's date


class FakeClock:
    """A clock for SandboxService(clock=…): it reads START until a test advances it."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def chat_jsonl(count: int = 10, *, topic: str = "capital") -> bytes:
    """`count` chats of Marv, a sarcastic factual bot, one per line and newline-terminated."""
    lines = [
        json.dumps(
            {
                "messages": [
                    {"role": "system", "content": "Marv is a factual chatbot that is also sarcastic."},
                    {"role": "user", "content": f"What is the {topic} of country number {i}?"},
                    {"role": "assistant", "content": f"Country {i} has {topic} {i}. Shocking, I know."},
                ]
            }
        )
        for i in range(count)
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def plain_chat_jsonl(count: int = 10) -> bytes:
    """`count` two-turn chats with no system message and no final newline: "Country 3 has capital 3."."""
    lines = [
        json.dumps(
            {
                "messages": [
                    {"role": "user", "content": f"What is the capital of country number {i}?"},
                    {"role": "assistant", "content": f"Country {i} has capital {i}."},
                ]
            }
        )
        for i in range(count)
    ]
    return "\n".join(lines).encode("utf-8")


def dpo_jsonl(count: int = 10) -> bytes:
    """`count` preference pairs for DPO: "Hello {i}!" preferred over "whatever"."""
    lines = [
        json.dumps(
            {
                "input": {"messages": [{"role": "user", "content": f"Say hello number {i}"}]},
                "preferred_output": [{"role": "assistant", "content": f"Hello {i}!"}],
                "non_preferred_output": [{"role": "assistant", "content": "whatever"}],
            }
        )
        for i in range(count)
    ]
    return "\n".join(lines).encode("utf-8")
