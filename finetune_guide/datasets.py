"""Fine-tuning data checks: read JSONL line by line, validate it for a model and method, and measure it.

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

import hashlib
import json
import math
import os
import tomllib
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import tiktoken

from finetune_guide import catalog
from finetune_guide.content import CONTENT_DIR
from finetune_guide.costs import default_epochs
from finetune_guide.tokens import encoding_name_for_model, get_encoding

_jiter: Any
try:  # jiter (a dependency of openai) parses about twice as fast as json and reports duplicate keys itself.
    import jiter as _jiter
except ImportError:  # pragma: no cover - the standard library path below gives the same results
    _jiter = None

Severity = Literal["error", "warning", "suggestion"]
METHODS: Final = ("supervised", "dpo", "reinforcement")
FORMATS: Final = (
    "chat",
    "chat_tools",
    "chat_functions",
    "chat_images",
    "dpo",
    "rft",
    "prompt_completion",
    "unknown",
    "empty",
)
DEFAULT_MODEL: Final = "gpt-4o-mini-2024-07-18"

MIN_EXAMPLES: Final = 10
RECOMMENDED_EXAMPLES: Final = 50
MAX_IMAGES_PER_EXAMPLE: Final = 10
# Lines longer than this are reported, not parsed: it bounds the memory one line can take.
MAX_LINE_BYTES: Final = 64 * 1024 * 1024
# Each code keeps this many detailed issues; the counts stay exact. It bounds memory on broken files.
MAX_ISSUES_PER_CODE: Final = 1000
# Duplicate detection remembers this many line fingerprints (SHA-1, 20 bytes each).
MAX_FINGERPRINTS: Final = 2_000_000
FILE_LEVEL_LINE: Final = 0

_TOKENS_PER_MESSAGE: Final = 3
_TOKENS_PER_NAME: Final = 1
_TOKENS_PER_EXAMPLE: Final = 3
_IMAGE_TOKENS_LOW: Final = 85
_IMAGE_TOKENS_DEFAULT: Final = 765

_CHAT_ROLES: Final = frozenset({"system", "user", "assistant", "tool", "function"})
_RFT_ROLES: Final = frozenset({"developer", "user", "assistant", "tool"})
# Roles whose message is complete with a role and a text (tool and function messages need more).
_PLAIN_ROLES: Final = frozenset({"system", "developer", "user", "assistant"})
_MESSAGE_KEYS: Final = frozenset({"role", "content", "name", "weight", "tool_calls", "function_call", "tool_call_id"})
_FORMAT_KEYS: Final = frozenset(
    {"messages", "input", "preferred_output", "non_preferred_output", "prompt", "completion"}
)
_IMAGE_DETAILS: Final = frozenset({"low", "high", "auto"})
_IMAGE_DATA_PREFIXES: Final = ("data:image/jpeg;base64,", "data:image/png;base64,", "data:image/webp;base64,")
_LEGACY_MODELS: Final = ("babbage-002", "davinci-002")


# --- public data


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding: where (1-based line; 0 = the file as a whole), what, how bad, and how to fix it."""

    line: int
    code: str
    severity: Severity
    message: str
    hint: str
    # The catalog entry the texts come from (a code may have several wordings) and its placeholder values,
    # so a page can show the same finding in another language.
    text_id: str = ""
    params: tuple[tuple[str, str | int], ...] = ()


@dataclass(frozen=True, slots=True)
class Distribution:
    total: int
    min: int
    max: int
    mean: float
    p10: float
    p50: float
    p90: float


@dataclass(frozen=True, slots=True)
class DatasetStats:
    examples: int
    messages_per_example: Distribution
    tokens: Distribution
    assistant_tokens: Distribution
    max_tokens_per_example: int
    too_long_examples: int
    billing_tokens_per_epoch: int
    default_epochs: int
    billed_training_tokens: int


@dataclass(frozen=True, slots=True)
class ExampleMeasures:
    """Per measured example, in file order: line, messages, tokens, assistant tokens (compact arrays)."""

    lines: array[int]
    messages: array[int]
    tokens: array[int]
    assistant_tokens: array[int]


