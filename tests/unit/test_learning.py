"""Quiz scoring, the shuffled option order of an attempt, the blanks named before scoring, and the downloadable
progress record."""

import csv
import io
import json

from finetune_guide.content import QuizOption, QuizQuestion
from finetune_guide.learning import (
    LessonProgress,
    option_orders,
    progress_as_csv,
    progress_as_json,
    score_quiz,
    unanswered,
)

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


FOUR = QuizQuestion("Q4?", tuple(QuizOption(text, text == "b", "because") for text in "abcd"))


def test_the_same_seed_always_gives_the_same_option_order() -> None:
    quiz = [FOUR, QUESTION, FOUR]
    assert option_orders(quiz, 1234) == option_orders(quiz, 1234)


def test_every_order_shows_every_option_once() -> None:
    for seed in range(50):
        for order, question in zip(option_orders([FOUR, QUESTION], seed), [FOUR, QUESTION], strict=True):
            assert sorted(order) == list(range(len(question.options)))


def test_new_seeds_reshuffle_and_the_correct_option_moves() -> None:
    orders = {option_orders([FOUR], seed)[0] for seed in range(40)}
    assert len(orders) > 10
    # Where the correct option (index 1) is shown varies from attempt to attempt.
    assert {order.index(1) for order in orders} == {0, 1, 2, 3}


def test_questions_of_one_attempt_are_shuffled_independently() -> None:
    assert any(len(set(option_orders([FOUR, FOUR, FOUR], seed))) > 1 for seed in range(5))


def test_unanswered_names_the_blank_questions_from_one() -> None:
    assert unanswered([QUESTION, QUESTION, QUESTION], [1, None, 0]) == (2,)
    assert unanswered([QUESTION, QUESTION], [None]) == (1, 2)
    assert unanswered([QUESTION], [2]) == ()
