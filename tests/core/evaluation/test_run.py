"""evaluation.run and evaluation.summary: runs against the sandbox, case by case, summarised."""

from __future__ import annotations

from finetune_guide import evaluation as ev
from tests.support.evaluation import QUESTIONS, chat_line, contenders, numbered


def test_a_run_advances_case_by_case_and_a_cancel_keeps_what_was_done(sandbox: tuple) -> None:
    client, tuned, base = sandbox
    cases = ev.eval_cases(numbered([chat_line(q, a) for q, a in QUESTIONS])).cases
    run = ev.start_run(cases, contenders(tuned, base), limit=5)
    assert (run.total, run.done_count, run.status) == (5, 0, "running")
    run = ev.advance(client, run, cases=2)
    assert run.done_count == 2 and run.status == "running"
    run = run.cancelled()
    assert ev.advance(client, run, cases=3).done_count == 2
    assert run.status == "cancelled"


def test_fine_tuned_sandbox_model_beats_its_base_model_on_f1_and_format(sandbox: tuple) -> None:
    client, tuned, base = sandbox
    cases = ev.eval_cases(numbered([chat_line(q, a) for q, a in QUESTIONS])).cases
    run = ev.advance(client, ev.start_run(cases, contenders(tuned, base), limit=6), cases=10)
    assert run.status == "done" and run.done_count == 6
    tuned_summary, base_summary = ev.summarize(run)
    assert tuned_summary.mean_f1 == 1.0 and tuned_summary.exact_matches == 6
    assert (tuned_summary.format_valid, tuned_summary.format_applicable) == (6, 6)
    assert base_summary.format_valid == 0 and (base_summary.mean_f1 or 0) < 0.3
    assert tuned_summary.cost_usd is not None and tuned_summary.cost_usd > 0
    decision = ev.verdict((tuned_summary, base_summary))
    assert (decision.decision, decision.winner, decision.basis) == ("better", 0, "f1")
    assert decision.few_examples


def test_a_failing_model_is_recorded_as_an_error_and_the_other_still_wins(sandbox: tuple) -> None:
    client, tuned, _ = sandbox
    cases = ev.eval_cases(numbered([chat_line(q, a) for q, a in QUESTIONS[:2]])).cases
    run = ev.advance(client, ev.start_run(cases, contenders(tuned, "no-such-model"), limit=2), cases=2)
    tuned_summary, missing = ev.summarize(run)
    assert missing.answered == 0 and missing.problems == {"not_found": 2}
    decision = ev.verdict((tuned_summary, missing))
    assert (decision.decision, decision.winner, decision.runner_up) == ("only_one", 0, None)


def test_judge_in_the_sandbox_gives_no_score_and_says_so(sandbox: tuple) -> None:
    client, tuned, base = sandbox
    cases = ev.eval_cases(numbered([chat_line(q, a) for q, a in QUESTIONS[:1]])).cases
    run = ev.start_run(cases, contenders(tuned, base), limit=1, judge=ev.Judge(base, "Grade it."))
    result = ev.advance(client, run).results[0]
    assert all(o.judge_problem == "no_score" and o.judge_score is None for o in result.outcomes)
