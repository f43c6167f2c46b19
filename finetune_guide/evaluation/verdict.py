"""The verdict: which contender did best and on what evidence."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from finetune_guide.evaluation.judge import JUDGE_MAX_SCORE
from finetune_guide.evaluation.summary import ModelSummary

# Below this difference in mean F1 two models are even: over tens of examples, a few hundredths is noise.
F1_TIE_MARGIN = 0.05

# Fewer examples than this and the verdict carries a warning that it is a hint, not evidence.
FEW_EXAMPLES = 10

Decision = Literal["better", "tie", "only_one", "no_answers"]

Basis = Literal["f1", "format", "exact_match", "judge"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """Which contender did best and on what evidence; `winner`/`runner_up` index the run's contenders."""

    decision: Decision
    winner: int | None
    runner_up: int | None
    basis: Basis | None
    examples: int
    few_examples: bool


def verdict(summaries: Sequence[ModelSummary]) -> Verdict:
    """Mean F1 decides when it differs by F1_TIE_MARGIN or more; else format validity, exact match, judge."""
    ranked = sorted(
        (i for i, s in enumerate(summaries) if s.answered and s.mean_f1 is not None),
        key=lambda i: (summaries[i].mean_f1 or 0.0, summaries[i].format_valid_rate or 0.0),
        reverse=True,
    )
    examples = max((s.examples for s in summaries), default=0)
    few = examples < FEW_EXAMPLES
    if not ranked:
        return Verdict("no_answers", None, None, None, examples, few)
    if len(ranked) == 1:
        return Verdict("only_one", ranked[0], None, None, examples, few)
    best, second = summaries[ranked[0]], summaries[ranked[1]]
    if (best.mean_f1 or 0.0) - (second.mean_f1 or 0.0) >= F1_TIE_MARGIN:
        return Verdict("better", ranked[0], ranked[1], "f1", examples, few)
    for basis, key in _SECONDARY:
        leader = _clear_leader(summaries, ranked[:2], key)
        if leader is not None:
            other = ranked[1] if leader == ranked[0] else ranked[0]
            return Verdict("better", leader, other, basis, examples, few)
    return Verdict("tie", ranked[0], ranked[1], None, examples, few)


def _format_key(summary: ModelSummary) -> float | None:
    return summary.format_valid_rate


def _exact_key(summary: ModelSummary) -> float | None:
    return summary.exact_match_rate


def _judge_key(summary: ModelSummary) -> float | None:
    return None if summary.mean_judge_score is None else summary.mean_judge_score / JUDGE_MAX_SCORE


_SECONDARY: tuple[tuple[Basis, Callable[[ModelSummary], float | None]], ...] = (
    ("format", _format_key),
    ("exact_match", _exact_key),
    ("judge", _judge_key),
)


def _clear_leader(
    summaries: Sequence[ModelSummary], pair: Sequence[int], key: Callable[[ModelSummary], float | None]
) -> int | None:
    # A secondary measure decides only when it separates the two by a clear margin (10 percentage points).
    first, second = key(summaries[pair[0]]), key(summaries[pair[1]])
    if first is None or second is None or abs(first - second) < 0.10:
        return None
    return pair[0] if first > second else pair[1]
