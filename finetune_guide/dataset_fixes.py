"""Fixes and conversions for fine-tuning data: each takes file bytes and returns new JSONL to preview."""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Final

import pandas as pd

from finetune_guide import datasets

# A workbook this large once unzipped is refused before pandas reads it (zip bombs, giant sheets).
MAX_WORKBOOK_BYTES: Final = 200 * 1024 * 1024
MAX_TABLE_ROWS: Final = 1_000_000
TABLE_SUFFIXES: Final = (".csv", ".xlsx")


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


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Which table columns become which messages; a fixed system prompt when there is no system column."""

    user: str
    assistant: str
    system: str | None = None
    system_prompt: str = ""


@dataclass(frozen=True, slots=True)
class Conversion:
    """JSONL made from a table, and the spreadsheet rows skipped for an empty user or assistant cell."""

    data: bytes
    examples: int
    skipped_rows: tuple[int, ...]


class TableError(ValueError):
    """A CSV or Excel file that cannot be read as a table; the message says why and what to do."""


def _dump(example: object) -> bytes:
    return json.dumps(example, ensure_ascii=False).encode("utf-8")


def _join(lines: list[bytes]) -> bytes:
    return b"\n".join(lines) + b"\n" if lines else b""


def _examples(data: bytes) -> Iterator[tuple[int, bytes, object | None]]:
    """(line, stripped line, parsed JSON or None) for every non-blank, readable line."""
    for number, raw in datasets.iter_lines(data):
        if raw is None:
            continue
        text = raw.strip()
        if text:
            yield number, text, datasets.parse_line(text)


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


def drop_invalid_lines(data: bytes, *, model: str = datasets.DEFAULT_MODEL, method: str = "supervised") -> FixResult:
    """Leave out blank lines and every line with an error of its own."""
    bad = datasets.invalid_lines(data, model=model, method=method)
    kept: list[bytes] = []
    removed = 0
    for number, raw in datasets.iter_lines(data):
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
    for _, raw in datasets.iter_lines(data):
        text = raw.strip() if raw is not None else b""
        digest = datasets.fingerprint(text)
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


# --- tables (CSV and Excel)


def read_table(data: bytes, filename: str) -> pd.DataFrame:
    """A CSV (UTF-8 or Windows-1250, any common delimiter) or .xlsx first sheet, every cell as text."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise TableError(f"{filename}: only .csv and .xlsx files can be converted")
    if not data.strip():
        raise TableError(f"{filename}: the file is empty")
    try:
        table = _read_xlsx(data) if suffix == ".xlsx" else _read_csv(data)
    except TableError:
        raise
    except Exception as exc:  # pandas and openpyxl raise many kinds; the user needs one clear message
        raise TableError(f"{filename}: cannot be read as a table ({exc.__class__.__name__})") from exc
    if table.empty or len(table.columns) == 0:
        raise TableError(f"{filename}: the table has no rows")
    if len(table) > MAX_TABLE_ROWS:
        raise TableError(f"{filename}: the table has over {MAX_TABLE_ROWS:,} rows")
    table.columns = [str(column).strip() or f"column {index + 1}" for index, column in enumerate(table.columns)]
    return table.fillna("").astype(str)


def _read_csv(data: bytes) -> pd.DataFrame:
    for encoding in ("utf-8-sig", "cp1250"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1250 decodes almost anything
        raise TableError("the CSV file is neither UTF-8 nor Windows-1250 text")
    try:
        dialect = csv.Sniffer().sniff(text[:65536], delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    return pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False)


def _read_xlsx(data: bytes) -> pd.DataFrame:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise TableError("the .xlsx file is damaged or not an Excel workbook") from exc
    if unpacked > MAX_WORKBOOK_BYTES:
        raise TableError(f"the workbook unpacks to over {MAX_WORKBOOK_BYTES // 2**20} MB")
    return pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=str, engine="openpyxl")


def table_to_chat(table: pd.DataFrame, mapping: ColumnMapping) -> Conversion:
    """One chat example per row; rows with an empty user or assistant cell are skipped and listed."""
    for column in (mapping.user, mapping.assistant, mapping.system):
        if column is not None and column not in table.columns:
            raise TableError(f"the table has no column {column!r}")
    fixed_system = mapping.system_prompt.strip()
    lines: list[bytes] = []
    skipped: list[int] = []
    for index, row in enumerate(table.itertuples(index=False), start=2):  # row 1 is the header
        cells = dict(zip(table.columns, row, strict=True))
        user = str(cells[mapping.user]).strip()
        assistant = str(cells[mapping.assistant]).strip()
        if not user or not assistant:
            skipped.append(index)
            continue
        system = str(cells[mapping.system]).strip() if mapping.system else fixed_system
        messages = [{"role": "system", "content": system}] if system else []
        messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
        lines.append(_dump({"messages": messages}))
    return Conversion(_join(lines), len(lines), tuple(skipped))
