"""evaluation.metrics: SQuAD-style exact match and F1, and the format check."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finetune_guide import evaluation as ev
from tests.support.evaluation import chat_line, numbered, tool_case


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
