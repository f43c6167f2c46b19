"""The one CSV writer: whatever the cells hold, none reaches a spreadsheet as a formula."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finetune_guide.exports import FORMULA_START, neutralise_cell, safe_csv

CELLS = st.one_of(st.text(), st.sampled_from(["=1+1", "+1", "-1", "@A1", "\tx", "\rx"]), st.none(), st.integers())


@pytest.mark.parametrize("text", ["=1+1", "+49 123", "-2", "@SUM(A1:A2)", "\t=1", "\r=1"])
def test_a_cell_starting_with_a_formula_character_gets_a_leading_quote(text: str) -> None:
    assert neutralise_cell(text) == "'" + text


@pytest.mark.parametrize(("value", "cell"), [("gpt-4o-mini", "gpt-4o-mini"), ("", ""), (None, ""), (3, "3")])
def test_other_cells_are_written_as_they_are(value: object, cell: str) -> None:
    assert neutralise_cell(value) == cell


@given(st.lists(st.lists(CELLS, min_size=1, max_size=4), max_size=6))
def test_no_exported_cell_starts_with_a_formula_character(rows: list[list[object]]) -> None:
    read = list(csv.reader(io.StringIO(safe_csv(rows), newline="")))
    assert not [cell for row in read for cell in row if cell.startswith(FORMULA_START)]


@given(st.lists(st.lists(st.text(), min_size=1, max_size=4), max_size=6))
def test_a_cell_loses_nothing_but_gains_at_most_one_quote(rows: list[list[str]]) -> None:
    read = list(csv.reader(io.StringIO(safe_csv(rows), newline="")))
    assert len(read) == len(rows)
    for written, original in zip(read, rows, strict=True):
        assert written == [neutralise_cell(cell) for cell in original]
        assert all(w in (o, "'" + o) for w, o in zip(written, original, strict=True))


def test_a_carriage_return_inside_a_cell_cannot_start_a_row() -> None:
    text = safe_csv([["a\r=1+1", "b"]])
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["a\r=1+1", "b"]]