@dataclass(frozen=True, slots=True)
class DatasetReport:
    format: str
    model: str
    method: str
    encoding: str
    examples: int
    issues: tuple[Issue, ...]
    stats: DatasetStats | None
    # Exact issue counts per code (the issues tuple keeps at most MAX_ISSUES_PER_CODE of each).
    counts: Mapping[str, int] = field(default_factory=dict)
    measures: ExampleMeasures | None = None
    lines: int = 0

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(issue for issue in self.issues if issue.severity == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(issue for issue in self.issues if issue.severity == "warning")

    @property
    def suggestions(self) -> tuple[Issue, ...]:
        return tuple(issue for issue in self.issues if issue.severity == "suggestion")

    @property
    def ok(self) -> bool:
        return not any(severity_of(code) == "error" for code in self.counts)

    def counts_for(self, severity: Severity) -> dict[str, int]:
        return {code: n for code, n in sorted(self.counts.items()) if severity_of(code) == severity}

    @property
    def usable(self) -> bool:
        """False when the input is not a text file of examples at all (binary, another encoding, empty)."""
        return not any(code in UNUSABLE_CODES for code in self.counts)


# --- issue catalog

# Every wording of every finding, by text id: its code and severity. The texts themselves (message and fix
# hint, with {placeholders}) live in content/i18n/<language>/studio.toml under [issues.<text id>], so the
# command line and both languages of the page read the same sentences.
_ISSUES: Final[dict[str, tuple[str, Severity]]] = {
    "not_text_binary": ("not_text", "error"),
    "not_text_zip": ("not_text", "error"),
    "wrong_encoding": ("wrong_encoding", "error"),
    "empty_file": ("empty_file", "error"),
    "too_few_examples": ("too_few_examples", "error"),
    "few_examples": ("few_examples", "suggestion"),
    "multiple_system_prompts": ("multiple_system_prompts", "warning"),
    "method_not_supported": ("method_not_supported", "warning"),
    "images_not_supported": ("images_not_supported", "warning"),
    "line_too_large": ("line_too_large", "error"),
    "invalid_utf8": ("invalid_utf8", "error"),
    "invalid_utf8_surrogate": ("invalid_utf8", "error"),
    "invalid_json": ("invalid_json", "error"),
    "invalid_json_constant": ("invalid_json", "error"),
    "invalid_json_deep": ("invalid_json", "error"),
    "invalid_json_number": ("invalid_json", "error"),
    "duplicate_key": ("duplicate_key", "error"),
    "blank_line": ("blank_line", "warning"),
    "duplicate_example": ("duplicate_example", "warning"),
    "data_type": ("data_type", "error"),
    "data_type_message": ("data_type", "error"),
    "unknown_format": ("unknown_format", "error"),
    "format_mismatch": ("format_mismatch", "error"),
    "legacy_format": ("legacy_format", "error"),
    "chat_for_legacy_model": ("legacy_format", "error"),
    "prompt_completion_invalid": ("prompt_completion_invalid", "error"),
    "missing_messages_list": ("missing_messages_list", "error"),
    "message_missing_key": ("message_missing_key", "error"),
    "message_unrecognized_key": ("message_unrecognized_key", "error"),
    "unrecognized_role": ("unrecognized_role", "error"),
    "missing_content": ("missing_content", "error"),
    "missing_content_type": ("missing_content", "error"),
    "invalid_content_part": ("invalid_content_part", "error"),
    "invalid_content_part_text": ("invalid_content_part", "error"),
    "invalid_content_part_image": ("invalid_content_part", "error"),
    "invalid_content_part_detail": ("invalid_content_part", "error"),
    "invalid_value": ("invalid_value", "error"),
    "blank_message": ("blank_message", "warning"),
    "empty_reply": ("empty_reply", "warning"),
    "whitespace": ("whitespace", "suggestion"),
    "weight_invalid": ("weight_invalid", "error"),
    "weight_invalid_role": ("weight_invalid", "error"),
    "example_missing_assistant_message": ("example_missing_assistant_message", "error"),
    "example_missing_assistant_message_weight": ("example_missing_assistant_message", "error"),
    "missing_system_message": ("missing_system_message", "warning"),
    "missing_user_message": ("missing_user_message", "warning"),
    "last_message_not_assistant": ("last_message_not_assistant", "suggestion"),
    "too_long": ("too_long", "warning"),
    "approximate_tokens": ("approximate_tokens", "suggestion"),
    "tool_calls_invalid": ("tool_calls_invalid", "error"),
    "tool_calls_invalid_role": ("tool_calls_invalid", "error"),
    "tool_call_invalid": ("tool_call_invalid", "error"),
    "tool_call_missing_id": ("tool_call_missing_id", "error"),
    "tool_call_missing_name": ("tool_call_missing_name", "error"),
    "tool_call_bad_arguments": ("tool_call_bad_arguments", "error"),
    "function_call_invalid": ("function_call_invalid", "error"),
    "tool_message_unmatched": ("tool_message_unmatched", "error"),
    "tool_message_missing_id": ("tool_message_unmatched", "error"),
    "function_message_missing_name": ("message_missing_key", "error"),
    "tools_invalid": ("tools_invalid", "error"),
    "tool_not_defined": ("tool_not_defined", "warning"),
    "too_many_images": ("too_many_images", "error"),
    "image_bad_url": ("image_bad_url", "error"),
    "image_in_assistant": ("image_in_assistant", "error"),
    "dpo_missing_input": ("dpo_missing_input", "error"),
    "dpo_missing_preferred_output": ("dpo_missing_preferred_output", "error"),
    "dpo_missing_non_preferred_output": ("dpo_missing_non_preferred_output", "error"),
    "dpo_output_not_assistant": ("dpo_output_not_assistant", "error"),
    "dpo_input_ends_with_assistant": ("dpo_input_ends_with_assistant", "error"),
    "dpo_identical_outputs": ("dpo_identical_outputs", "warning"),
    "rft_system_role": ("rft_system_role", "error"),
    "rft_last_message_not_user": ("rft_last_message_not_user", "error"),
}

UNUSABLE_CODES: Final = frozenset({"not_text", "wrong_encoding", "empty_file"})
FILE_LEVEL_CODES: Final = frozenset(
    {"not_text", "wrong_encoding", "empty_file", "too_few_examples", "few_examples", "method_not_supported"}
)
_SEVERITY_BY_CODE: Final[dict[str, Severity]] = {code: severity for code, severity in _ISSUES.values()}


def issue_ids() -> dict[str, tuple[str, Severity]]:
    """Every text id with its code and severity."""
    return dict(_ISSUES)


@cache
def issue_texts(language: str = "en") -> dict[str, tuple[str, str]]:
    """(message, hint) templates per text id in a language, from its studio.toml; empty if it is missing."""
    path = CONTENT_DIR / "i18n" / language / "studio.toml"
    try:
        with path.open("rb") as handle:
            table = tomllib.load(handle).get("issues", {})
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return {
        text_id: (entry["message"], entry["hint"])
        for text_id, entry in table.items()
        if isinstance(entry, dict) and isinstance(entry.get("message"), str) and isinstance(entry.get("hint"), str)
    }


def issue_text(text_id: str, params: Mapping[str, str | int], language: str = "en") -> tuple[str, str]:
    """A finding's message and hint in a language; the raw template if a placeholder does not fit."""
    message, hint = issue_texts(language).get(text_id) or issue_texts("en").get(text_id) or (text_id, "")
    try:
        return message.format(**params), hint.format(**params)
    except (KeyError, IndexError, ValueError):
        return message, hint


def issue_codes() -> tuple[str, ...]:
    return tuple(sorted(_SEVERITY_BY_CODE))


def severity_of(code: str) -> Severity:
    return _SEVERITY_BY_CODE.get(code, "error")


def _shown(value: object, limit: int = 60) -> str:
    """A short, single-line rendering of user data for a message."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_kind(value: object) -> str:
    """The JSON type name of a parsed value."""
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


# --- models


def max_tokens_per_example(model: str) -> int:
    """The per-example training limit; the calculator's catalog is the one source, with a fallback."""
    try:
        return catalog.max_tokens_per_example(model)
    except Exception:  # a broken catalog file must not stop a data check
        name = model.lower()
        if "3.5-turbo-0613" in name or "35-turbo-0613" in name:
            return 4_096
        return 16_385 if encoding_name_for_model(model) == "cl100k_base" else 65_536


def model_methods(model: str) -> tuple[str, ...] | None:
    """The catalog's methods for a model ("sft", "dpo", "vision", "rft", "completions"), None if unknown."""
    try:
        entry = catalog.find_model(catalog.load_catalog(), model)
    except Exception:  # without a catalog the method checks are skipped
        entry = None
    if entry is None:
        name = model.strip().lower()
        return ("completions",) if name.startswith(_LEGACY_MODELS) else None
    return tuple(entry.methods.value)


def known_models() -> tuple[str, ...]:
    """Fine-tunable snapshots the catalog lists, OpenAI first, without repeats."""
    try:
        names = catalog.load_catalog().known_models()
    except Exception:  # without a catalog the default model is still offered
        names = ()
    return tuple(dict.fromkeys((DEFAULT_MODEL, *names)))


_METHOD_CATALOG_NAMES: Final = {
    "supervised": ("sft", "completions"),
    "dpo": ("dpo",),
    "reinforcement": ("rft",),
}


# --- sample datasets


@dataclass(frozen=True, slots=True)
class Sample:
    """A sample dataset under content/datasets/<language>/, with the method and model it is meant for."""

    id: str
    file: str
    method: str
    model: str

    def path(self, language: str) -> Path:
        return SAMPLES_DIR / language / self.file

    @property
    def is_table(self) -> bool:
        return self.file.endswith((".csv", ".xlsx"))


SAMPLES_DIR: Final = CONTENT_DIR / "datasets"


@cache
def samples() -> tuple[Sample, ...]:
    """The samples listed in content/datasets/samples.toml, in order; none if the file is missing."""
    try:
        with (SAMPLES_DIR / "samples.toml").open("rb") as handle:
            listed = tomllib.load(handle).get("samples", [])
    except (OSError, tomllib.TOMLDecodeError):
        return ()
    return tuple(
        Sample(
            str(item["id"]),
            str(item["file"]),
            str(item.get("method", "supervised")),
            str(item.get("model", DEFAULT_MODEL)),
        )
        for item in listed
        if isinstance(item, dict) and "id" in item and "file" in item
    )


# --- reading lines


def _lines(data: bytes | bytearray | memoryview | Iterable[bytes]) -> Iterator[tuple[bytes | None, int]]:
    """Physical lines without their line break (LF or CRLF) and their size in bytes.

    A line over MAX_LINE_BYTES comes as None: it is skipped while reading, so memory stays bounded.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        blob = bytes(data) if not isinstance(data, bytes) else data
        start = 0
        end = len(blob)
        while start < end:
            stop = blob.find(b"\n", start)
            if stop < 0:
                stop = end
            size = stop - start
            if size > MAX_LINE_BYTES:
                yield None, size
            else:
                line = blob[start:stop]
                yield (line[:-1] if line.endswith(b"\r") else line), size
            start = stop + 1
        return
    pieces: list[bytes] = []
    held = 0
    oversize = False
    for chunk in data:
        start = 0
        while True:
            stop = chunk.find(b"\n", start)
            if stop < 0:
                rest = chunk[start:]
                if rest:
                    held += len(rest)
                    if held > MAX_LINE_BYTES:
                        oversize, pieces = True, []
                    elif not oversize:
                        pieces.append(rest)
                break
            part = chunk[start:stop]
            size = held + len(part)
            if oversize or size > MAX_LINE_BYTES:
                yield None, size
            else:
                if pieces:
                    pieces.append(part)
                line = b"".join(pieces) if pieces else part
                yield (line[:-1] if line.endswith(b"\r") else line), size
            pieces, held, oversize = [], 0, False
            start = stop + 1
    if held:
        if oversize:
            yield None, held
        else:
            line = b"".join(pieces)
            yield (line[:-1] if line.endswith(b"\r") else line), held


def iter_lines(data: bytes) -> Iterator[tuple[int, bytes | None]]:
    """(1-based line number, line) as the check reads them: no BOM, no CR/LF; None for an oversize line."""
    for number, (raw, _) in enumerate(_lines(data), 1):
        if number == 1 and raw is not None and raw.startswith(b"\xef\xbb\xbf"):
            yield number, raw[3:]
        else:
            yield number, raw


def fingerprint(line: bytes) -> bytes:
    """What makes two lines duplicates: the same bytes once surrounding whitespace is stripped."""
    return hashlib.sha1(line.strip(), usedforsecurity=False).digest()


def _sniff(head: bytes) -> tuple[str, dict[str, str | int]] | None:
    """A reason the data is not UTF-8 text at all, judged from its first bytes."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "wrong_encoding", {"encoding": "UTF-32"}
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "wrong_encoding", {"encoding": "UTF-16"}
    if head.startswith(b"PK\x03\x04"):
        return "not_text_zip", {}
    if b"\x00" in head:
        if head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4:
            return "wrong_encoding", {"encoding": "UTF-16"}
        # One stray NUL is a broken line (reported there); a file full of control bytes is not text.
        text = head.decode("utf-8", "replace")
        odd = sum(1 for ch in text if ch == "\ufffd" or (ch < " " and ch not in "\t\n\r"))
        if odd > len(text) // 20:
            return "not_text_binary", {}
    return None


# --- JSON parsing


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class _ConstantError(ValueError):
    def __init__(self, constant: str) -> None:
        super().__init__(constant)
        self.constant = constant


def _pairs_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)
    return result


