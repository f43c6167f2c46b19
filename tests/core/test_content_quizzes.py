"""Every knowledge check, in every language, measured as a learner would game it:
- the correct option is the longest in at most 40% of the questions, and the shortest in at most 40%;
- no question is asked twice, in the same or in nearly the same words, across all the quizzes of a language;
- most questions are scenarios: they set a scene in a sentence of their own before they ask.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

import pytest

from finetune_guide import content
from finetune_guide.i18n import LANGUAGES

GIVEAWAY_LIMIT = 0.40
SCENARIO_SHARE = 0.80
NEAR_DUPLICATE = 0.80


def _questions(language: str) -> list[tuple[str, content.QuizQuestion]]:
    return [
        (f"{lesson.id} #{number}", question)
        for lesson in content.load_lessons(language)
        for number, question in enumerate(lesson.quiz, start=1)
    ]


def _correct_stands_out(question: content.QuizQuestion, longest: bool) -> bool:
    """True when the correct option is strictly longer (or strictly shorter) than every other option."""
    lengths = [len(option.text) for option in question.options]
    mine = lengths[question.correct_index]
    others = [length for index, length in enumerate(lengths) if index != question.correct_index]
    return all(mine > other for other in others) if longest else all(mine < other for other in others)


def _normalised(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return " ".join(re.findall(r"\w+", "".join(char for char in folded if not unicodedata.combining(char))))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("longest", [True, False], ids=["longest", "shortest"])
def test_option_length_does_not_give_the_answer_away(language: str, longest: bool) -> None:
    questions = _questions(language)
    giveaways = [where for where, question in questions if _correct_stands_out(question, longest)]
    assert len(giveaways) / len(questions) <= GIVEAWAY_LIMIT, giveaways


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_question_is_asked_twice(language: str) -> None:
    texts = [(where, _normalised(question.question)) for where, question in _questions(language)]
    seen: dict[str, str] = {}
    for where, text in texts:
        assert text not in seen, f"{where} repeats {seen[text]}"
        seen[text] = where
    close = [
        (first, second)
        for index, (first, text) in enumerate(texts)
        for second, other in texts[index + 1 :]
        if difflib.SequenceMatcher(None, text, other).ratio() >= NEAR_DUPLICATE
    ]
    assert close == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_most_questions_are_scenarios(language: str) -> None:
    questions = _questions(language)
    recall = [
        where
        for where, question in questions
        if len([part for part in re.split(r"(?<=[.?!:])\s+", question.question) if part]) < 2
    ]
    assert 1 - len(recall) / len(questions) >= SCENARIO_SHARE, recall


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_option_explains_itself_and_one_is_correct(language: str) -> None:
    for where, question in _questions(language):
        assert sum(option.correct for option in question.options) == 1, where
        assert all(option.why.strip() for option in question.options), where
        assert len({_normalised(option.text) for option in question.options}) == len(question.options), where
