"""Keys in a real browser against a real server at DEBUG log level (Chromium), with screenshots:
- connecting to a gateway with a key, being refused (401, 500) and opening the Jobs page writes the key to
  none of the server's output, even with `--logger.level debug`;
- no address the browser visits or requests (the address bar, assets, the websocket) carries the key;
- the page never shows the key, only its masked form, and the password field is emptied after connecting;
- an upload over the configured limit is refused in the browser with "File must be … or smaller" (announced to
  screen readers, shown when the file is pointed at), and the page goes on working.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from finetune_guide import i18n
from tests.browser.conftest import start_streamlit
from tests.browser.support import assert_no_exception, open_app, shot, wait_idle
from tests.security.conftest import GATEWAY_KEY, BrowserRun, EchoGateway

pytestmark = pytest.mark.browser
STRINGS = i18n.load_strings("en")
SMALL_LIMIT_MB = 1


def text(key: str, **values: object) -> str:
    return i18n.translate(STRINGS, key, **values)


@pytest.fixture(scope="module")
def debug_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """Its own `streamlit run` at DEBUG log level, with a 1 MB upload cap, its output kept in a file."""
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    with log.open("wb") as sink:
        process, url = start_streamlit(
            {"OPENAI_LOG": "debug"},
            ("--logger.level", "debug", "--server.maxUploadSize", str(SMALL_LIMIT_MB)),
            output=sink,
        )
        try:
            yield url, log
        finally:
            process.terminate()
            process.wait(timeout=10)


def connect(page: Page, url: str, base_url: str) -> None:
    open_app(page, url, "connect", "en")
    kind = text("connect.kind.openai")
    page.get_by_role("radio", name=kind).or_(page.get_by_role("button", name=kind, exact=True)).first.click()
    wait_idle(page)
    page.get_by_label(text("connect.openai.api_key")).fill(GATEWAY_KEY)
    page.get_by_label(text("connect.openai.base_url")).fill(base_url)
    page.get_by_role("button", name=text("connect.connect_button")).click()
    wait_idle(page)


def test_the_key_reaches_no_log_no_address_and_no_page(
    in_chromium: BrowserRun, debug_server: tuple[str, Path], echo_gateway: tuple[str, type[EchoGateway]]
) -> None:
    url, log = debug_server
    base_url, gateway = echo_gateway
    gateway.echo_in_headers = False
    in_chromium(lambda page: _refused_connections(page, url, base_url, gateway))
    time.sleep(0.5)  # let the server flush its last lines
    output = log.read_text(encoding="utf-8", errors="replace")
    assert "DEBUG" in output, "the server should be logging at DEBUG level"
    assert GATEWAY_KEY not in output


def _refused_connections(page: Page, url: str, base_url: str, gateway: type[EchoGateway]) -> None:
    addresses: list[str] = []
    page.on("request", lambda request: addresses.append(request.url))
    page.on("websocket", lambda socket: addresses.append(socket.url))
    page.on("framenavigated", lambda frame: addresses.append(frame.url))
    for status in (401, 500):
        gateway.status = status
        connect(page, url, base_url)
        expect(page.locator('[data-testid="stAlertContentError"]').first).to_be_visible()
        addresses.append(page.url)
        assert page.get_by_label(text("connect.openai.api_key")).input_value() == ""
    expect(page.get_by_text("…8a0b").first).to_be_visible()
    shot(page, "security-key-refused-en")
    page.locator("[data-testid=stSidebarNav]").get_by_text(text("jobs.nav_title"), exact=True).click()
    wait_idle(page)
    addresses.append(page.url)
    assert_no_exception(page)
    assert GATEWAY_KEY not in page.content()
    assert not [a for a in addresses if GATEWAY_KEY in a]


def test_an_upload_over_the_limit_is_refused_clearly(in_chromium: BrowserRun, debug_server: tuple[str, Path]) -> None:
    in_chromium(lambda page: _too_big_upload(page, debug_server[0]))


def _too_big_upload(page: Page, url: str) -> None:
    open_app(page, url, "studio", "en")
    page.locator('[data-testid="stButtonGroup"]').first.get_by_text(text("studio.source_upload"), exact=True).click()
    wait_idle(page)
    line = b'{"messages": [{"role": "user", "content": "' + b"x" * 1000 + b'"}]}\n'
    too_big = line * (SMALL_LIMIT_MB * 1100)
    page.locator("input[type=file]").first.set_input_files(
        files=[{"name": "too-big.jsonl", "mimeType": "application/octet-stream", "buffer": too_big}]
    )
    page.wait_for_timeout(500)
    wait_idle(page)
    message = f"File must be {SMALL_LIMIT_MB:.1f}MB or smaller."
    # Streamlit announces it to screen readers at once (a 1 px role=alert) and shows it when the file is pointed at.
    expect(page.get_by_role("alert").filter(has_text=message)).to_have_count(1)
    page.get_by_text("too-big.jsonl").first.hover()
    page.wait_for_timeout(1000)
    shown = page.get_by_text(message).evaluate_all(
        "nodes => nodes.map(n => n.getBoundingClientRect()).filter(r => r.width > 20 && r.height > 5).length"
    )
    assert shown >= 1, "the refusal should be readable when the file is pointed at"
    assert_no_exception(page)
    shot(page, "security-upload-over-limit-en", full_page=False)
    # The page goes on working: a file under the limit is analysed.
    page.locator('[data-testid="stButtonGroup"]').first.get_by_text(text("studio.source_sample"), exact=True).click()
    wait_idle(page)
    expect(page.locator('[data-testid="stMetric"]').first).to_be_visible()
    assert_no_exception(page)
