"""The findings of one check as they are found: exact counts per code, a bounded list of detailed issues."""

from __future__ import annotations

from finetune_guide.datasets.issues import CATALOG, issue_text
from finetune_guide.datasets.models import MAX_ISSUES_PER_CODE, Issue


class Findings:
    """Issues as they are found: exact counts per code, the first MAX_ISSUES_PER_CODE kept in detail."""

    def __init__(self, track_error_lines: bool = False) -> None:
        self.issues: list[Issue] = []
        self.counts: dict[str, int] = {}
        self.error_lines: set[int] | None = set() if track_error_lines else None

    def add(self, line: int, text_id: str, **params: str | int) -> None:
        code, severity = CATALOG[text_id]
        seen = self.counts.get(code, 0)
        self.counts[code] = seen + 1
        if self.error_lines is not None and severity == "error" and line:
            self.error_lines.add(line)
        if seen < MAX_ISSUES_PER_CODE:
            message, hint = issue_text(text_id, params)
            self.issues.append(Issue(line, code, severity, message, hint, text_id, tuple(params.items())))
