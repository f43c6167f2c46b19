"""Exact, offline token counting: tiktoken with the encoding files shipped in this package."""

from __future__ import annotations

import os
import threading
from functools import cache
from pathlib import Path

import tiktoken

DATA_DIR = Path(__file__).parent / "data"
ENCODINGS: tuple[str, ...] = ("o200k_base", "cl100k_base")
DEFAULT_ENCODING = "o200k_base"

# Model family prefixes -> encoding. Fine-tuned ids ("ft:gpt-4o-mini-...:org::id") and Azure ids
# ("gpt-4.1-mini-2025-04-14.ft-abc") resolve through their base-model prefix.
_PREFIX_ENCODING: tuple[tuple[str, str], ...] = (
    ("gpt-4o", "o200k_base"),
    ("gpt-4.1", "o200k_base"),
    ("gpt-4.5", "o200k_base"),
    ("gpt-5", "o200k_base"),
    ("gpt-oss", "o200k_base"),
    ("o1", "o200k_base"),
    ("o3", "o200k_base"),
    ("o4", "o200k_base"),
    ("gpt-4", "cl100k_base"),
    ("gpt-35", "cl100k_base"),
    ("gpt-3.5", "cl100k_base"),
    ("davinci-002", "cl100k_base"),
    ("babbage-002", "cl100k_base"),
)

_ENV_LOCK = threading.Lock()


def encoding_name_for_model(model: str) -> str:
    """The encoding a model family uses; unknown models get o200k_base, today's default."""
    name = model.strip().lower()
    if name.startswith("ft:"):
        name = name[3:]
    for prefix, encoding in _PREFIX_ENCODING:
        if name.startswith(prefix):
            return encoding
    return DEFAULT_ENCODING


@cache
def get_encoding(name: str) -> tiktoken.Encoding:
    """Load an encoding from the shipped files; tiktoken checks their SHA-256 before use."""
    if name not in ENCODINGS:
        raise ValueError(f"unknown encoding {name!r}; known: {', '.join(ENCODINGS)}")
    # tiktoken looks for its download in TIKTOKEN_CACHE_DIR under the SHA-1 of the URL; the shipped
    # files are named that way, so this is a verified cache hit and never a download.
    with _ENV_LOCK:
        previous = os.environ.get("TIKTOKEN_CACHE_DIR")
        os.environ["TIKTOKEN_CACHE_DIR"] = str(DATA_DIR)
        try:
            return tiktoken.get_encoding(name)
        finally:
            if previous is None:
                os.environ.pop("TIKTOKEN_CACHE_DIR", None)
            else:
                os.environ["TIKTOKEN_CACHE_DIR"] = previous


def encoding_for_model(model: str) -> tiktoken.Encoding:
    return get_encoding(encoding_name_for_model(model))


def count_tokens(text: str, encoding: str = DEFAULT_ENCODING) -> int:
    """Tokens in plain text; special-token strings in user data count as ordinary text."""
    return len(get_encoding(encoding).encode_ordinary(text))
