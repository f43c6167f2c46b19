"""evaluation.estimates: what a run would send and cost, before it runs."""

from __future__ import annotations

import pytest

from finetune_guide import evaluation as ev
from tests.support.evaluation import QUESTIONS, chat_line, numbered


def test_estimate_counts_prompts_and_reference_length_per_model_and_flags_unpriced() -> None:
    cases = ev.eval_cases(numbered([chat_line(q, a) for q, a in QUESTIONS[:4]])).cases
    tuned = ev.Contender("ft:gpt-4o-mini:x", "fine_tuned", ev.Price(0.3, 1.2))
    base = ev.Contender("gpt-4o-mini", "base")
    judge = ev.Judge("gpt-4.1-mini", "Be fair.", ev.Price(0.4, 1.6))
    estimate = ev.estimate_run(cases, [tuned, base], judge)
    first, second = estimate.models
    assert first.calls == 4 and first.input_tokens == second.input_tokens > 4 * 10
    assert first.cost_usd is not None and second.cost_usd is None
    assert estimate.unpriced == ("gpt-4o-mini",)
    assert estimate.judge is not None and estimate.judge.calls == 8
    assert estimate.calls == 16
    assert estimate.cost_usd == pytest.approx(first.cost_usd + (estimate.judge.cost_usd or 0))
