"""evaluation.verdict: which contender did best, on crafted summaries."""

from __future__ import annotations

from finetune_guide import evaluation as ev
from tests.support.evaluation import summary


def test_close_f1_is_decided_by_format_validity_when_it_differs_clearly() -> None:
    decision = ev.verdict((summary(0.50, valid=6, applicable=20), summary(0.52, valid=20, applicable=20)))
    assert (decision.decision, decision.winner, decision.runner_up, decision.basis) == (
        "better",
        1,
        0,
        "format",
    )


def test_close_f1_with_nothing_else_to_separate_them_is_a_tie() -> None:
    decision = ev.verdict((summary(0.50), summary(0.53)))
    assert decision.decision == "tie" and not decision.few_examples


def test_no_answers_at_all_gives_no_verdict() -> None:
    empty = ev.ModelSummary("m", "base", None, 3, 0, 0, None, 0, 0, None, None, 0, 0, None, 0, None)
    assert ev.verdict((empty, empty)).decision == "no_answers"
