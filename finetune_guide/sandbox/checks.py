"""The file check a job runs before training: the Dataset studio's validator, reduced to what a job needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from finetune_guide import datasets


@dataclass(frozen=True, slots=True)
class FileCheck:
    """The validator's verdict on one file, reduced to what a job needs."""

    error_count: int
    first_error: str  # "Line 3: …" (or a whole-file finding), "" when the file is fine
    examples: int
    billed_tokens_per_epoch: int


def check_file(data: bytes, *, model: str, method: str, role: Literal["train", "validation"] = "train") -> FileCheck:
    """Run the Dataset studio's validator over an uploaded file, as the real service does before training."""
    report = datasets.analyze(data, model=model, method=method, role=role)
    errors = report.errors
    # `issues` keeps a sample per code; `counts` has the exact number of each.
    error_count = sum(n for code, n in report.counts.items() if datasets.severity_of(code) == "error")
    first = ""
    if errors:
        issue = errors[0]
        first = issue.message if issue.line == datasets.FILE_LEVEL_LINE else f"Line {issue.line}: {issue.message}"
        if not first.endswith((".", "!", "?")):
            first += "."
    stats = report.stats
    return FileCheck(
        error_count=max(error_count, len(errors)),
        first_error=first,
        examples=stats.examples if stats else report.examples,
        billed_tokens_per_epoch=stats.billing_tokens_per_epoch if stats else 0,
    )


def file_error(param: str, file_id: str, check: FileCheck) -> dict[str, Any]:
    """The `error` a job gets when one of its files does not pass the check (the lab shares it)."""
    which = "training" if param == "training_file" else "validation"
    more = f" ({check.error_count} in total)" if check.error_count > 1 else ""
    return {
        "code": f"invalid_{param}",
        "message": (
            f"The {which} file {file_id} has format errors{more}. {check.first_error} "
            "Fix the file, upload it again and start a new job."
        ),
        "param": param,
    }
