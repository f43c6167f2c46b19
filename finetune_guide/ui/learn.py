"""Cached content loaders and the learner's progress in session state."""

from __future__ import annotations

import secrets

import streamlit as st

from finetune_guide import content
from finetune_guide.learning import QuizResult, option_orders, score_quiz, unanswered
from finetune_guide.ui import state
from finetune_guide.ui.i18n import t


@st.cache_data(show_spinner=False)
def lessons(language: str) -> tuple[content.Lesson, ...]:
    return content.load_lessons(language)


@st.cache_data(show_spinner=False)
def resources() -> tuple[content.Resource, ...]:
    return content.load_resources()


@st.cache_data(show_spinner=False)
def search_synonyms() -> content.SearchSynonyms:
    return content.load_search_synonyms()


def _progress() -> dict[str, dict[str, int | bool]]:
    return st.session_state.setdefault(state.LESSON_PROGRESS, {})


def mark_read(lesson_id: str) -> None:
    _progress().setdefault(lesson_id, {})["read"] = True


def read_lessons() -> frozenset[str]:
    return frozenset(lesson for lesson, record in _progress().items() if record.get("read"))


def record_quiz(lesson_id: str, result: QuizResult) -> None:
    record = _progress().setdefault(lesson_id, {})
    record["read"] = True
    record["best"] = max(int(record.get("best", 0)), result.correct)


def best_scores() -> dict[str, int]:
    return {lesson: int(record["best"]) for lesson, record in _progress().items() if "best" in record}


def page_link(page: str, label: str, icon: str | None = None, **query: str) -> None:
    """A link to another page of the app, or plain text when that page is not registered in this build."""
    try:
        st.page_link(page, label=label, icon=icon, query_params=query or None)
    except st.errors.StreamlitAPIException:
        st.markdown(f"- {label}")


# Page slugs used in content (lessons' related_page, decision next steps) -> page scripts.
PAGE_FILES: dict[str, str] = {
    "home": "app_pages/home.py",
    "learn": "app_pages/learn.py",
    "resources": "app_pages/resources.py",
    "decide": "app_pages/decide.py",
    "studio": "app_pages/studio.py",
    "calculator": "app_pages/calculator.py",
    "token-lab": "app_pages/token_lab.py",
    "jobs": "app_pages/jobs.py",
    "compare": "app_pages/compare.py",
}


def _quiz_seed_key(lesson: content.Lesson) -> str:
    return f"learn.quiz_seed.{lesson.language}.{lesson.id}"


def quiz_seed(lesson: content.Lesson) -> int:
    """The seed of the current attempt: kept for the session, so reruns show the options in the same order."""
    seed = st.session_state.setdefault(_quiz_seed_key(lesson), secrets.randbelow(2**31))
    return int(seed)


def new_attempt(lesson: content.Lesson) -> None:
    """Forget the score and the answers and take the next seed, so the options come in a new order."""
    st.session_state[_quiz_seed_key(lesson)] = quiz_seed(lesson) + 1
    for key in (f"learn.quiz_result.{lesson.language}.{lesson.id}", f"learn.quiz_blanks.{lesson.language}.{lesson.id}"):
        st.session_state.pop(key, None)


def _blank_warning(numbers: tuple[int, ...]) -> str:
    listed = ", ".join(map(str, numbers))
    return t("learn.blank_warning_one" if len(numbers) == 1 else "learn.blank_warning_many", numbers=listed)


def knowledge_check(lesson: content.Lesson) -> None:
    """The lesson's quiz as a form, its options shuffled per attempt; blanks are named before they are scored;
    after scoring, every option shows why it is right or wrong."""
    result_key = f"learn.quiz_result.{lesson.language}.{lesson.id}"
    blanks_key = f"learn.quiz_blanks.{lesson.language}.{lesson.id}"
    seed = quiz_seed(lesson)
    orders = option_orders(lesson.quiz, seed)
    with st.form(f"learn.quiz.{lesson.id}"):
        chosen: list[int | None] = []
        for number, (question, order) in enumerate(zip(lesson.quiz, orders, strict=True), start=1):
            texts = [option.text for option in question.options]
            chosen.append(
                st.radio(
                    f"{number}. {question.question}",
                    order,
                    format_func=texts.__getitem__,
                    index=None,
                    key=f"learn.quiz.{lesson.language}.{lesson.id}.{seed}.{number}",
                )
            )
        if st.form_submit_button(t("learn.check_answers"), type="primary"):
            blanks = unanswered(lesson.quiz, chosen)
            if blanks and st.session_state.get(blanks_key) != blanks:
                # First submit with blanks: say which, and score only if the learner submits them again.
                st.session_state[blanks_key] = blanks
            else:
                st.session_state.pop(blanks_key, None)
                was_read = lesson.id in read_lessons()
                submitted = score_quiz(lesson.quiz, chosen)
                st.session_state[result_key] = submitted
                record_quiz(lesson.id, submitted)
                if not was_read:
                    # The quiz has just counted the lesson as read: redraw, so "Mark as read" and the lesson
                    # list above this form show it.
                    st.rerun()
    pending = st.session_state.get(blanks_key)
    if pending:
        st.warning(_blank_warning(tuple(pending)), icon=":material/help:")
    result = st.session_state.get(result_key)
    if not isinstance(result, QuizResult):
        return
    st.metric(t("learn.score"), t("learn.score_value", correct=result.correct, total=result.total))
    for number, (question, order, answer, right) in enumerate(
        zip(lesson.quiz, orders, result.chosen, result.right, strict=True), start=1
    ):
        with st.expander(f"{'✅' if right else '❌'} {number}. {question.question}", expanded=not right):
            for index in order:
                option = question.options[index]
                marker = "✔️" if option.correct else ("✖️" if index == answer else "•")
                picked = t("learn.your_answer") if index == answer else ""
                st.markdown(f"{marker} **{option.text}** {picked}")
                st.caption(option.why)
    if st.button(t("learn.try_again"), key=f"learn.try_again.{lesson.language}.{lesson.id}", icon=":material/shuffle:"):
        new_attempt(lesson)
        st.rerun()
