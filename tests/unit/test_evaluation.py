"""Evaluation core: cases from a file, SQuAD-style metrics, format checks, judge, estimates, runs, verdict."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finetune_guide import evaluation as ev
from finetune_guide.catalog import load_catalog
from finetune_guide.jobs import CheckpointView
from finetune_guide.providers import ProviderSettings, build_client
from finetune_guide.sandbox import SandboxService

QUESTIONS = [(f"What is the capital of country {i}?", json.dumps({"capital": f"City{i}"})) for i in range(12)]


def chat_line(question: str, answer: str, system: str = "Answer in JSON.") -> dict[str, object]:
    return {
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer, "weight": 1},
        ]
    }


def jsonl(records: list[dict[str, object]]) -> bytes:
    return "\n".join(json.dumps(r) for r in records).encode()


def numbered(records: list[object]) -> list[tuple[int, object]]:
    return list(enumerate(records, start=1))


@pytest.fixture(scope="module")
def sandbox() -> tuple[object, str, str]:
    """A sandbox client with one fine-tuned model (trained at speed "instant") and its base model."""
    service = SandboxService(speed="instant")
    client = build_client(ProviderSettings(), sandbox=service)
    upload = client.files.create(
        file=("train.jsonl", jsonl([chat_line(q, a) for q, a in QUESTIONS])), purpose="fine-tune"
    )
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file=upload.id)
    job = client.fine_tuning.jobs.retrieve(job.id)
    assert job.status == "succeeded" and job.fine_tuned_model
    return client, job.fine_tuned_model, job.model


# --- metrics on crafted cases ------------------------------------------------------------------------------


def test_normalisation_drops_case_punctuation_articles_and_extra_spaces() -> None:
    assert ev.normalize_answer("  The Cat,  sat on A mat!  ") == "cat sat on mat"


def test_normalisation_removes_punctuation_of_any_script() -> None:
    assert ev.normalize_answer("„Zażółć” — gęślą jaźń…") == "zażółć gęślą jaźń"


def test_exact_match_ignores_case_punctuation_and_articles() -> None:
    assert ev.exact_match("The answer is Paris.", "answer is paris")
    assert not ev.exact_match("Paris", "Paris, France")


def test_f1_of_partial_overlap_is_the_harmonic_mean_of_precision_and_recall() -> None:
    # prediction: paris france (2 tokens); reference: paris (1 token); overlap 1 -> P=0.5, R=1, F1=2/3.
    assert ev.token_f1("Paris, France", "Paris") == pytest.approx(2 / 3)


def test_f1_counts_repeated_tokens_once_per_occurrence() -> None:
    # prediction tokens: yes yes yes; reference: yes no -> overlap 1, P=1/3, R=1/2, F1=0.4
    assert ev.token_f1("yes yes yes", "yes no") == pytest.approx(0.4)


def test_f1_without_common_tokens_is_zero_and_of_two_empty_answers_is_one() -> None:
    assert ev.token_f1("London", "Paris") == 0.0
    assert ev.token_f1("", "") == 1.0
    assert ev.token_f1("the", "Paris") == 0.0  # only an article: empty after normalisation


def test_sandbox_label_is_not_part_of_the_answer() -> None:
    assert ev.without_simulation_label('[simulated] {"a": 1}') == '{"a": 1}'
    assert ev.without_simulation_label("plain answer") == "plain answer"


# --- metrics: properties -----------------------------------------------------------------------------------

texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


@given(texts, texts)
def test_f1_is_between_zero_and_one(prediction: str, reference: str) -> None:
    assert 0.0 <= ev.token_f1(prediction, reference) <= 1.0


@given(texts, texts)
def test_f1_is_symmetric(prediction: str, reference: str) -> None:
    assert ev.token_f1(prediction, reference) == pytest.approx(ev.token_f1(reference, prediction))


@given(texts, texts)
def test_exact_match_implies_f1_of_one(prediction: str, reference: str) -> None:
    if ev.exact_match(prediction, reference):
        assert ev.token_f1(prediction, reference) == 1.0


@given(texts)
def test_an_answer_matches_itself_exactly_and_normalising_twice_changes_nothing(text: str) -> None:
    assert ev.exact_match(text, text)
    assert ev.token_f1(text, text) == 1.0
    once = ev.normalize_answer(text)
    assert ev.normalize_answer(once) == once


# --- cases from a file -------------------------------------------------------------------------------------


def test_chat_example_becomes_prompt_and_reference_without_dataset_only_keys() -> None:
    found = ev.eval_cases(numbered([chat_line("Q?", "A.")]))
    (case,) = found.cases
    assert [m["role"] for m in case.messages] == ["system", "user"]
    assert case.reference == "A." and case.question == "Q?"
    assert all("weight" not in m for m in case.messages)


def test_prompt_completion_and_dpo_examples_are_read() -> None:
    dpo = {
        "input": {"messages": [{"role": "user", "content": "Hi"}]},
        "preferred_output": [{"role": "assistant", "content": "Hello!"}],
        "non_preferred_output": [{"role": "assistant", "content": "Go away."}],
    }
    found = ev.eval_cases(numbered([{"prompt": "2+2=", "completion": " 4"}, dpo]))
    assert [c.reference for c in found.cases] == ["4", "Hello!"]


def test_lines_without_a_reference_are_skipped_with_a_reason() -> None:
    rft = {"messages": [{"role": "user", "content": "Solve it"}], "answer": "42"}
    found = ev.eval_cases(numbered([rft, ["not", "an", "object"], {"text": "?"}]))
    assert found.cases == ()
    assert [(s.line, s.reason) for s in found.skipped] == [
        (1, "no_reference"),
        (2, "not_an_object"),
        (3, "unknown_format"),
    ]


def tool_case() -> ev.EvalCase:
    record = {
        "messages": [
            {"role": "user", "content": "Weather in Oslo?"},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
                    }
                ],
            },
        ],
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}],
    }
    (case,) = ev.eval_cases(numbered([record])).cases
    return case


def test_a_reference_that_calls_a_tool_is_compared_by_its_call() -> None:
    case = tool_case()
    assert case.reference_tool_calls == (ev.ToolCall("get_weather", '{"city": "Oslo"}'),)
    assert case.tools and case.reference_text == 'get_weather {"city": "Oslo"}'


# --- format check ------------------------------------------------------------------------------------------


def test_json_reference_requires_json_of_the_same_kind() -> None:
    (case,) = ev.eval_cases(numbered([chat_line("Q", '{"capital": "Oslo"}')])).cases
    assert ev.format_check(case, '{"capital": "Bergen"}', ()) == ev.FormatCheck("json", True)
    assert ev.format_check(case, '["Oslo"]', ()) == ev.FormatCheck("json", False)
    assert ev.format_check(case, "The capital is Oslo.", ()) == ev.FormatCheck("json", False)


def test_plain_text_reference_has_no_format_to_check() -> None:
    (case,) = ev.eval_cases(numbered([chat_line("Q", "Oslo")])).cases
    assert not ev.format_check(case, "{}", ()).applies


def test_tool_reference_requires_the_same_tool_with_json_arguments() -> None:
    case = tool_case()
    assert ev.format_check(case, "", (ev.ToolCall("get_weather", '{"city": "Bergen"}'),)).ok
    assert not ev.format_check(case, "", (ev.ToolCall("get_time", "{}"),)).ok
    assert not ev.format_check(case, "", (ev.ToolCall("get_weather", "city=Oslo"),)).ok
    assert not ev.format_check(case, "It is sunny in Oslo.", ()).ok


def test_a_tool_call_with_the_same_arguments_in_another_order_is_an_exact_match() -> None:
    case = tool_case()
    reply = ev.ModelReply("", (ev.ToolCall("get_weather", '{ "city" : "Oslo" }'),))
    outcome = ev.score_reply(case, reply, ev.Contender("m", "fine_tuned"))
    assert outcome.exact_match and outcome.f1 == 1.0 and outcome.format.ok


# --- judge -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "score"),
    [
        ("Correct and concise.\nScore: 4", 4),
        ("**Score:** 5", 5),
        ("3", 3),
        ("Ocena: 2", 2),
        ("Score: 7", None),
        ("Score: 3.5", None),
        ("I cannot grade this.", None),
        ("[simulated] This is a base model.", None),
    ],
)
def test_judge_score_is_read_from_its_score_line(reply: str, score: int | None) -> None:
    assert ev.parse_judge_score(reply) == score


def test_judge_sees_the_rubric_the_format_line_and_the_answer() -> None:
    (case,) = ev.eval_cases(numbered([chat_line("Capital of Norway?", "Oslo")])).cases
    system, user = ev.judge_messages("Grade for accuracy.", case, "Bergen")
    assert system["content"].startswith("Grade for accuracy.") and "Score: N" in system["content"]
    assert "Capital of Norway?" in user["content"] and "Oslo" in user["content"] and "Bergen" in user["content"]


@pytest.mark.parametrize(
    ("model", "accepts"),
    [
        ("gpt-4o-mini-2024-07-18", True),
        ("ft:gpt-4.1-mini-2025-04-14:org::abc", True),
        ("o4-mini-2025-04-16", False),
        ("ft:o4-mini-2025-04-16:org:rft:xyz", False),
        ("gpt-5", False),
    ],
)
def test_reasoning_models_get_no_temperature(model: str, accepts: bool) -> None:
    assert ev.accepts_temperature(model) is accepts


# --- prices and estimates ----------------------------------------------------------------------------------


def test_fine_tuned_and_base_models_are_priced_from_the_catalog() -> None:
    book = load_catalog()
    tuned = ev.catalog_price(book, "gpt-4o-mini-2024-07-18", fine_tuned=True, provider="openai")
    base = ev.catalog_price(book, "gpt-4o-mini-2024-07-18", fine_tuned=False, provider="openai")
    assert tuned.known and base.known
    assert tuned.input_per_1m_usd is not None and base.input_per_1m_usd is not None
    assert tuned.input_per_1m_usd > base.input_per_1m_usd
    assert date.fromisoformat(tuned.as_of)


def test_a_model_the_catalog_does_not_know_has_an_unknown_price() -> None:
    price = ev.catalog_price(load_catalog(), "my-deployment", fine_tuned=True)
    assert not price.known
    assert ev.call_cost_usd(100, 10, price) is None


def test_call_cost_is_tokens_times_price_per_million() -> None:
    price = ev.Price(2.0, 8.0)
    assert ev.call_cost_usd(1_000, 500, price) == pytest.approx((1_000 * 2 + 500 * 8) / 1_000_000)


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


def test_last_three_checkpoints_are_the_three_latest_steps_oldest_first() -> None:
    views = [CheckpointView(id=f"c{s}", step=s, model=f"m:ckpt-step-{s}", created_at=s) for s in (30, 10, 40, 20)]
    assert [c.step for c in ev.last_checkpoints(views)] == [20, 30, 40]


# --- runs against the sandbox ------------------------------------------------------------------------------


def contenders(tuned: str, base: str) -> list[ev.Contender]:
    return [
        ev.Contender(tuned, "fine_tuned", ev.Price(0.3, 1.2)),
        ev.Contender(base, "base", ev.Price(0.15, 0.6)),
    ]


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


def test_results_csv_has_a_row_per_case_and_model_and_defuses_formulas(sandbox: tuple) -> None:
    client, tuned, base = sandbox
    cases = ev.eval_cases(numbered([chat_line("=HYPERLINK(1)", "Oslo"), chat_line("Q2", "Bergen")])).cases
    run = ev.advance(client, ev.start_run(cases, contenders(tuned, base), limit=2), cases=2)
    rows = list(csv.DictReader(io.StringIO(ev.results_csv(run))))
    assert len(rows) == 4 and set(rows[0]) == set(ev.CSV_COLUMNS)
    assert rows[0]["question"] == "'=HYPERLINK(1)"


# --- verdict on crafted summaries --------------------------------------------------------------------------


def summary(f1: float, *, valid: int = 0, applicable: int = 0, exact: int = 0, n: int = 20) -> ev.ModelSummary:
    return ev.ModelSummary(
        model="m", role="base", step=None, examples=n, answered=n, exact_matches=exact, mean_f1=f1,
        format_applicable=applicable, format_valid=valid, mean_answer_words=5.0, mean_latency_ms=10.0,
        input_tokens=0, output_tokens=0, cost_usd=None, judged=0, mean_judge_score=None,
    )  # fmt: skip


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
