"""Quiz scoring and the downloadable progress record."""

import csv
import io
import json

from finetune_guide.content import QuizOption, QuizQuestion
from finetune_guide.learning import LessonProgress, progress_as_csv, progress_as_json, score_quiz

QUESTION = QuizQuestion(
    "Q?", (QuizOption("a", False, "no"), QuizOption("b", True, "yes"), QuizOption("c", False, "no"))
)


def test_right_answers_score_and_wrong_or_skipped_do_not() -> None:
    result = score_quiz([QUESTION, QUESTION, QUESTION], [1, 0, None])
    assert (result.correct, result.total, result.right) == (1, 3, (True, False, False))
    assert result.percent == 33


def test_fewer_answers_than_questions_counts_the_rest_as_skipped() -> None:
    assert score_quiz([QUESTION, QUESTION], [1]).chosen == (1, None)


def test_progress_downloads_hold_every_lesson() -> None:
    progress = [LessonProgress("a", "Żółw", True, 3, 4), LessonProgress("b", "B", False, None, 3)]
    rows = list(csv.DictReader(io.StringIO(progress_as_csv(progress))))
    assert [row["read"] for row in rows] == ["yes", "no"] and rows[1]["quiz_correct"] == ""
    record = json.loads(progress_as_json(progress, "pl"))
    assert record["language"] == "pl" and record["lessons"][0]["title"] == "Żółw"
