"""Every registered page, opened in headless Chromium in English and Polish: no exception box, a title,
and a screenshot under test-output/screenshots/ to look at."""

import pytest
from playwright.sync_api import expect

from finetune_guide.content import load_resources
from tests.browser.support import assert_no_exception, open_app, shot
from tests.site import LANGUAGES, registered_pages


@pytest.mark.parametrize(("script", "url_path"), registered_pages())
@pytest.mark.parametrize("lang", LANGUAGES)
def test_page_renders_in_the_browser(page, app_url: str, script: str, url_path: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    open_app(page, app_url, url_path, lang)
    assert_no_exception(page)
    assert page.locator("h1").count() >= 1
    shot(page, f"page-{url_path or 'home'}-{lang}")


def test_language_switch_in_the_sidebar(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    open_app(page, app_url, "", "en")
    page.locator("[data-testid=stSidebar]").get_by_text("Polski").click()
    page.wait_for_url("**lang=pl**")
    page.get_by_role("heading", name="Przewodnik po fine-tuningu").wait_for()
    assert_no_exception(page)


def test_browser_locale_picks_polish_when_the_address_names_no_language(browser, app_url: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="pl-PL")
    try:
        tab = context.new_page()
        tab.goto(f"{app_url}/learn")
        tab.get_by_role("heading", name="Naucz się fine-tuningu").wait_for(timeout=30_000)
        tab.wait_for_url("**lang=pl**")
        assert_no_exception(tab)
    finally:
        context.close()


def test_resource_links_are_real_links(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    open_app(page, app_url, "resources", "en")
    hrefs = set(page.locator("a[href^='https://']").evaluate_all("links => links.map(a => a.href)"))
    missing = [r.url for r in load_resources() if r.url not in hrefs]
    assert missing == []


def test_a_choice_keeps_showing_after_the_language_switch(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    # Translated option labels used to leave the selectbox blank or stale in the browser after a switch.
    open_app(page, app_url, "learn?lesson=evaluating", "en")
    page.locator("[data-testid=stSidebar]").get_by_text("Polski").click()
    page.wait_for_url("**lang=pl**")
    page.get_by_role("heading", name="Naucz się fine-tuningu").wait_for()
    lesson_box = page.locator("[data-testid=stSelectbox]").first
    expect(lesson_box.get_by_role("combobox")).to_have_value("7. Ocena dostrojonego modelu")
    shot(page, "learn-after-switch-pl", full_page=False)
    assert_no_exception(page)
