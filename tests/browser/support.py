"""Helpers for browser tests: open a page of the app, wait for Streamlit to settle, check, screenshot."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def wait_idle(page: Page, timeout_ms: int = 30_000) -> None:
    """Wait until the script has finished its run (Streamlit marks the app root when it is idle)."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout_ms)
    # A rerun can start right after the first one ends (query-param sync, st.rerun); settle on a quiet app.
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout_ms)


def open_app(page: Page, app_url: str, path: str = "", lang: str = "en") -> None:
    """Navigate to a page of the app (path is a url_path such as "learn") in a language, and wait until idle."""
    separator = "&" if "?" in path else "?"
    page.goto(f"{app_url}/{path}{separator}lang={lang}")
    wait_idle(page)


def assert_no_exception(page: Page) -> None:
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def shot(page: Page, name: str, *, full_page: bool = True, max_height: int = 6000) -> Path:
    """Save a screenshot; full_page grows the window to the page's height first, because Streamlit scrolls
    inside its main container and a plain full-page screenshot would only show the first screen."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    viewport = page.viewport_size
    if full_page and viewport:
        height = page.evaluate(
            "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], [data-testid=stAppViewContainer]')]"
            ".map(e => e.scrollHeight), document.body.scrollHeight)"
        )
        page.set_viewport_size(
            {"width": viewport["width"], "height": min(max(int(height), viewport["height"]), max_height)}
        )
        page.wait_for_timeout(300)
    try:
        page.screenshot(path=str(path))
    finally:
        if full_page and viewport:
            page.set_viewport_size(viewport)
    return path
