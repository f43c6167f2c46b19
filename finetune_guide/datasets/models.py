"""The check's results as plain frozen data: one issue, a distribution, the statistics and the report."""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from finetune_guide.datasets.issues import UNUSABLE_CODES, Severity, severity_of

# Each code keeps this many detailed issues; the counts stay exact. It bounds memory on broken files.
MAX_ISSUES_PER_CODE: Final = 1000
FILE_LEVEL_LINE: Final = 0


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
