"""Guessing which table columns hold the user's messages and the assistant's replies, in English or Polish."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

USER_NAMES: Final = ("user", "question", "prompt", "input", "pytanie", "pytania", "wejście", "zapytanie")
ASSISTANT_NAMES: Final = (
    "assistant",
    "answer",
    "response",
    "completion",
    "output",
    "odpowiedź",
    "odpowiedz",
    "odpowiedzi",
)


def guess_column(columns: Sequence[str], names: Sequence[str], fallback: int) -> int:
    """The index of the first column named like one of `names` (any case, spaces trimmed), else `fallback`
    (or the last column when there are fewer)."""
    for index, column in enumerate(columns):
        if column.strip().lower() in names:
            return index
    return min(fallback, len(columns) - 1)


def guess_user_column(columns: Sequence[str]) -> int:
    """The user's column: a known name, else the first column."""
    return guess_column(columns, USER_NAMES, 0)


def guess_assistant_column(columns: Sequence[str]) -> int:
    """The assistant's column: a known name, else the second column (or the only one)."""
    return guess_column(columns, ASSISTANT_NAMES, 1)
