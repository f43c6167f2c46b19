"""An estimate's summary as a CSV or Markdown download: labelled lines in, file text out."""

from __future__ import annotations

from collections.abc import Sequence

from finetune_guide.exports import safe_csv

# (label, value): the page writes both in the visitor's language; these functions only lay them out.
SummaryRow = tuple[str, str]


def estimate_csv(rows: Sequence[SummaryRow], columns: tuple[str, str]) -> str:
    """A two-column CSV, headed by `columns`, that no spreadsheet runs as a formula."""
    return safe_csv([columns, *rows])


def _markdown_cell(text: str) -> str:
    # A pipe would end the cell and a newline the row; both come from free text such as a source title.
    return text.replace("|", "\\|").replace("\n", " ")


def estimate_markdown(rows: Sequence[SummaryRow], columns: tuple[str, str], title: str) -> str:
    """A Markdown document: `title` as its heading, then the rows as a two-column table."""
    lines = [
        f"# {title}",
        "",
        f"| {columns[0]} | {columns[1]} |",
        "| --- | --- |",
    ]
    lines += [f"| {_markdown_cell(label)} | {_markdown_cell(value)} |" for label, value in rows]
    return "\n".join(lines) + "\n"
