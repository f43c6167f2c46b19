"""Visitor text inside Markdown: labels, captions and alerts render Markdown, so user text is escaped first."""

from __future__ import annotations

import re

# Every ASCII punctuation mark: Markdown gives meaning only to these, and a backslash before any of them is
# allowed and shows the mark itself. So no link, emphasis, code span, :emoji:, $math$ or raw HTML can form.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def literal(text: str) -> str:
    """User text (a file name, a role, a model id) made inert for Streamlit's Markdown, on one line."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text.replace("\r", " ").replace("\n", " "))
