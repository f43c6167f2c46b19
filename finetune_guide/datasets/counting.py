"""Token counting for the check: the formula below, and a counter that batches texts on worker threads.

Token formula (the cookbook's estimate, corrected; the data lesson states the same):
  * every message costs 3 tokens, plus the tokens of every string value in it (role, content, name,
    tool_call_id, ...), plus 1 more when it has a "name"; "weight" is not counted;
  * a structured value (tool_calls, function_call) costs the tokens of its compact JSON (separators "," and
    ":", non-ASCII kept); content given as a list of parts costs the text of its text parts, and each image
    an estimate (85 tokens at detail "low", otherwise 765: a 1024 x 1024 picture; the real count depends on
    the picture's size);
  * top-level "tools" / "functions" cost the tokens of their compact JSON, once per example;
  * every example costs 3 more tokens (the reply's priming).
For DPO the input messages and the preferred output are counted (the non-preferred output is not); for
prompt/completion examples, the tokens of the two strings. "Assistant tokens" are what the model learns to
write: the content and tool calls of assistant messages with weight 1 (the preferred output for DPO, the
completion for legacy examples).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Final

import numpy as np
import tiktoken

from finetune_guide.datasets.parsing import compact_json
from finetune_guide.tokens import get_encoding

TOKENS_PER_MESSAGE: Final = 3
TOKENS_PER_NAME: Final = 1
TOKENS_PER_EXAMPLE: Final = 3
IMAGE_TOKENS_LOW: Final = 85
IMAGE_TOKENS_DEFAULT: Final = 765

_EOT: Final = "<|endoftext|>"
# Strings longer than this are counted in pieces, cut where tiktoken itself would cut (before a space that
# follows a non-space character), so the sum is exact; one enormous piece is slow and can crash tiktoken.
PIECE_CHARS: Final = 16_000
# Repeated strings (roles, system prompts) are counted once; the cache holds at most this many characters.
_CACHE_CHARS: Final = 4_000_000
_WORKERS: Final = max(1, min(2, os.cpu_count() or 1))
# One tiktoken call encodes at most this many characters, so its token buffer stays small.
_CALL_CHARS: Final = 1_000_000


def split_pieces(text: str) -> tuple[list[str], bool]:
    """Split a long text into exact-boundary pieces; the flag says some cut was not at a boundary."""
    pieces: list[str] = []
    approximate = False
    start = 0
    length = len(text)
    while length - start > PIECE_CHARS:
        limit = start + PIECE_CHARS
        cut = text.rfind(" ", start + PIECE_CHARS // 2, limit)
        while cut > start and text[cut - 1].isspace():
            cut = text.rfind(" ", start + PIECE_CHARS // 2, cut)
        if cut <= start:
            cut, approximate = limit, True
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces, approximate


def count_one(encoding: tiktoken.Encoding, text: str) -> int:
    """Tokens of one piece, whatever it holds (special-token text, lone surrogates, pathological runs)."""
    try:
        return len(encoding.encode_ordinary(text))
    except UnicodeEncodeError:
        cleaned = text.encode("utf-8", "replace").decode("utf-8")
        return count_one(encoding, cleaned)
    except BaseException as exc:  # tiktoken raises a Rust panic (a BaseException) on some inputs
        if isinstance(exc, (KeyboardInterrupt, SystemExit, MemoryError)):
            raise
        return max(1, len(text.encode("utf-8", "replace")) // 4)


def count_batch(encoding: tiktoken.Encoding, texts: list[str]) -> list[int]:
    """Tokens of each text, from one tiktoken call over the texts joined by <|endoftext|>.

    The special token splits the text before tiktoken's pre-tokenizer runs, so each text is encoded on its
    own exactly as encode_ordinary would; the call releases the GIL, so batches run in parallel threads.
    """
    eot_id = encoding.eot_token
    try:
        ids = encoding.encode_to_numpy(_EOT.join(texts), allowed_special={_EOT}, disallowed_special=())
        ends = np.flatnonzero(ids == eot_id)
        if len(ends) == len(texts) - 1:
            bounds = np.concatenate(([-1], ends, [len(ids)]))
            return [int(n) for n in (np.diff(bounds) - 1)]
    except BaseException as exc:  # a lone surrogate or a Rust panic in one text: count them one by one
        if isinstance(exc, (KeyboardInterrupt, SystemExit, MemoryError)):
            raise
    return [count_one(encoding, text) for text in texts]


class TokenCounter:
    """Counts many strings: repeats once, the rest in batches on worker threads while parsing goes on."""

    def __init__(self, encoding: tiktoken.Encoding, workers: int = _WORKERS) -> None:
        self.encoding = encoding
        self.cache: dict[str, int] = {}
        self.cache_chars = 0
        self.pool = ThreadPoolExecutor(workers) if workers > 1 else None
        self.workers = workers

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, texts: list[str]) -> list[Future[list[int]]] | list[int]:
        """Start counting: one call per worker, and no call over _CALL_CHARS (that bounds tiktoken's memory)."""
        if not texts:
            return []
        share = max(1, math.ceil(len(texts) / self.workers))
        groups: list[list[str]] = [[]]
        chars = 0
        for text in texts:
            if groups[-1] and (len(groups[-1]) >= share or chars + len(text) > _CALL_CHARS):
                groups.append([])
                chars = 0
            groups[-1].append(text)
            chars += len(text)
        if self.pool is None:
            return [count for group in groups for count in count_batch(self.encoding, group)]
        return [self.pool.submit(count_batch, self.encoding, group) for group in groups]

    @staticmethod
    def results(handle: list[Future[list[int]]] | list[int]) -> list[int]:
        counts: list[int] = []
        for item in handle:
            if isinstance(item, Future):
                counts.extend(item.result())
            else:
                counts.append(item)
        return counts

    def remember(self, texts: list[str], counts: list[int]) -> None:
        for text, count in zip(texts, counts, strict=True):
            if len(text) > PIECE_CHARS:
                continue
            if self.cache_chars > _CACHE_CHARS:
                self.cache.clear()
                self.cache_chars = 0
            self.cache[text] = count
            self.cache_chars += len(text)


def message_tokens(message: object, encoding: str = "o200k_base") -> int:
    """Tokens one message costs by the formula in this module's docstring."""
    if not isinstance(message, dict):
        return 0
    fixed, texts, _ = message_texts(message)
    return fixed + sum(count_text(text, encoding) for text in texts)


def count_text(text: str, encoding: str) -> int:
    enc = get_encoding(encoding)
    if len(text) <= PIECE_CHARS:
        return count_one(enc, text)
    return sum(count_one(enc, piece) for piece in split_pieces(text)[0])


def message_texts(message: Mapping[str, Any]) -> tuple[int, list[str], list[str]]:
    """(fixed tokens, texts to count, assistant texts to count) for one message: the formula, plainly."""
    fixed = TOKENS_PER_MESSAGE
    texts: list[str] = []
    learned: list[str] = []
    trained = message.get("role") == "assistant" and message.get("weight", 1) != 0
    for key, value in message.items():
        if key == "weight":
            continue
        if key == "name":
            fixed += TOKENS_PER_NAME
        if isinstance(value, str):
            texts.append(value)
            if trained and key == "content":
                learned.append(value)
        elif key == "content" and isinstance(value, list):
            for part in value:
                if not isinstance(part, dict):
                    continue
                if part.get("type") == "image_url":
                    image = part.get("image_url")
                    detail = image.get("detail") if isinstance(image, dict) else None
                    fixed += IMAGE_TOKENS_LOW if detail == "low" else IMAGE_TOKENS_DEFAULT
                elif isinstance(part.get("text"), str):
                    texts.append(part["text"])
                    if trained:
                        learned.append(part["text"])
        elif isinstance(value, (dict, list)):
            encoded = compact_json(value)
            texts.append(encoded)
            if trained and key in ("tool_calls", "function_call"):
                learned.append(encoded)
    return fixed, texts, learned


def example_texts(example: Mapping[str, Any]) -> tuple[int, list[str], list[str], int]:
    """(fixed tokens, texts, assistant texts, messages) of an example by the formula; other shapes cost 0."""
    fixed = TOKENS_PER_EXAMPLE
    texts: list[str] = []
    learned: list[str] = []
    messages: list[Any] = []
    outputs: list[Any] = []
    extras: list[Any] = []
    if isinstance(example.get("messages"), list):
        messages = example["messages"]
        extras = [example.get("tools"), example.get("functions")]
    elif isinstance(example.get("input"), dict):
        source = example["input"]
        messages = source["messages"] if isinstance(source.get("messages"), list) else []
        preferred = example.get("preferred_output")
        outputs = preferred if isinstance(preferred, list) else []
        extras = [source.get("tools"), source.get("functions")]
    elif isinstance(example.get("prompt"), str) or isinstance(example.get("completion"), str):
        prompt, completion = example.get("prompt"), example.get("completion")
        texts = [x for x in (prompt, completion) if isinstance(x, str)]
        learned = [completion] if isinstance(completion, str) else []
        return 0, texts, learned, 2
    for extra in extras:
        if isinstance(extra, (list, dict)):
            texts.append(compact_json(extra))
    for message in messages:
        if isinstance(message, dict):
            more, found, _ = message_texts(message)
            fixed += more
            texts.extend(found)
    for message in outputs:
        if isinstance(message, dict):
            more, found, trained = message_texts(message)
            fixed += more
            texts.extend(found)
            learned.extend(trained)
    if not outputs:
        for message in messages:
            if isinstance(message, dict):
                learned.extend(message_texts(message)[2])
    return fixed, texts, learned, len(messages) + len(outputs)


def example_tokens(example: Mapping[str, Any], encoding: str = "o200k_base") -> tuple[int, int]:
    """(tokens, assistant tokens) of one example by the formula, counted one string at a time."""
    fixed, texts, learned, _ = example_texts(example)
    total = fixed + sum(count_text(text, encoding) for text in texts)
    return total, sum(count_text(text, encoding) for text in learned)
