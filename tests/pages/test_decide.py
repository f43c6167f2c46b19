"""Decide page ("Should I fine-tune?"):
- the wizard starts at question 1 of 10 with a progress bar; Back is disabled on the first question and Next
  until the question has an answer;
- answering and pressing Next walks from the first question to an explained result, in English and Polish;
- Back returns to the previous question with its answer kept;
- the result shows the recommendation, why, a readiness chart, blockers, next steps, provider advice,
  a shareable link and a Markdown summary to download;
- "all questions at once" asks everything in one form; a submit with gaps names the missing questions and
  keeps the answers given;
- a shared link (?a=...) opened in a fresh session shows the same result; the link on the result page
  carries exactly those answers;
- unknown or malformed parts of a link are left out with a gentle message, never an exception; a partial
  link resumes at the first unanswered question;
- "Change answers" returns to the last question; "Start over" clears the answers and the link;
- switching the language keeps the answers.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from finetune_guide import decision, i18n
from tests.pages.conftest import open_page

PAGE = "app_pages/decide.py"
GUIDE = decision.default_guide()
STRINGS = {lang: i18n.load_strings(lang) for lang in i18n.LANGUAGES}
SFT_READY = {
    "problem": "format",
    "knowledge": "no",
    "tried": "prompt",
    "baseline": "measured",
    "evaluation": "holdout",
    "data": "some",
    "data_kind": "demonstrations",
    "history": "none",
    "provider": "openai_new",
    "budget": "approved",
}
SFT_LINK = decision.encode_answers(SFT_READY, GUIDE)


def open_decide(lang: str = "en", **query: str) -> AppTest:
    app = open_page(PAGE, lang, **query)
    assert not app.exception, app.exception
    return app


def text(lang: str, key: str, **values: object) -> str:
    return STRINGS[lang][f"decide.{key}"].format(**values)


def walk_wizard(app: AppTest, answers: dict[str, str]) -> AppTest:
    for question in GUIDE.questions:
        app.radio(key=f"decide.q.{question.id}").set_value(answers[question.id]).run()
        app.button(key="decide.next").click().run()
        assert not app.exception, app.exception
    return app


def outcome_title(app: AppTest) -> str:
    return app.header[0].value


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_wizard_starts_on_the_first_question_with_next_disabled(lang: str) -> None:
    app = open_decide(lang)
    assert app.title[0].value == text(lang, "title")
    assert app.radio(key="decide.q.problem").label == text(lang, "q.problem.title")
    assert app.get("progress")[0].proto.text == text(lang, "progress", n=1, total=len(GUIDE.questions))
    assert app.button(key="decide.back").disabled
    assert app.button(key="decide.next").disabled


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_wizard_walks_from_the_first_question_to_the_result(lang: str) -> None:
    app = walk_wizard(open_decide(lang), SFT_READY)
    assert outcome_title(app) == text(lang, "outcome.sft.title")
    markdown = "\n".join(m.value for m in app.markdown)
    assert text(lang, "reason.behaviour_gap") in markdown
    assert text(lang, "provider.openai_closed", new="2026-05-07", inactive="2026-07-02") in markdown
    assert app.get("plotly_chart"), "the readiness chart is missing"
    assert app.get("download_button")
    assert app.query_params["a"] == SFT_LINK
    assert app.code[0].value.endswith(f"?lang={lang}&a={SFT_LINK}")


def test_every_texted_key_on_the_result_resolves() -> None:
    app = walk_wizard(open_decide("pl"), SFT_READY)
    shown = [e.value for e in (*app.markdown, *app.header, *app.subheader, *app.caption, *app.warning)]
    assert not [value for value in shown if str(value).startswith("decide.")]


def test_back_returns_to_the_previous_question_with_its_answer_kept() -> None:
    app = open_decide()
    app.radio(key="decide.q.problem").set_value("tools").run()
    app.button(key="decide.next").click().run()
    assert app.radio(key="decide.q.knowledge")
    app.button(key="decide.back").click().run()
    assert app.radio(key="decide.q.problem").value == "tools"
    assert not app.button(key="decide.next").disabled


def test_result_shows_blockers_and_steps_when_not_ready() -> None:
    app = open_decide(a=decision.encode_answers({**SFT_READY, "data": "few"}, GUIDE))
    assert outcome_title(app) == text("en", "outcome.not_ready.title")
    assert text("en", "blocker.too_little_data") in [w.value for w in app.warning]
    # A page not registered in this build shows as a grey caption instead of a link.
    steps = [c.value for c in app.caption] + [link.proto.label for link in app.get("page_link")]
    assert any(text("en", "step.studio") in step for step in steps)
    assert any(text("en", "step.preparing_data") in step for step in steps)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_all_at_once_mode_gives_the_result_in_one_submit(lang: str) -> None:
    app = open_decide(lang)
    app.toggle(key="decide.mode_all").set_value(True).run()
    assert len([r for r in app.radio if str(r.key).startswith("decide.q.all.")]) == len(GUIDE.questions)
    for question_id, answer_id in {**SFT_READY, "problem": "knowledge"}.items():
        app.radio(key=f"decide.q.all.{question_id}").set_value(answer_id)
    next(b for b in app.button if b.label == text(lang, "see_result")).click().run()
    assert not app.exception, app.exception
    assert outcome_title(app) == text(lang, "outcome.rag.title")


def test_all_at_once_with_gaps_names_what_is_missing_and_keeps_the_rest() -> None:
    app = open_decide()
    app.toggle(key="decide.mode_all").set_value(True).run()
    app.radio(key="decide.q.all.problem").set_value("style")
    app.radio(key="decide.q.all.data").set_value("many")
    next(b for b in app.button if b.label == text("en", "see_result")).click().run()
    assert not app.exception
    warning = app.warning[0].value
    assert text("en", "q.budget.short") in warning and text("en", "q.problem.short") not in warning
    assert app.radio(key="decide.q.all.problem").value == "style"
    assert app.query_params["a"] == "problem:style,data:many"
    assert not app.header


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_shared_link_in_a_fresh_session_restores_the_same_result(lang: str) -> None:
    walked = walk_wizard(open_decide(lang), SFT_READY)
    opened = open_decide(lang, a=walked.query_params["a"])
    assert outcome_title(opened) == outcome_title(walked)
    assert [m.value for m in opened.markdown] == [m.value for m in walked.markdown]
    assert opened.info[0].value == text(lang, "link_restored")


def test_link_with_unknown_parts_keeps_the_rest_and_says_so_gently() -> None:
    app = open_decide(a=SFT_LINK + ",colour:blue,budget:infinite,<b>x</b>")
    assert outcome_title(app) == text("en", "outcome.sft.title")
    assert app.info[0].value == text("en", "link_ignored", count=3)
    assert not app.error


@pytest.mark.parametrize("raw", ["", ",,,", "nonsense", "problem:", ":", "problem:format" * 200])
def test_a_garbage_link_never_crashes(raw: str) -> None:
    app = open_decide(a=raw)
    assert not app.exception
    assert app.radio(key="decide.q.problem") or app.radio(key="decide.q.knowledge")


def test_a_partial_link_resumes_at_the_first_unanswered_question() -> None:
    app = open_decide(a="problem:style,knowledge:no,baseline:measured")
    assert app.radio(key="decide.q.tried").value is None
    assert app.get("progress")[0].proto.text == text("en", "progress", n=3, total=len(GUIDE.questions))
    app.radio(key="decide.q.tried").set_value("prompt").run()
    app.button(key="decide.next").click().run()
    assert app.radio(key="decide.q.baseline").value == "measured"


def test_change_answers_returns_to_the_last_question() -> None:
    app = open_decide(a=SFT_LINK)
    app.button(key="decide.change").click().run()
    last = GUIDE.questions[-1].id
    assert app.radio(key=f"decide.q.{last}").value == SFT_READY[last]
    app.radio(key=f"decide.q.{last}").set_value("none").run()
    app.button(key="decide.next").click().run()
    assert outcome_title(app) == text("en", "outcome.not_ready.title")


def test_start_over_clears_the_answers_and_the_link() -> None:
    app = open_decide(a=SFT_LINK)
    app.button(key="decide.restart").click().run()
    assert not app.exception
    assert "a" not in app.query_params
    assert app.radio(key="decide.q.problem").value is None
    assert not app.header


def test_switching_language_keeps_the_answers() -> None:
    app = open_decide("en", a=SFT_LINK)
    app.sidebar.radio(key="app.language_switch").set_value("pl").run()
    # AppTest lands on the default page after the router's st.rerun(); a browser stays (see the browser test).
    app.switch_page(PAGE).run()
    assert not app.exception
    assert outcome_title(app) == text("pl", "outcome.sft.title")
    assert app.query_params["a"] == SFT_LINK
