"""Widgets of the "Should I fine-tune?" page: questions, the shared link, the readiness chart, next steps."""

from __future__ import annotations

from urllib.parse import urlencode

import plotly.graph_objects as go
import streamlit as st

from finetune_guide import decision
from finetune_guide.ui import learn, state
from finetune_guide.ui.i18n import current_language, t

LINK_PARAM = "a"


def apply_shared_link(guide: decision.Guide) -> None:
    """Load ?a=question:answer,... once (when it differs from what this session wrote) and say how it went."""
    raw = st.query_params.get(LINK_PARAM)
    if raw is not None and raw != state.decide_link():
        shared = decision.decode_answers(raw, guide)
        state.reset_decide()
        state.set_decide_answers(shared.answers)
        state.set_decide_step(len(guide.questions))
        state.set_decide_notice(("link_ignored", shared.ignored) if shared.ignored else ("link_restored", 0))
    if notice := state.decide_notice():
        st.info(t(f"decide.{notice[0]}", count=notice[1]), icon=":material/link:")
        state.set_decide_notice(None)


def keep_answers_in_address(answers: dict[str, str], guide: decision.Guide) -> None:
    """Mirror the answers into ?a=, so a reload or a copied address restores them."""
    encoded = decision.encode_answers(answers, guide)
    if encoded:
        st.query_params[LINK_PARAM] = encoded
    else:
        st.query_params.pop(LINK_PARAM, None)
    state.set_decide_link(encoded or None)


def _ask(question: decision.Question, answers: dict[str, str], key: str) -> str | None:
    # Labels are looked up now, in this run's language, not lazily inside format_func.
    labels = {answer.id: t(f"decide.q.{question.id}.a.{answer.id}") for answer in question.answers}
    options = list(labels)
    current = answers.get(question.id)
    return st.radio(
        t(f"decide.q.{question.id}.title"),
        options,
        index=options.index(current) if current in options else None,
        format_func=labels.__getitem__,
        help=t(f"decide.q.{question.id}.help"),
        key=f"{key}.{question.id}",
    )


def one_question(guide: decision.Guide, step: int, answers: dict[str, str]) -> dict[str, str]:
    """The wizard: one question with Back and Next; Next stays disabled until the question has an answer."""
    total = len(guide.questions)
    question = guide.questions[step]
    st.progress(step / total, text=t("decide.progress", n=step + 1, total=total))
    choice = _ask(question, answers, "decide.q")
    if choice is not None:
        answers = {**answers, question.id: choice}
        state.set_decide_answers(answers)
    back, forward, _ = st.columns([1, 1, 4])
    back.button(
        t("decide.back"),
        disabled=step == 0,
        on_click=state.set_decide_step,
        args=(step - 1,),
        key="decide.back",
    )
    forward.button(
        t("decide.next") if step < total - 1 else t("decide.see_result"),
        type="primary",
        disabled=choice is None,
        on_click=state.set_decide_step,
        args=(step + 1,),
        key="decide.next",
    )
    return answers


def all_questions(guide: decision.Guide, answers: dict[str, str]) -> dict[str, str]:
    """Every question in one form; a submit with gaps keeps what was chosen and names what is missing."""
    with st.form("decide.all_form"):
        chosen = {question.id: _ask(question, answers, "decide.q.all") for question in guide.questions}
        submitted = st.form_submit_button(t("decide.see_result"), type="primary")
    if not submitted:
        return answers
    answers = {question_id: answer for question_id, answer in chosen.items() if answer}
    state.set_decide_answers(answers)
    state.set_decide_step(len(guide.questions))
    missing = [question.id for question in guide.questions if question.id not in answers]
    if not missing:
        st.rerun()
    st.warning(t("decide.unanswered", names=", ".join(t(f"decide.q.{q}.short") for q in missing)))
    return answers


def readiness_chart(rec: decision.Recommendation) -> None:
    """A bar per readiness dimension, and the answers behind each score."""
    scores = [item.score for item in rec.scores]
    figure = go.Figure(
        go.Bar(
            x=scores,
            y=[t(f"decide.dim.{item.dimension}") for item in rec.scores],
            orientation="h",
            text=scores,
            marker_color=["#2e7d32" if s >= 70 else "#f9a825" if s >= 40 else "#c62828" for s in scores],
        )
    )
    figure.update_layout(
        xaxis={"range": [0, 100], "title": t("decide.chart_axis")},
        yaxis={"autorange": "reversed"},
        height=300,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
    )
    st.plotly_chart(figure, key="decide.chart")
    with st.expander(t("decide.drivers_expander")):
        rows = [
            {
                t("decide.col_dimension"): t(f"decide.dim.{item.dimension}"),
                t("decide.col_question"): t(f"decide.q.{driver.question}.short"),
                t("decide.col_answer"): t(f"decide.q.{driver.question}.a.{driver.answer}"),
                t("decide.col_points"): driver.points,
            }
            for item in rec.scores
            for driver in item.drivers
        ]
        st.dataframe(rows, hide_index=True)


def next_steps(rec: decision.Recommendation) -> None:
    """Links into the app: a lesson opens on the Learn page; a page missing from this build is grey text."""
    for step in rec.next_steps:
        label, icon = t(f"decide.step.{step.code}"), ":material/east:"
        page, query = ("learn", {"lesson": step.target}) if step.kind == "lesson" else (step.target, None)
        try:
            st.page_link(learn.PAGE_FILES[page], label=label, icon=icon, query_params=query)
        except st.errors.StreamlitAPIException:
            st.caption(f"{icon} {label}")


def share_url(answers: dict[str, str], guide: decision.Guide) -> str:
    query = urlencode({"lang": current_language(), LINK_PARAM: decision.encode_answers(answers, guide)}, safe=":,")
    return f"{(st.context.url or '').split('?')[0] or '/decide'}?{query}"


def start_over() -> None:
    state.reset_decide()
    st.query_params.pop(LINK_PARAM, None)
