"""evaluation.judge: the judge's request and reading its score back."""

from __future__ import annotations

import pytest

from finetune_guide import evaluation as ev
from tests.support.evaluation import chat_line, numbered


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