def _reject_constant(name: str) -> Any:
    raise _ConstantError(name)


_STRICT_DECODER: Final = json.JSONDecoder(object_pairs_hook=_pairs_without_duplicates, parse_constant=_reject_constant)


def _has_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, list):
        return any(_has_surrogate(item) for item in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    return False


def _parse(line: bytes) -> tuple[object, tuple[str, dict[str, str | int]] | None]:
    """The line's JSON value, or the text id and params of why it cannot be read."""
    if _jiter is not None:
        try:
            return _jiter.from_json(line, allow_inf_nan=False, catch_duplicate_keys=True), None
        except ValueError:
            pass  # the standard library names the problem precisely
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, ("invalid_utf8", {"position": exc.start + 1})
    try:
        value = _STRICT_DECODER.decode(text)
    except _DuplicateKeyError as exc:
        return None, ("duplicate_key", {"key": _shown(exc.key)})
    except _ConstantError as exc:
        return None, ("invalid_json_constant", {"constant": exc.constant})
    except RecursionError:
        return None, ("invalid_json_deep", {})
    except json.JSONDecodeError as exc:
        return None, ("invalid_json", {"column": exc.colno})
    except ValueError:  # an integer over Python's digit limit
        return None, ("invalid_json_number", {})
    if _has_surrogate(value):
        return None, ("invalid_utf8_surrogate", {})
    return value, None


def parse_line(line: bytes) -> object | None:
    """One line's JSON value, or None when it is not valid JSON (same rules as the check)."""
    value, problem = _parse(line.strip())
    return None if problem else value


def compact_json(value: object) -> str:
    """The compact JSON the token formula counts for structured values."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    except (ValueError, TypeError, RecursionError):
        return ""


# --- token counting

_EOT: Final = "<|endoftext|>"
# Strings longer than this are counted in pieces, cut where tiktoken itself would cut (before a space that
# follows a non-space character), so the sum is exact; one enormous piece is slow and can crash tiktoken.
_PIECE_CHARS: Final = 16_000
# Repeated strings (roles, system prompts) are counted once; the cache holds at most this many characters.
_CACHE_CHARS: Final = 4_000_000
_WORKERS: Final = max(1, min(2, os.cpu_count() or 1))
# One tiktoken call encodes at most this many characters, so its token buffer stays small.
_CALL_CHARS: Final = 1_000_000


def _pieces(text: str) -> tuple[list[str], bool]:
    """Split a long text into exact-boundary pieces; the flag says some cut was not at a boundary."""
    pieces: list[str] = []
    approximate = False
    start = 0
    length = len(text)
    while length - start > _PIECE_CHARS:
        limit = start + _PIECE_CHARS
        cut = text.rfind(" ", start + _PIECE_CHARS // 2, limit)
        while cut > start and text[cut - 1].isspace():
            cut = text.rfind(" ", start + _PIECE_CHARS // 2, cut)
        if cut <= start:
            cut, approximate = limit, True
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces, approximate


def _count_one(encoding: tiktoken.Encoding, text: str) -> int:
    """Tokens of one piece, whatever it holds (special-token text, lone surrogates, pathological runs)."""
    try:
        return len(encoding.encode_ordinary(text))
    except UnicodeEncodeError:
        cleaned = text.encode("utf-8", "replace").decode("utf-8")
        return _count_one(encoding, cleaned)
    except BaseException as exc:  # tiktoken raises a Rust panic (a BaseException) on some inputs
        if isinstance(exc, (KeyboardInterrupt, SystemExit, MemoryError)):
            raise
        return max(1, len(text.encode("utf-8", "replace")) // 4)


def _count_batch(encoding: tiktoken.Encoding, texts: list[str]) -> list[int]:
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
    return [_count_one(encoding, text) for text in texts]


class _TokenCounter:
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
            return [count for group in groups for count in _count_batch(self.encoding, group)]
        return [self.pool.submit(_count_batch, self.encoding, group) for group in groups]

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
            if len(text) > _PIECE_CHARS:
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
    fixed, texts, _ = _message_texts(message)
    return fixed + sum(_count_text(text, encoding) for text in texts)


def _count_text(text: str, encoding: str) -> int:
    enc = get_encoding(encoding)
    if len(text) <= _PIECE_CHARS:
        return _count_one(enc, text)
    return sum(_count_one(enc, piece) for piece in _pieces(text)[0])


def _message_texts(message: Mapping[str, Any]) -> tuple[int, list[str], list[str]]:
    """(fixed tokens, texts to count, assistant texts to count) for one message: the formula, plainly."""
    fixed = _TOKENS_PER_MESSAGE
    texts: list[str] = []
    learned: list[str] = []
    trained = message.get("role") == "assistant" and message.get("weight", 1) != 0
    for key, value in message.items():
        if key == "weight":
            continue
        if key == "name":
            fixed += _TOKENS_PER_NAME
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
                    fixed += _IMAGE_TOKENS_LOW if detail == "low" else _IMAGE_TOKENS_DEFAULT
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
    fixed = _TOKENS_PER_EXAMPLE
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
            more, found, _ = _message_texts(message)
            fixed += more
            texts.extend(found)
    for message in outputs:
        if isinstance(message, dict):
            more, found, trained = _message_texts(message)
            fixed += more
            texts.extend(found)
            learned.extend(trained)
    if not outputs:
        for message in messages:
            if isinstance(message, dict):
                learned.extend(_message_texts(message)[2])
    return fixed, texts, learned, len(messages) + len(outputs)


def example_tokens(example: Mapping[str, Any], encoding: str = "o200k_base") -> tuple[int, int]:
    """(tokens, assistant tokens) of one example by the formula, counted one string at a time."""
    fixed, texts, learned, _ = example_texts(example)
    total = fixed + sum(_count_text(text, encoding) for text in texts)
    return total, sum(_count_text(text, encoding) for text in learned)


# --- validation


class _Findings:
    """Issues as they are found: exact counts per code, the first MAX_ISSUES_PER_CODE kept in detail."""

    def __init__(self, track_error_lines: bool = False) -> None:
        self.issues: list[Issue] = []
        self.counts: dict[str, int] = {}
        self.error_lines: set[int] | None = set() if track_error_lines else None

    def add(self, line: int, text_id: str, **params: str | int) -> None:
        code, severity = _ISSUES[text_id]
        seen = self.counts.get(code, 0)
        self.counts[code] = seen + 1
        if self.error_lines is not None and severity == "error" and line:
            self.error_lines.add(line)
        if seen < MAX_ISSUES_PER_CODE:
            message, hint = issue_text(text_id, params)
            self.issues.append(Issue(line, code, severity, message, hint, text_id, tuple(params.items())))


# (line, messages, fixed tokens, slots of texts, fixed assistant tokens, slots of assistant texts)
_Example = tuple[int, int, int, list[int], int, list[int]]


class _Batch:
    """Texts waiting to be counted for one group of examples, each distinct text once."""

    __slots__ = ("examples", "handle", "keep", "slot_of", "texts")

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.slot_of: dict[str, int] = {}
        self.examples: list[_Example] = []
        self.handle: list[Future[list[int]]] | list[int] = []
        # slots of texts worth remembering across batches (system prompts, tool definitions)
        self.keep: list[int] = []


class _Checker:
    """Validates examples one line at a time and queues their texts for counting."""

    def __init__(self, model: str, method: str, findings: _Findings, counter: _TokenCounter) -> None:
        self.model = model
        self.method = method
        self.findings = findings
        self.counter = counter
        self.legacy = (model_methods(model) or ()) == ("completions",)
        self.batch = _Batch()
        self.kinds: dict[str, int] = {}
        self.system_prompts: dict[int, int] = {}
        self.second_prompt_line = 0
        self.image_warned = False
        self.approximate_lines: set[int] = set()
        methods = model_methods(model)
        self.vision = methods is None or "vision" in methods
        self.role_cost = {
            role: _TOKENS_PER_MESSAGE + _count_one(counter.encoding, role) for role in _CHAT_ROLES | _RFT_ROLES
        }

    # --- queueing texts for the counter

    def _measure(self, line: int, example: Mapping[str, Any]) -> None:
        fixed, texts, learned, messages = example_texts(example)
        self._queue(line, messages, fixed, texts, learned)

    def _queue(
        self,
        line: int,
        messages: int,
        fixed: int,
        texts: list[str],
        learned: list[str],
        *,
        facts: _Facts | None = None,
    ) -> None:
        """Count what the cache knows now; queue the rest, each distinct text once per batch.

        `facts` may bring slots the message loop already queued (its short path does the same work inline).
        """
        cache = self.counter.cache
        batch = self.batch
        slot_of = batch.slot_of
        queued = batch.texts
        slots: list[int] = facts.slots if facts is not None else []
        learned_slots: list[int] = facts.learned_slots if facts is not None else []
        learned_fixed = facts.learned_fixed if facts is not None else 0
        long_counts: dict[int, int] = {}
        for group, target in ((texts, slots), (learned, learned_slots)):
            for text in group:
                known = cache.get(text)
                if known is None and len(text) > _PIECE_CHARS:
                    # Counted now rather than queued, so its pieces are freed before the next line.
                    known = long_counts.get(id(text))
                    if known is None:
                        known = long_counts[id(text)] = self._count_long(text, line)
                if known is not None:
                    if target is slots:
                        fixed += known
                    else:
                        learned_fixed += known
                    continue
                slot = slot_of.get(text)
                if slot is None:
                    slot = slot_of[text] = len(queued)
                    queued.append(text)
                target.append(slot)
        batch.examples.append((line, messages, fixed, slots, learned_fixed, learned_slots))

    # --- one line

    def check(self, line: int, example: object) -> None:
        add = self.findings.add
        if not isinstance(example, dict):
            add(line, "data_type", kind=_json_kind(example))
            self.count_kind("unknown")
            return
        if "messages" in example:
            kind = "chat"
        elif "input" in example or "preferred_output" in example or "non_preferred_output" in example:
            kind = "dpo"
        elif "prompt" in example or "completion" in example:
            kind = "prompt_completion"
        else:
            keys = ", ".join(_shown(key, 30) for key in list(example)[:6]) or "none"
            add(line, "unknown_format", keys=keys)
            self.count_kind("unknown")
            return
        method = self.method
        if kind == "prompt_completion":
            self.count_kind("prompt_completion")
            if self.legacy and method == "supervised":
                self._check_prompt_completion(line, example)
            else:
                add(line, "legacy_format", model=self.model)
            return
        if kind == "dpo":
            self.count_kind("dpo")
            if method == "dpo":
                self._check_dpo(line, example)
            else:
                add(line, "format_mismatch", found="DPO (preference)", method=method)
            return
        if method == "dpo":
            self.count_kind("chat")
            add(line, "format_mismatch", found="chat", method=method)
            return
        if self.legacy and method == "supervised":
            self.count_kind("chat")
            add(line, "chat_for_legacy_model", model=self.model)
            return
        messages = example["messages"]
        if not isinstance(messages, list) or not messages:
            self.count_kind("chat")
            add(line, "missing_messages_list")
            return
        if method == "reinforcement":
            self.count_kind("rft")
            facts = self._check_rft(line, example, messages)
        else:
            facts = self._check_chat(line, example, messages)
        fixed = _TOKENS_PER_EXAMPLE + facts.fixed
        texts = facts.texts
        for key in ("tools", "functions"):
            extra = example.get(key)
            if isinstance(extra, (list, dict)):
                self._queue_repeated(compact_json(extra), facts)
        self._queue(line, len(messages), fixed, texts, facts.learned, facts=facts)

    def count_kind(self, kind: str) -> None:
        self.kinds[kind] = self.kinds.get(kind, 0) + 1

    # --- chat (supervised)

    def _check_chat(self, line: int, example: dict[str, Any], messages: list[Any]) -> _Facts:
        add = self.findings.add
        facts = self._check_messages(line, messages, _CHAT_ROLES, "supervised")
        tools = self._check_tools(line, example)
        has_tools = "tools" in example or facts.tool_calls
        has_functions = "functions" in example or facts.function_calls
        if facts.images:
            self.count_kind("chat_images")
        elif has_tools:
            self.count_kind("chat_tools")
        elif has_functions:
            self.count_kind("chat_functions")
        else:
            self.count_kind("chat")
        if tools is not None:
            for number, name in facts.called:
                if name not in tools:
                    add(line, "tool_not_defined", message=number, name=_shown(name))
        if not facts.assistants:
            add(line, "example_missing_assistant_message")
        elif not facts.trained:
            add(line, "example_missing_assistant_message_weight")
        if not facts.system:
            add(line, "missing_system_message")
        else:
            self._note_system_prompt(line, facts.system_prompt)
        if not facts.user:
            add(line, "missing_user_message")
        if facts.assistants and facts.last_role not in ("assistant", None):
            add(line, "last_message_not_assistant", role=_shown(facts.last_role, 20))
        return facts

    def _note_system_prompt(self, line: int, prompt: str | None) -> None:
        if prompt is None or len(self.system_prompts) > 1000:
            return
        key = hash(prompt)
        if key not in self.system_prompts:
            self.system_prompts[key] = line
            if len(self.system_prompts) == 2:
                self.second_prompt_line = line

    def _check_tools(self, line: int, example: Mapping[str, Any]) -> set[str] | None:
        """The function names the example's tools (or legacy functions) define; None when it has none."""
        names: set[str] | None = None
        for key in ("tools", "functions"):
            if key not in example:
                continue
            value = example[key]
            names = names or set()
            if not isinstance(value, list):
                self.findings.add(line, "tools_invalid", key=key, item=1)
                continue
            for index, tool in enumerate(value, 1):
                definition = tool.get("function") if key == "tools" and isinstance(tool, dict) else tool
                name = definition.get("name") if isinstance(definition, dict) else None
                if not isinstance(name, str) or not name:
                    self.findings.add(line, "tools_invalid", key=key, item=index)
                    break
                names.add(name)
        return names

    def _count_long(self, text: str, line: int) -> int:
        """Tokens of a text too long for one tiktoken call, counted in exact pieces on the workers."""
        pieces, approximate = _pieces(text)
        if approximate and line not in self.approximate_lines:
            self.approximate_lines.add(line)
            self.findings.add(line, "approximate_tokens", chars=_PIECE_CHARS)
        return sum(self.counter.results(self.counter.submit(pieces)))

    def _queue_repeated(self, text: str, facts: _Facts) -> None:
        """Queue a text likely to repeat in other examples (a system prompt, tool definitions)."""
        known = self.counter.cache.get(text)
        if known is not None:
            facts.fixed += known
        elif len(text) > _PIECE_CHARS:
            facts.texts.append(text)
        else:
            batch = self.batch
            slot = batch.slot_of.get(text)
            if slot is None:
                slot = batch.slot_of[text] = len(batch.texts)
                batch.texts.append(text)
                batch.keep.append(slot)
            facts.slots.append(slot)

    def _check_messages(
        self, line: int, messages: list[Any], roles: frozenset[str], method: str, collect: bool = True
    ) -> _Facts:
        """Check each message, and (with `collect`) gather its texts for the token formula on the way."""
        add = self.findings.add
        facts = _Facts()
        texts = facts.texts
        learned = facts.learned
        slots = facts.slots
        role_cost = self.role_cost
        batch = self.batch
        slot_of = batch.slot_of if collect else {}
        queued = batch.texts if collect else []
        call_ids: set[str] = set()
        images = 0
        for number, message in enumerate(messages, 1):
            # The common message, {"role": ..., "content": "clean text"}, takes this short path: the same
            # checks and the same queueing as below, inline, because it runs for nearly every message.
            if type(message) is dict and len(message) == 2:
                role = message.get("role")
                content = message.get("content")
                if (
                    type(content) is str
                    and content
                    and len(content) <= _PIECE_CHARS
                    and type(role) is str
                    and role in roles
                    and role in _PLAIN_ROLES
                    and not content[0].isspace()
                    and not content[-1].isspace()
                ):
                    facts.fixed += role_cost[role]
                    facts.last_role = role
                    if role in ("system", "developer"):
                        facts.system = facts.system or role == "system"
                        if facts.system_prompt is None and role == "system":
                            facts.system_prompt = content
                        if collect:
                            self._queue_repeated(content, facts)
                        continue
                    slot = slot_of.get(content)
                    if slot is None:
                        slot = slot_of[content] = len(queued)
                        queued.append(content)
                    slots.append(slot)
                    if role == "assistant":
                        facts.assistants += 1
                        facts.trained += 1
                        facts.learned_slots.append(slot)
                    else:
                        facts.user = True
                    continue
            if collect and isinstance(message, dict):
                more, found, trained = _message_texts(message)
                facts.fixed += more
                texts.extend(found)
                learned.extend(trained)
            if not isinstance(message, dict):
                add(line, "data_type_message", message=number, kind=_json_kind(message))
                continue
            role = message.get("role")
            if not (message.keys() <= _MESSAGE_KEYS):
                for key in message.keys() - _MESSAGE_KEYS:
                    add(line, "message_unrecognized_key", message=number, key=_shown(key, 40))
            if role is None:
                add(line, "message_missing_key", message=number, key="role")
                role_name = "?"
            elif not isinstance(role, str) or role not in roles:
                if method == "reinforcement" and role == "system":
                    add(line, "rft_system_role", message=number)
                else:
                    add(
                        line,
                        "unrecognized_role",
                        message=number,
                        role=_shown(role, 40),
                        method=method,
                        roles=", ".join(sorted(roles)),
                    )
                role_name = _shown(role, 20)
            else:
                role_name = role
            facts.last_role = role_name
            is_assistant = role == "assistant"
            calls = message.get("tool_calls")
            function_call = message.get("function_call")
            calling = calls is not None or function_call is not None
            if role == "system":
                facts.system = True
                if facts.system_prompt is None and isinstance(message.get("content"), str):
                    facts.system_prompt = message["content"]
            elif role == "user":
                facts.user = True
            elif is_assistant:
                facts.assistants += 1
            # content
            if "content" not in message:
                if not (is_assistant and calling):
                    add(line, "message_missing_key", message=number, key="content")
            else:
                content = message["content"]
                if isinstance(content, str):
                    if not content:
                        if not (is_assistant and calling):
                            add(line, "missing_content", message=number, role=role_name)
                    elif content[0].isspace() or content[-1].isspace():
                        if content.isspace():
                            if is_assistant:
                                add(line, "empty_reply", message=number)
                            else:
                                add(line, "blank_message", message=number, role=role_name)
                        else:
                            add(line, "whitespace", message=number, role=role_name)
                elif content is None:
                    if not (is_assistant and calling):
                        add(line, "missing_content", message=number, role=role_name)
                elif isinstance(content, list):
                    if not content and not (is_assistant and calling):
                        add(line, "missing_content", message=number, role=role_name)
                    images += self._check_parts(line, number, role_name, content)
                else:
                    add(line, "missing_content_type", message=number, role=role_name, kind=_json_kind(content))
            # the other keys
            if "name" in message and not isinstance(message["name"], str):
                add(line, "invalid_value", message=number, key="name")
            if "weight" in message:
                weight = message["weight"]
                if not is_assistant:
                    add(line, "weight_invalid_role", message=number, role=role_name)
                elif type(weight) is not int or weight not in (0, 1):
                    add(line, "weight_invalid", message=number, value=_shown(weight, 20))
                elif weight == 1:
                    facts.trained += 1
            elif is_assistant:
                facts.trained += 1
            if calls is not None:
                if not is_assistant:
                    add(line, "tool_calls_invalid_role", message=number, role=role_name)
                else:
                    facts.tool_calls = True
                    self._check_calls(line, number, calls, call_ids, facts)
            if function_call is not None:
                facts.function_calls = True
                if not is_assistant:
                    add(line, "tool_calls_invalid_role", message=number, role=role_name)
                else:
                    self._check_function_call(line, number, function_call, facts)
            if role == "tool":
                facts.tool_calls = True
                call_id = message.get("tool_call_id")
                if not isinstance(call_id, str) or not call_id:
                    add(line, "tool_message_missing_id", message=number)
                elif call_id not in call_ids:
                    add(line, "tool_message_unmatched", message=number, call_id=_shown(call_id, 40))
            elif role == "function":
                facts.function_calls = True
                if not isinstance(message.get("name"), str):
                    add(line, "function_message_missing_name", message=number)
        if images:
            facts.images = True
            if images > MAX_IMAGES_PER_EXAMPLE:
                add(line, "too_many_images", count=images, limit=MAX_IMAGES_PER_EXAMPLE)
            if not self.vision and not self.image_warned:
                self.image_warned = True
                add(line, "images_not_supported", model=self.model)
        return facts

    def _check_parts(self, line: int, number: int, role: str, parts: list[Any]) -> int:
        add = self.findings.add
        images = 0
        for index, part in enumerate(parts, 1):
            if not isinstance(part, dict):
                add(line, "invalid_content_part", message=number, part=index, kind=_json_kind(part))
                continue
            kind = part.get("type")
            if kind == "text":
                if not isinstance(part.get("text"), str):
                    add(line, "invalid_content_part_text", message=number, part=index)
            elif kind == "image_url":
                images += 1
                if role != "user":
                    add(line, "image_in_assistant", message=number, role=role)
                image = part.get("image_url")
                url = image.get("url") if isinstance(image, dict) else None
                if not isinstance(url, str):
                    add(line, "invalid_content_part_image", message=number, part=index)
                    continue
                if not (url.startswith(("https://", "http://")) or url.startswith(_IMAGE_DATA_PREFIXES)):
                    add(line, "image_bad_url", message=number, part=index, start=_shown(url, 24))
                detail = image.get("detail") if isinstance(image, dict) else None
                if detail is not None and detail not in _IMAGE_DETAILS:
                    add(
                        line,
                        "invalid_content_part_detail",
                        message=number,
                        part=index,
                        detail=_shown(detail, 20),
                    )
            else:
                add(line, "invalid_content_part", message=number, part=index, kind=_shown(kind, 30))
        return images

    def _check_calls(self, line: int, number: int, calls: object, call_ids: set[str], facts: _Facts) -> None:
        add = self.findings.add
        if not isinstance(calls, list) or not calls:
            add(line, "tool_calls_invalid", message=number)
            return
        for index, call in enumerate(calls, 1):
            function = call.get("function") if isinstance(call, dict) else None
            if (
                not isinstance(call, dict)
                or not isinstance(function, dict)
                or call.get("type", "function") != "function"
            ):
                add(line, "tool_call_invalid", message=number, call=index)
                continue
            call_id = call.get("id")
            if not isinstance(call_id, str) or not call_id:
                add(line, "tool_call_missing_id", message=number, call=index)
            else:
                call_ids.add(call_id)
            name = function.get("name")
            if not isinstance(name, str) or not name:
                add(line, "tool_call_missing_name", message=number, call=index)
            else:
                facts.called.append((number, name))
            if not _is_json_text(function.get("arguments")):
                add(line, "tool_call_bad_arguments", message=number, call=index)

    def _check_function_call(self, line: int, number: int, call: object, facts: _Facts) -> None:
        name = call.get("name") if isinstance(call, dict) else None
        arguments = call.get("arguments") if isinstance(call, dict) else None
        if not isinstance(name, str) or not name or not _is_json_text(arguments):
            self.findings.add(line, "function_call_invalid", message=number)
        else:
            facts.called.append((number, name))

    # --- DPO

    def _check_dpo(self, line: int, example: dict[str, Any]) -> None:
        add = self.findings.add
        source = example.get("input")
        messages = source.get("messages") if isinstance(source, dict) else None
        if not isinstance(messages, list) or not messages:
            add(line, "dpo_missing_input")
            messages = None
        else:
            facts = self._check_messages(line, messages, _CHAT_ROLES, "dpo", collect=False)
            if facts.last_role != "user" and facts.last_role is not None:
                add(line, "dpo_input_ends_with_assistant", role=facts.last_role)
        outputs = []
        for key, missing in (
            ("preferred_output", "dpo_missing_preferred_output"),
            ("non_preferred_output", "dpo_missing_non_preferred_output"),
        ):
            output = example.get(key)
            if not isinstance(output, list) or not output:
                add(line, missing)
                continue
            outputs.append(output)
            only = output[0] if len(output) == 1 else None
            if not isinstance(only, dict) or only.get("role") != "assistant":
                add(line, "dpo_output_not_assistant", key=key)
            else:
                self._check_messages(line, output, _CHAT_ROLES, "dpo", collect=False)
        if len(outputs) == 2 and outputs[0] == outputs[1]:
            add(line, "dpo_identical_outputs")
        if messages is not None and isinstance(example.get("preferred_output"), list):
            self._measure(line, example)

    # --- reinforcement fine-tuning

    def _check_rft(self, line: int, example: dict[str, Any], messages: list[Any]) -> _Facts:
        facts = self._check_messages(line, messages, _RFT_ROLES, "reinforcement")
        self._check_tools(line, example)
        if facts.last_role != "user":
            self.findings.add(line, "rft_last_message_not_user", role=facts.last_role or "?")
        return facts

    # --- legacy prompt/completion

    def _check_prompt_completion(self, line: int, example: dict[str, Any]) -> None:
        for key in ("prompt", "completion"):
            value = example.get(key)
            if not isinstance(value, str) or (key == "completion" and not value.strip()):
                self.findings.add(line, "prompt_completion_invalid", key=key)
        self._measure(line, example)


@dataclass(slots=True)
class _Facts:
    """What one conversation turned out to hold."""

    system: bool = False
    system_prompt: str | None = None
    user: bool = False
    assistants: int = 0
    trained: int = 0
    last_role: str | None = None
    tool_calls: bool = False
    function_calls: bool = False
    images: bool = False
    called: list[tuple[int, str]] = field(default_factory=list)
    # the token formula's inputs, collected while checking: fixed tokens, texts still to look up, and
    # slots of texts already queued in the current batch
    fixed: int = 0
    texts: list[str] = field(default_factory=list)
    learned: list[str] = field(default_factory=list)
    slots: list[int] = field(default_factory=list)
    learned_slots: list[int] = field(default_factory=list)
    learned_fixed: int = 0


def _is_json_text(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        json.loads(value)
    except (ValueError, RecursionError):
        return False
    return True


# --- statistics


def distribution(values: array[int] | list[int]) -> Distribution:
    """Total, min, max, mean and the 10th/50th/90th percentiles (linear interpolation, as numpy's default)."""
    if len(values) == 0:
        return Distribution(0, 0, 0, 0.0, 0.0, 0.0, 0.0)
    numbers = np.asarray(values, dtype=np.int64)
    p10, p50, p90 = (float(x) for x in np.percentile(numbers, [10, 50, 90]))
    return Distribution(
        total=int(numbers.sum()),
        min=int(numbers.min()),
        max=int(numbers.max()),
        mean=float(numbers.mean()),
        p10=p10,
        p50=p50,
        p90=p90,
    )


def _stats(measures: ExampleMeasures, limit: int) -> DatasetStats:
    tokens = np.asarray(measures.tokens, dtype=np.int64)
    billing = int(np.minimum(tokens, limit).sum()) if len(tokens) else 0
    epochs = default_epochs(len(tokens))
    return DatasetStats(
        examples=len(tokens),
        messages_per_example=distribution(measures.messages),
        tokens=distribution(measures.tokens),
        assistant_tokens=distribution(measures.assistant_tokens),
        max_tokens_per_example=limit,
        too_long_examples=int((tokens > limit).sum()) if len(tokens) else 0,
        billing_tokens_per_epoch=billing,
        default_epochs=epochs,
        billed_training_tokens=epochs * billing,
    )


# --- the check


# A batch of examples goes to the token counter when it holds this many examples or bytes.
_BATCH_EXAMPLES: Final = 512
_BATCH_BYTES: Final = 1 << 20


def analyze(
    data: bytes | Iterable[bytes],
    *,
    model: str = DEFAULT_MODEL,
    method: str = "supervised",
    progress: Callable[[float], None] | None = None,
    keep_measures: bool = True,
    role: Literal["train", "validation"] = "train",
) -> DatasetReport:
    """Validate and measure a JSONL dataset for a model and a fine-tuning method; never raises on bad data.

    `data` is the whole file, or an iterable of byte chunks (a file opened in binary mode, read in blocks),
    which keeps memory bounded by the largest line. `progress` gets the fraction done (for bytes input).
    A validation file (`role="validation"`) has no minimum number of examples.
    """
    return _Run(model, method, _Findings()).report(data, progress=progress, keep_measures=keep_measures, role=role)


def invalid_lines(data: bytes, *, model: str = DEFAULT_MODEL, method: str = "supervised") -> frozenset[int]:
    """Every line with an error of its own (the count is not capped like the report's issue list)."""
    findings = _Findings(track_error_lines=True)
    _Run(model, method, findings).report(data, progress=None, keep_measures=False, role="train")
    return frozenset(findings.error_lines or ())


class _Run:
    """One pass over a file: lines are parsed and checked here while worker threads count the tokens.

    Examples are queued in batches; a batch is sent to the counter when it is full and settled when the
    next one is sent, so counting one batch overlaps parsing the next.
    """

    def __init__(self, model: str, method: str, findings: _Findings) -> None:
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}; use one of: {', '.join(METHODS)}")
        self.model = model
        self.method = method
        self.findings = findings
        self.encoding = encoding_name_for_model(model)
        self.limit = max_tokens_per_example(model)
        self.counter = _TokenCounter(get_encoding(self.encoding))
        self.checker = _Checker(model, method, findings, self.counter)
        self.measures = ExampleMeasures(array("q"), array("l"), array("q"), array("q"))
        self.in_flight: deque[_Batch] = deque()

    def report(
        self,
        data: bytes | Iterable[bytes],
        *,
        progress: Callable[[float], None] | None,
        keep_measures: bool,
        role: str,
    ) -> DatasetReport:
        try:
            lines, examples = self._read(data, progress)
        finally:
            self.counter.close()
        if progress is not None:
            progress(1.0)
        findings = self.findings
        usable = not any(code in UNUSABLE_CODES for code in findings.counts)
        if usable and examples == 0:
            findings.add(FILE_LEVEL_LINE, "empty_file")
            usable = False
        if usable:
            counted = examples if role == "train" else RECOMMENDED_EXAMPLES  # a validation file has no minimum
            _file_findings(findings, self.checker, counted, self.model, self.method)
        return DatasetReport(
            format=_file_format(self.checker.kinds, examples, usable),
            model=self.model,
            method=self.method,
            encoding=self.encoding,
            examples=examples,
            issues=tuple(sorted(findings.issues, key=lambda issue: issue.line)),
            stats=_stats(self.measures, self.limit) if usable else None,
            counts=dict(findings.counts),
            measures=self.measures if keep_measures and usable else None,
            lines=lines,
        )

    def _read(self, data: bytes | Iterable[bytes], progress: Callable[[float], None] | None) -> tuple[int, int]:
        """Check every line; returns (lines, examples), where an example is any line that is not blank."""
        total_bytes = len(data) if isinstance(data, (bytes, bytearray, memoryview)) else 0
        add = self.findings.add
        checker = self.checker
        fingerprints: dict[bytes, int] = {}
        line = examples = done_bytes = batch_bytes = 0
        reported = 0.0
        for raw, size in _lines(_chunks_with_sniff(data, self.findings)):
            line += 1
            done_bytes += size + 1
            batch_bytes += size
            if raw is None:
                examples += 1
                add(line, "line_too_large", size_mb=round(size / 2**20), limit_mb=MAX_LINE_BYTES // 2**20)
                continue
            text = (raw[3:] if line == 1 and raw.startswith(b"\xef\xbb\xbf") else raw).strip()
            if not text:
                add(line, "blank_line")
                continue
            examples += 1
            digest = hashlib.sha1(text, usedforsecurity=False).digest()
            first = fingerprints.get(digest)
            if first is not None:
                add(line, "duplicate_example", first=first)
            elif len(fingerprints) < MAX_FINGERPRINTS:
                fingerprints[digest] = line
            value, problem = _parse(text)
            del raw, text  # a long line's bytes need not stay in memory while its texts are counted
            if problem is not None:
                add(line, problem[0], **problem[1])
                checker.count_kind("unknown")
            else:
                checker.check(line, value)
            if len(checker.batch.examples) >= _BATCH_EXAMPLES or batch_bytes >= _BATCH_BYTES:
                batch_bytes = 0
                self._dispatch()
                if progress is not None and total_bytes and done_bytes / total_bytes - reported >= 0.01:
                    reported = done_bytes / total_bytes
                    progress(min(reported, 0.99))
        self._dispatch()
        while self.in_flight:
            self._settle(self.in_flight.popleft())
        return line, examples

    def _dispatch(self) -> None:
        """Send the current batch to the counter; settle the one before it."""
        batch = self.checker.batch
        if batch.examples:
            batch.handle = self.counter.submit(batch.texts)
            self.in_flight.append(batch)
            self.checker.batch = _Batch()
        while len(self.in_flight) > 1:
            self._settle(self.in_flight.popleft())

    def _settle(self, batch: _Batch) -> None:
        counts = self.counter.results(batch.handle)
        measures, limit = self.measures, self.limit
        for line, message_count, fixed, slots, learned_fixed, learned_slots in batch.examples:
            tokens = fixed + sum([counts[slot] for slot in slots])
            learned = learned_fixed + sum([counts[slot] for slot in learned_slots])
            measures.lines.append(line)
            measures.messages.append(message_count)
            measures.tokens.append(tokens)
            measures.assistant_tokens.append(learned)
            if tokens > limit:
                self.findings.add(line, "too_long", tokens=tokens, limit=limit, model=self.model)
        self.counter.remember([batch.texts[slot] for slot in batch.keep], [counts[slot] for slot in batch.keep])


def _chunks_with_sniff(data: bytes | Iterable[bytes], findings: _Findings) -> bytes | Iterable[bytes]:
    """The data unchanged, or nothing at all when its first bytes show it is not UTF-8 text."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        problem = _sniff(bytes(data[:8192]))
        if problem is not None:
            findings.add(FILE_LEVEL_LINE, problem[0], **problem[1])
            return b""
        return data

    def sniffed() -> Iterator[bytes]:
        iterator = iter(data)
        head = b""
        for chunk in iterator:
            head += chunk
            if len(head) >= 8192:
                break
        problem = _sniff(head[:8192])
        if problem is not None:
            findings.add(FILE_LEVEL_LINE, problem[0], **problem[1])
            return
        if head:
            yield head
        yield from iterator

    return sniffed()


def _file_findings(findings: _Findings, checker: _Checker, examples: int, model: str, method: str) -> None:
    add = findings.add
    if examples < MIN_EXAMPLES:
        add(FILE_LEVEL_LINE, "too_few_examples", count=examples)
    elif examples < RECOMMENDED_EXAMPLES:
        add(FILE_LEVEL_LINE, "few_examples", count=examples)
    if checker.second_prompt_line:
        first = min(checker.system_prompts.values())
        add(
            checker.second_prompt_line,
            "multiple_system_prompts",
            count=len(checker.system_prompts),
            first=first,
        )
    supported = model_methods(model)
    wanted = _METHOD_CATALOG_NAMES[method]
    if supported is not None and not any(name in supported for name in wanted):
        add(
            FILE_LEVEL_LINE,
            "method_not_supported",
            model=model,
            method=method,
            supported=", ".join(supported),
        )


def _file_format(kinds: Mapping[str, int], examples: int, usable: bool) -> str:
    """The most common kind of example (a tie goes to the plainer kind); "unknown" when none is known."""
    if not usable or examples == 0:
        return "empty" if examples == 0 else "unknown"
    known = {kind: n for kind, n in kinds.items() if kind != "unknown"}
    if not known:
        return "unknown"
    return max(known, key=lambda kind: (known[kind], -FORMATS.index(kind)))


# --- reading examples back (for previews and the conversation viewer)


def read_examples(data: bytes, *, start_line: int = 1, limit: int | None = None) -> list[tuple[int, dict[str, Any]]]:
    """(line, example) for every line from start_line on that holds a valid JSON object, up to limit."""
    found: list[tuple[int, dict[str, Any]]] = []
    for number, raw in iter_lines(data):
        if number < start_line or raw is None:
            continue
        text = raw.strip()
        if not text:
            continue
        value, problem = _parse(text)
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
                turns.append(Turn("?", _shown(message, 200), 0, "invalid"))
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
            turns.append(Turn(role, text, _count_text(text, encoding) if count else 0, key))
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
                parts.append(f"[image: {_shown(url, 60)}]")
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
