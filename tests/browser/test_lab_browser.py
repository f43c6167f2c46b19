"""The Local lab in headless Chromium, with screenshots to look at:
- Connect → Local lab → the curated models on this computer, then connect without a key;
- Jobs: upload a chat file, choose `tiny`, see the estimate (free, time, memory), start; the run really trains in
  a worker process and the loss chart fills in; the job succeeds with its fine-tuned model, adapter and recipe;
- Compare: the fine-tuned `tiny` and its base answer the same message for real, side by side.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from finetune_guide import i18n
from tests.browser.support import assert_no_exception, open_app, shot, wait_idle

STRINGS = {lang: i18n.load_strings(lang) for lang in i18n.LANGUAGES}
TRAINED_TIMEOUT_MS = 180_000
pytestmark = pytest.mark.lab


def text(lang: str, key: str, **values: object) -> str:
    return i18n.translate(STRINGS[lang], key, **values)


def support_chats(folder: Path) -> Path:
    """Twelve memorisable support chats (ten is the minimum): `tiny` shows its loss falling within a few epochs."""
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Where is my parcel number {n}?"},
                {"role": "assistant", "content": f"Parcel {n} left our depot today and arrives tomorrow."},
            ]
        }
        for n in range(12)
    ]
    path = folder / "support.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    return path


def connect_local(page: Page, app_url: str, lang: str) -> None:
    open_app(page, app_url, "connect", lang)
    page.get_by_text(text(lang, "connect.kind.local"), exact=True).first.click()
    wait_idle(page)
    expect(page.get_by_text(text(lang, "connect.local.intro")[:40])).to_be_visible()
    expect(page.locator('[data-testid="stDataFrame"]')).to_be_visible()
    shot(page, f"lab-connect-{lang}")
    page.get_by_role("button", name=text(lang, "connect.local.use")).click()
    wait_idle(page)
    expect(page.get_by_text(text(lang, "connect.check.connected", detail="")[:20]).first).to_be_visible()


@pytest.mark.parametrize("lang", ["en"])
def test_tiny_trains_for_real_and_answers_in_compare(page: Page, app_url: str, lang: str, tmp_path: Path) -> None:
    connect_local(page, app_url, lang)
    page.get_by_role("link", name=text(lang, "jobs.nav_title"), exact=True).click()
    wait_idle(page)
    expect(
        page.get_by_text(
            text(lang, "jobs.banner_local", provider=text(lang, "connect.kind.local")).replace("**", "")[:30]
        )
    ).to_be_visible()
    page.locator('input[type="file"]').first.set_input_files(str(support_chats(tmp_path)))
    # The settings appear once the uploaded file has been checked.
    expect(page.get_by_text(text(lang, "jobs.new.options"))).to_be_visible()
    wait_idle(page)
    page.locator('[data-testid="stSelectbox"]').filter(has_text=text(lang, "jobs.form.model")).get_by_role(
        "combobox"
    ).click()
    # Typing filters the options; Enter picks the one left (a click alone sometimes only focuses the box).
    page.keyboard.type("tiny")
    page.get_by_role("option", name="tiny", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text(text(lang, "jobs.local.free"))).to_be_visible()
    page.locator('[data-testid="stNumberInput"]').filter(has_text=text(lang, "jobs.local.epochs")).locator(
        "input"
    ).fill("12")
    page.keyboard.press("Tab")
    wait_idle(page)
    shot(page, f"lab-jobs-new-{lang}")
    page.get_by_role("button", name=text(lang, "jobs.new.start")).click()
    wait_idle(page, timeout_ms=60_000)
    # The chart appears once the worker has logged its first steps; the job then runs to the end.
    expect(page.locator('[data-testid="stPlotlyChart"]').first).to_be_visible(timeout=TRAINED_TIMEOUT_MS)
    shot(page, f"lab-jobs-running-{lang}")
    expect(page.get_by_text(text(lang, "jobs.local.after_title"))).to_be_visible(timeout=TRAINED_TIMEOUT_MS)
    wait_idle(page)
    assert_no_exception(page)
    expect(page.locator('[data-testid="stCode"]').filter(has_text="ft:tiny:local:").first).to_be_visible()
    shot(page, f"lab-jobs-succeeded-{lang}")

    page.get_by_role("link", name=text(lang, "compare.nav_title"), exact=True).click()
    wait_idle(page)
    expect(page.get_by_text(text(lang, "compare.local_note")[:40])).to_be_visible()
    page.get_by_placeholder(text(lang, "compare.play.message")).fill("Where is my parcel number 3?")
    page.keyboard.press("Enter")
    # The first question loads both models in the chat worker; each then answers.
    expect(page.get_by_text("Parcel").first).to_be_visible(timeout=TRAINED_TIMEOUT_MS)
    wait_idle(page, timeout_ms=TRAINED_TIMEOUT_MS)
    assert_no_exception(page)
    shot(page, f"lab-compare-{lang}")
