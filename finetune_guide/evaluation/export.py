"""A run's results as CSV, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

from finetune_guide.evaluation.cases import comparable_text
from finetune_guide.evaluation.metrics import word_count
from finetune_guide.evaluation.run import EvalRun

# Spreadsheet programs run a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = (
    "line",
    "model",
    "role",
    "exact_match",
    "f1",
    "answer_words",
    "reference_words",
    "format_check",
    "format_ok",
    "judge_score",
    "judge_cost_usd",
    "input_tokens",
    "output_tokens",
    "latency_ms",
    "cost_usd",
    "error",
    "question",
    "reference",
    "answer",
)


def results_csv(run: EvalRun) -> str:
    """One row per case and model; text cells that a spreadsheet would run as a formula are quoted with '."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for result in run.results:
        for contender, outcome in zip(run.contenders, result.outcomes, strict=False):
            writer.writerow(
                [
                    result.case.line,
                    contender.model,
                    contender.role,
                    _cell(outcome.exact_match if outcome.answered else None),
                    _cell(round(outcome.f1, 4) if outcome.answered else None),
                    _cell(outcome.answer_words if outcome.answered else None),
                    word_count(result.case.reference_text),
                    outcome.format.kind or "",
                    _cell(outcome.format.ok),
                    _cell(outcome.judge_score),
                    _cell(None if outcome.judge_cost_usd is None else round(outcome.judge_cost_usd, 8)),
                    _cell(outcome.input_tokens),
                    _cell(outcome.output_tokens),
                    _cell(outcome.latency_ms),
                    _cell(None if outcome.cost_usd is None else round(outcome.cost_usd, 8)),
                    outcome.problem or "",
                    _safe_text(result.case.question),
                    _safe_text(result.case.reference_text),
                    _safe_text(comparable_text(outcome.answer, outcome.tool_calls)),
                ]
            )
    return buffer.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _safe_text(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text
