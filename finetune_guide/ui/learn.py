"""Cached content loaders and the learner's progress in session state."""

from __future__ import annotations

import streamlit as st

from finetune_guide import content
from finetune_guide.learning import QuizResult, score_quiz
from finetune_guide.ui import state
from finetune_guide.ui.i18n import t


@st.cache_data(show_spinner=False)
def lessons(language: str) -> tuple[content.Lesson, ...]:
    return content.load_lessons(language)


@st.cache_data(show_spinner=False)
def resources() -> tuple[content.Resource, ...]:
    return content.load_resources()


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


def knowledge_check(lesson: content.Lesson) -> None:
    """The lesson's quiz as a form; after submitting, every option shows why it is right or wrong."""
    result_key = f"learn.quiz_result.{lesson.language}.{lesson.id}"
    with st.form(f"learn.quiz.{lesson.id}"):
        chosen: list[int | None] = []
        for number, question in enumerate(lesson.quiz, start=1):
            texts = [option.text for option in question.options]
            chosen.append(
                st.radio(
                    f"{number}. {question.question}",
                    range(len(texts)),
                    format_func=texts.__getitem__,
                    index=None,
                    key=f"learn.quiz.{lesson.language}.{lesson.id}.{number}",
                )
            )
        if st.form_submit_button(t("learn.check_answers"), type="primary"):
            submitted = score_quiz(lesson.quiz, chosen)
            st.session_state[result_key] = submitted
            record_quiz(lesson.id, submitted)
    result = st.session_state.get(result_key)
    if not isinstance(result, QuizResult):
        return
    st.metric(t("learn.score"), t("learn.score_value", correct=result.correct, total=result.total))
    for number, (question, answer, right) in enumerate(
        zip(lesson.quiz, result.chosen, result.right, strict=True), start=1
    ):
        with st.expander(f"{'✅' if right else '❌'} {number}. {question.question}", expanded=not right):
            for index, option in enumerate(question.options):
                marker = "✔️" if option.correct else ("✖️" if index == answer else "•")
                picked = t("learn.your_answer") if index == answer else ""
                st.markdown(f"{marker} **{option.text}** {picked}")
                st.caption(option.why)
