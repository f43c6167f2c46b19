"""The "Should I fine-tune?" guide in headless Chromium, with screenshots: the wizard walked in English and
Polish, all questions at once, a shared link opened fresh, the language switch on the result, start over,
a lesson link and the Markdown download."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from finetune_guide import decision, i18n
from finetune_guide.content import load_lessons
from tests.browser.support import assert_no_exception, open_app, shot, wait_idle

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
GRADABLE = {
    **SFT_READY,
    "problem": "reasoning",
    "evaluation": "grader",
    "data_kind": "gradable",
    "history": "azure",  # RFT is trained on Azure by existing customers only
    "provider": "azure",
}


def text(lang: str, key: str, **values: object) -> str:
    return STRINGS[lang][f"decide.{key}"].format(**values)


def choose(page: Page, lang: str, question_id: str, answer_id: str) -> None:
    label = text(lang, f"q.{question_id}.a.{answer_id}")
    page.locator('[data-testid="stRadio"]').get_by_text(label, exact=True).click()
    wait_idle(page)


def click(page: Page, label: str) -> None:
    page.get_by_role("button", name=label, exact=True).click()
    wait_idle(page)


def outcome_heading(page: Page, lang: str, outcome: str) -> Locator:
    return page.get_by_role("heading", name=text(lang, f"outcome.{outcome}.title"))


@pytest.mark.parametrize(("lang", "answers", "outcome"), [("en", SFT_READY, "sft"), ("pl", GRADABLE, "rft")])
def test_wizard_walks_from_the_first_question_to_the_result(
    page: Page, app_url: str, lang: str, answers: dict[str, str], outcome: str
) -> None:
    open_app(page, app_url, "decide", lang)
    total = len(GUIDE.questions)
    expect(page.get_by_text(text(lang, "progress", n=1, total=total))).to_be_visible()
    expect(page.get_by_role("button", name=text(lang, "next"), exact=True)).to_be_disabled()
    shot(page, f"decide-wizard-first-{lang}")
    for number, question in enumerate(GUIDE.questions, start=1):
        expect(page.get_by_text(text(lang, "progress", n=number, total=total))).to_be_visible()
        choose(page, lang, question.id, answers[question.id])
        if number == 5:
            shot(page, f"decide-wizard-middle-{lang}")
        click(page, text(lang, "see_result") if number == total else text(lang, "next"))
        assert_no_exception(page)
    expect(outcome_heading(page, lang, outcome)).to_be_visible()
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_be_visible()
    expect(page.get_by_text(text(lang, "download"))).to_be_visible()
    assert f"a={decision.encode_answers(answers, GUIDE)}" in page.url.replace("%3A", ":").replace("%2C", ",")
    shot(page, f"decide-result-{outcome}-{lang}")


def test_all_questions_at_once(page: Page, app_url: str) -> None:
    open_app(page, app_url, "decide", "en")
    page.get_by_text(text("en", "mode_all"), exact=True).click()
    wait_idle(page)
    for question in GUIDE.questions:
        label = text("en", f"q.{question.id}.a.{SFT_READY[question.id]}")
        page.locator('[data-testid="stRadio"]').get_by_text(label, exact=True).click()
    shot(page, "decide-all-at-once-en")
    page.get_by_role("button", name=text("en", "see_result")).click()
    wait_idle(page)
    expect(outcome_heading(page, "en", "sft")).to_be_visible()
    assert_no_exception(page)


def test_shared_link_opened_fresh_shows_the_same_result_and_switches_language(page: Page, app_url: str) -> None:
    link = decision.encode_answers({**SFT_READY, "data": "few"}, GUIDE)
    open_app(page, app_url, f"decide?a={link},colour:blue", "en")
    expect(outcome_heading(page, "en", "not_ready")).to_be_visible()
    expect(page.get_by_text(text("en", "link_ignored", count=1))).to_be_visible()
    expect(page.get_by_text(text("en", "blocker.too_little_data"))).to_be_visible()
    shot(page, "decide-shared-link-en")
    page.locator("[data-testid=stSidebar]").get_by_text("Polski").click()
    page.wait_for_url("**lang=pl**")
    wait_idle(page)
    expect(outcome_heading(page, "pl", "not_ready")).to_be_visible()
    expect(page.get_by_text(text("pl", "blocker.too_little_data"))).to_be_visible()
    assert_no_exception(page)
    shot(page, "decide-shared-link-pl")


def test_start_over_returns_to_the_first_question(page: Page, app_url: str) -> None:
    open_app(page, app_url, f"decide?a={decision.encode_answers(SFT_READY, GUIDE)}", "pl")
    expect(outcome_heading(page, "pl", "sft")).to_be_visible()
    click(page, text("pl", "start_over"))
    expect(page.get_by_text(text("pl", "q.problem.title"))).to_be_visible()
    expect(page.get_by_role("heading", name=text("pl", "outcome.sft.title"))).to_have_count(0)
    assert "a=" not in page.url
    assert_no_exception(page)


def test_a_lesson_step_opens_that_lesson_and_the_summary_downloads(page: Page, app_url: str) -> None:
    open_app(page, app_url, f"decide?a={decision.encode_answers(SFT_READY, GUIDE)}", "pl")
    with page.expect_download() as download:
        page.get_by_role("button", name=text("pl", "download")).click()
    summary = download.value.path().read_text(encoding="utf-8")
    assert download.value.suggested_filename == text("pl", "download_file")
    assert f"## {text('pl', 'outcome.sft.title')}" in summary
    assert "a=problem:format" in summary
    page.get_by_role("link", name=text("pl", "step.preparing_data")).click()
    page.wait_for_url("**/learn?**lesson=preparing-data**")
    wait_idle(page)
    title = next(lesson.title for lesson in load_lessons("pl") if lesson.id == "preparing-data")
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    assert_no_exception(page)
