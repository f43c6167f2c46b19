"""Every registered page, opened in headless Chromium in English and Polish: no exception box, a title,
and a screenshot under test-output/screenshots/ to look at."""

import pytest

from tests.browser.support import assert_no_exception, open_app, shot
from tests.site import LANGUAGES, registered_pages


@pytest.mark.parametrize(("script", "url_path"), registered_pages())
@pytest.mark.parametrize("lang", LANGUAGES)
def test_page_renders_in_the_browser(page, app_url: str, script: str, url_path: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    open_app(page, app_url, url_path, lang)
    assert_no_exception(page)
    assert page.locator("h1").count() >= 1
    shot(page, f"page-{url_path}-{lang}")


def test_language_switch_in_the_sidebar(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    open_app(page, app_url, "home", "en")
    page.get_by_text("Polski").click()
    page.wait_for_url("**lang=pl**")
    page.get_by_role("heading", name="Przewodnik po fine-tuningu").wait_for()
    assert_no_exception(page)
