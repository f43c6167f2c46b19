"""Tables (CSV and Excel) read as text cells, and turned into chat examples by a column mapping."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import Final

import pandas as pd

# A workbook this large once unzipped is refused before pandas reads it (zip bombs, giant sheets).
MAX_WORKBOOK_BYTES: Final = 200 * 1024 * 1024
MAX_TABLE_ROWS: Final = 1_000_000
TABLE_SUFFIXES: Final = (".csv", ".xlsx")


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
        lines.append(json.dumps({"messages": messages}, ensure_ascii=False).encode("utf-8"))
    return Conversion(b"\n".join(lines) + b"\n" if lines else b"", len(lines), tuple(skipped))
