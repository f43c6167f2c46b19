"""A learner's progress through the lessons: quiz scoring and a downloadable record (pure)."""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from finetune_guide.content import Lesson, QuizQuestion


@dataclass(frozen=True, slots=True)
class QuizResult:
    correct: int
    total: int
    # One entry per question: the option chosen (or None if skipped) and whether it was right.
    chosen: tuple[int | None, ...]
    right: tuple[bool, ...]

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0


@dataclass(frozen=True, slots=True)
class LessonProgress:
    lesson_id: str
    title: str
    read: bool
    quiz_correct: int | None
    quiz_total: int


def score_quiz(questions: Sequence[QuizQuestion], chosen: Sequence[int | None]) -> QuizResult:
    """Score answers given as option indexes; a missing or out-of-range answer counts as wrong."""
    answers = tuple(chosen[i] if i < len(chosen) else None for i in range(len(questions)))
    right = tuple(answer == question.correct_index for question, answer in zip(questions, answers, strict=True))
    return QuizResult(correct=sum(right), total=len(questions), chosen=answers, right=right)


def option_orders(questions: Sequence[QuizQuestion], seed: int) -> tuple[tuple[int, ...], ...]:
    """For each question, the order in which to show its options (as original indexes), fixed by the seed.

    The same seed gives the same order, so a page rerun shows the quiz unchanged; a new attempt takes a new seed."""
    orders = []
    for number, question in enumerate(questions, start=1):
        order = list(range(len(question.options)))
        # Reproducible on purpose: the order is no secret, it only has to be the same on every rerun.
        random.Random(f"{seed}:{number}").shuffle(order)  # noqa: S311
        orders.append(tuple(order))
    return tuple(orders)


def unanswered(questions: Sequence[QuizQuestion], chosen: Sequence[int | None]) -> tuple[int, ...]:
    """The numbers (from 1) of the questions with no answer, so the learner can be told before scoring."""
    return tuple(
        number
        for number, _question in enumerate(questions, start=1)
        if number > len(chosen) or chosen[number - 1] is None
    )


def summarise_progress(
    lessons: Sequence[Lesson], read: frozenset[str], best_scores: Mapping[str, int]
) -> tuple[LessonProgress, ...]:
    return tuple(
        LessonProgress(
            lesson_id=lesson.id,
            title=lesson.title,
            read=lesson.id in read,
            quiz_correct=best_scores.get(lesson.id),
            quiz_total=len(lesson.quiz),
        )
        for lesson in lessons
    )


def progress_as_json(progress: Sequence[LessonProgress], language: str) -> str:
    return json.dumps(
        {"language": language, "lessons": [asdict(item) for item in progress]}, ensure_ascii=False, indent=2
    )


def progress_as_csv(progress: Sequence[LessonProgress]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["lesson_id", "title", "read", "quiz_correct", "quiz_total"])
    for item in progress:
        writer.writerow(
            [
                item.lesson_id,
                item.title,
                "yes" if item.read else "no",
                "" if item.quiz_correct is None else item.quiz_correct,
                item.quiz_total,
            ]
        )
    return buffer.getvalue()
