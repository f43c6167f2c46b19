"""The estimate's downloads: CSV with a header and one row per line, formulas defused; Markdown as a table."""

from __future__ import annotations

import csv
import io
import string

from hypothesis import given
from hypothesis import strategies as st

from finetune_guide.costs import estimate_csv, estimate_markdown
from finetune_guide.exports import FORMULA_START

COLUMNS = ("Item", "Value")
# Text that no spreadsheet would take for a formula: the page's usual lines.
PLAIN = st.text(alphabet=string.ascii_letters + string.digits + " .,$()<>:/", max_size=30).filter(
    lambda s: not s.startswith(FORMULA_START)
)


def _read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_is_a_header_then_one_row_per_line() -> None:
    rows = [("Model", "gpt-4o-mini-2024-07-18"), ("Training cost", "$0.90")]
    assert estimate_csv(rows, COLUMNS) == "Item,Value\nModel,gpt-4o-mini-2024-07-18\nTraining cost,$0.90\n"


def test_a_value_with_a_comma_or_a_quote_is_quoted() -> None:
    assert _read(estimate_csv([("Epochs", 'auto: 3, "target"')], COLUMNS))[1] == ["Epochs", 'auto: 3, "target"']


def test_a_value_that_would_run_as_a_formula_gets_a_leading_quote() -> None:
    rows = [("Link", '=HYPERLINK("https://evil")'), ("Saving", "-1 234,50 USD"), ("@SUM(A1)", "+1")]
    assert _read(estimate_csv(rows, COLUMNS))[1:] == [
        ["Link", '\'=HYPERLINK("https://evil")'],
        ["Saving", "'-1 234,50 USD"],
        ["'@SUM(A1)", "'+1"],
    ]


@given(st.lists(st.tuples(PLAIN, PLAIN), max_size=8))
def test_plain_lines_come_back_unchanged(rows: list[tuple[str, str]]) -> None:
    assert _read(estimate_csv(rows, COLUMNS)) == [list(COLUMNS), *map(list, rows)]


def test_the_markdown_is_a_titled_two_column_table() -> None:
    text = estimate_markdown([("Model", "gpt-4o-mini"), ("Training cost", "$0.90")], COLUMNS, "Cost calculator")
    assert text == (
        "# Cost calculator\n\n| Item | Value |\n| --- | --- |\n| Model | gpt-4o-mini |\n| Training cost | $0.90 |\n"
    )


def test_a_pipe_or_a_newline_cannot_break_the_markdown_table() -> None:
    text = estimate_markdown([("Source", "A | B\nC")], COLUMNS, "T")
    assert text.splitlines()[-1] == "| Source | A \\| B C |"
