"""CSV that is safe to open in a spreadsheet: the one writer every export of the app goes through."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# Spreadsheet programs run a cell that starts with one of these as a formula (CSV injection).
FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> str:
    """The cell as text; a leading quote makes a spreadsheet show a would-be formula as plain text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def safe_csv(rows: Iterable[Sequence[object]]) -> str:
    """Rows (the header first, if any) as CSV text with "\\n" line ends, every cell neutralised."""
    buffer = io.StringIO()
    plain = csv.writer(buffer, lineterminator="\n")
    # Python 3.11's writer leaves a "\r" inside a cell unquoted, and a spreadsheet would start a new row (and
    # perhaps a formula) there; such a row is written with every cell quoted instead.
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for row in rows:
        cells = [neutralise_cell(cell) for cell in row]
        (quoted if any("\r" in cell for cell in cells) else plain).writerow(cells)
    return buffer.getvalue()
