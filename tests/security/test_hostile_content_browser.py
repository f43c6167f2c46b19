"""Hostile dataset content in a real browser (Chromium), with screenshots to look at:
- a dataset full of script tags, img onerror handlers, javascript: links and remote images, uploaded with a
  hostile file name, is shown on the Dataset studio, then on the Jobs and Calculator pages it is handed to;
- text pasted into the Token lab carries the same markup;
- on every one of these pages no injected script runs (window.__pwned stays unset), no element with an
  onerror handler, no link (javascript: or to another site) and no remote image is created from user text, no
  request leaves for the remote image,
  and the studio shows the hostile text literally, where a person can read it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Request, expect

from finetune_guide import i18n
from tests.browser.support import assert_no_exception, open_app, shot, wait_idle
from tests.security.conftest import HOSTILE, HOSTILE_NAME, IMG, SCRIPT, BrowserRun, hostile_dataset

pytestmark = pytest.mark.browser
STRINGS = i18n.load_strings("en")

INJECTED_JS = """() => ({
  pwned: window.__pwned === undefined ? null : String(window.__pwned),
  onerror: document.querySelectorAll('[onerror]').length,
  javascriptLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
  injectedLinks: document.querySelectorAll('a[href*="evil.invalid" i]').length,
  remoteImages: [...document.images].filter(i => i.src.includes('127.0.0.1:9') || i.getAttribute('src') === 'x').length,
  injectedScripts: [...document.scripts].filter(s => s.textContent.includes('__pwned')).length,
})"""


def text(key: str, **values: object) -> str:
    return i18n.translate(STRINGS, key, **values)


def assert_inert(page: Page, requests: list[str], where: str) -> None:
    found = page.evaluate(INJECTED_JS)
    assert found == {
        "pwned": None,
        "onerror": 0,
        "javascriptLinks": 0,
        "injectedLinks": 0,
        "remoteImages": 0,
        "injectedScripts": 0,
    }, (
        where,
        found,
    )
    assert not [url for url in requests if "127.0.0.1:9/" in url], (where, requests)
    assert_no_exception(page)


def go(page: Page, title_key: str) -> None:
    page.locator("[data-testid=stSidebarNav]").get_by_text(text(title_key), exact=True).click()
    wait_idle(page)


def test_hostile_content_never_runs_and_reads_literally(in_chromium: BrowserRun, app_url: str) -> None:
    in_chromium(lambda page: _hostile_tour(page, app_url))


def _hostile_tour(page: Page, app_url: str) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url) if isinstance(request, Request) else None)
    open_app(page, app_url, "studio", "en")
    page.locator('[data-testid="stButtonGroup"]').first.get_by_text(text("studio.source_upload"), exact=True).click()
    wait_idle(page)
    page.locator("input[type=file]").first.set_input_files(
        files=[{"name": HOSTILE_NAME, "mimeType": "application/octet-stream", "buffer": hostile_dataset()}]
    )
    wait_idle(page)
    page.get_by_role("tab", name=text("studio.tab_conversations")).click()
    wait_idle(page)
    # The first example's system message and user message, exactly as written.
    expect(page.get_by_text(f"You are helpful. {SCRIPT}", exact=True).first).to_be_visible()
    expect(page.get_by_text(IMG, exact=False).first).to_be_visible()
    assert_inert(page, requests, "studio")
    shot(page, "security-hostile-studio-en")

    go(page, "token_lab.nav_title")
    area = page.locator("textarea").first
    area.fill(" ".join(HOSTILE))
    area.press("Control+Enter")
    wait_idle(page)
    assert_inert(page, requests, "token lab")
    shot(page, "security-hostile-token-lab-en")

    # The studio handed the file on: its hostile name now appears on these pages.
    for title_key in ("jobs.nav_title", "calculator.nav_title"):
        go(page, title_key)
        shot(page, f"security-hostile-{title_key.split('.')[0]}-en")
        assert_inert(page, requests, title_key)
