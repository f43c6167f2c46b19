"""What the Token lab shows: text split into tokens with their ids, and a chat's tokens with its overhead."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from finetune_guide import datasets
from finetune_guide.tokens import ENCODINGS, get_encoding

# The cookbook's chat estimate: every message costs 3 tokens of framing (plus 1 when it has a name),
# and every reply is primed with 3 more.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING_TOKENS = 3

# The lab colours at most this many tokens; counting has no limit.
MAX_PIECES = 5_000
MAX_TEXT_CHARS = 2_000_000


@dataclass(frozen=True, slots=True)
class TokenPiece:
    id: int
    text: str


@dataclass(frozen=True, slots=True)
class TokenSplit:
    """A text's tokens in order (the first MAX_PIECES of them) and how many there are in all."""

    encoding: str
    pieces: tuple[TokenPiece, ...]
    tokens: int

    @property
    def truncated(self) -> bool:
        return len(self.pieces) < self.tokens


def split_tokens(text: str, encoding: str, limit: int = MAX_PIECES) -> TokenSplit:
    """Tokens with their ids; a token that holds part of a multi-byte character shows as U+FFFD."""
    enc = get_encoding(encoding)
    ids = enc.encode_ordinary(text)
    pieces = tuple(
        TokenPiece(token, enc.decode_single_token_bytes(token).decode("utf-8", errors="replace"))
        for token in ids[:limit]
    )
    return TokenSplit(encoding, pieces, len(ids))


def count_per_encoding(text: str) -> dict[str, int]:
    """The same text counted by every shipped encoding, for a side-by-side view."""
    return {name: len(get_encoding(name).encode_ordinary(text)) for name in ENCODINGS}


# --- chats


ChatProblem = Literal["invalid_json", "not_a_chat", "empty_chat", "bad_message", "too_long"]


@dataclass(frozen=True, slots=True)
class ChatParse:
    """Messages from pasted JSON, or the problem that stopped it (with the message index or JSON position)."""

    messages: tuple[Mapping[str, Any], ...] = ()
    problem: ChatProblem | None = None
    where: int = 0
    detail: str = ""


def parse_chat(text: str) -> ChatParse:
    """Accept {"messages": [...]}, a bare list of messages, or the first line of a JSONL file."""
    if len(text) > MAX_TEXT_CHARS:
        return ChatParse(problem="too_long", detail=str(MAX_TEXT_CHARS))
    stripped = text.strip()
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError as error:
        # A whole JSONL file pasted: read its first example.
        first = stripped.splitlines()[0] if stripped else ""
        try:
            data = json.loads(first) if first and first != stripped else None
        except json.JSONDecodeError:
            data = None
        if data is None:
            return ChatParse(problem="invalid_json", where=error.lineno, detail=error.msg)
    if isinstance(data, Mapping):
        data = data.get("messages")
    if not isinstance(data, list):
        return ChatParse(problem="not_a_chat")
    if not data:
        return ChatParse(problem="empty_chat")
    for index, message in enumerate(data, start=1):
        if not isinstance(message, Mapping) or not isinstance(message.get("role"), str):
            return ChatParse(problem="bad_message", where=index)
    return ChatParse(messages=tuple(data))


@dataclass(frozen=True, slots=True)
class MessageTokens:
    role: str
    content_tokens: int
    overhead_tokens: int

    @property
    def tokens(self) -> int:
        return self.content_tokens + self.overhead_tokens


@dataclass(frozen=True, slots=True)
class ChatTokens:
    encoding: str
    messages: tuple[MessageTokens, ...]
    reply_priming_tokens: int

    @property
    def content_tokens(self) -> int:
        return sum(m.content_tokens for m in self.messages)

    @property
    def overhead_tokens(self) -> int:
        return sum(m.overhead_tokens for m in self.messages) + self.reply_priming_tokens

    @property
    def tokens(self) -> int:
        return self.content_tokens + self.overhead_tokens


def _content_text(value: Any) -> str:
    """A message's content as shown text: a string as it is, the text parts of a list of parts joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(p["text"] for p in value if isinstance(p, Mapping) and isinstance(p.get("text"), str))
    return ""


def contents_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """The messages' contents, one per line, to show how the model splits them."""
    return "\n".join(_content_text(m.get("content")) for m in messages)


def chat_tokens(messages: Sequence[Mapping[str, Any]], encoding: str) -> ChatTokens:
    """The data check's formula (datasets.message_tokens): framing per message, values, the reply's priming.

    Framing is 3 tokens per message plus 1 for a name; everything else a message costs (role and content
    text, tool calls as JSON, image estimates) is shown as its content.
    """
    rows = []
    for message in messages:
        total = datasets.message_tokens(dict(message), encoding)
        overhead = TOKENS_PER_MESSAGE + (TOKENS_PER_NAME if "name" in message else 0)
        rows.append(MessageTokens(str(message.get("role", "")), total - overhead, overhead))
    return ChatTokens(encoding, tuple(rows), REPLY_PRIMING_TOKENS)
