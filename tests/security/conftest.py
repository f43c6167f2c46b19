"""Shared pieces of the security tests: fake secrets, hostile content, an echoing gateway on loopback, Chromium.

`app_url` is the browser suite's own live server. The browser itself is not shared: Playwright's sync API allows
one instance per thread and the browser suite's session-wide one may be alive in the same worker, so each
security browser test drives its own Chromium (same binary and launch args) in a thread of its own. Those
tests are marked `browser`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    _require_chromium,
    app_url,  # noqa: F401 - the browser suite's live server, reused here
)

# An OpenAI-shaped key, and a gateway key with no recognisable shape: masking must not rely on the shape.
OPENAI_KEY = "sk-proj-SecurityReviewFakeKey00000000000zyxw"
GATEWAY_KEY = "gw-Needle-7f3a9c2e1b5d4e6f8a0b"
AZURE_KEY = "5ecre7a2ure0key1needle2233445566"
SECRETS = (OPENAI_KEY, GATEWAY_KEY, AZURE_KEY)

# Hostile text a dataset may carry: each would do something if the page rendered it as HTML or Markdown.
SCRIPT = "<script>window.__pwned='script'</script>"
IMG = "<img src=x onerror=\"window.__pwned='img'\">"
LINK = "[claim your prize](javascript:window.__pwned='link')"
PIXEL = "![pixel](http://127.0.0.1:9/pixel.png)"
LONG_TOKEN = "W" * 25_000
HOSTILE = (SCRIPT, IMG, LINK, PIXEL)
# A file name can hold no "/", but Markdown still reads "[text](https:host)" as a link to https://host.
HOSTILE_NAME = "[x](javascript:alert(1))[prize](https:evil.invalid)<img src=x onerror=alert(1)>.jsonl"


def hostile_dataset(examples: int = 12) -> bytes:
    """A valid chat dataset whose messages carry every hostile string (and one very long token)."""
    rows = []
    for n in range(examples):
        hostile = HOSTILE[n % len(HOSTILE)]
        rows.append(
            {
                "messages": [
                    {"role": "system", "content": f"You are helpful. {SCRIPT}"},
                    {"role": "user", "content": f"Question {n}: {IMG} {LINK}"},
                    {"role": "assistant", "content": f"Answer {n}: {hostile} {PIXEL}"},
                ]
            }
        )
    rows[-1]["messages"][1]["content"] = f"A very long token: {LONG_TOKEN}"
    return ("\n".join(json.dumps(row) for row in rows) + "\n").encode()


def broken_hostile_dataset() -> bytes:
    """Hostile text where the validator quotes it: an unknown role, an unknown key, and a line that is not JSON."""
    good = json.loads(hostile_dataset(11).decode().splitlines()[0])
    bad_role = {"messages": [{"role": LINK, "content": IMG}, {"role": "assistant", "content": SCRIPT}]}
    bad_key = {"messages": [{"role": "user", "content": "hi", PIXEL: 1}, {"role": "assistant", "content": "x"}]}
    lines = [json.dumps(good)] * 10 + [json.dumps(bad_role), json.dumps(bad_key), f"not json {SCRIPT} {LINK}"]
    return ("\n".join(lines) + "\n").encode()


class EchoGateway(BaseHTTPRequestHandler):
    """An OpenAI-compatible gateway that behaves badly: every error repeats the caller's credentials back
    in the message, the code, the param and the request id, so any unscrubbed path shows the key."""

    status = 401
    # The request id is echoed too unless a test turns it off: at DEBUG level the HTTP libraries log every
    # response header, and what a server chooses to send back is outside the app's control.
    echo_in_headers = True

    def _credential(self) -> str:
        auth = self.headers.get("Authorization", "") or self.headers.get("api-key", "")
        return auth.removeprefix("Bearer ").strip()

    def _answer(self) -> None:
        secret = self._credential()
        if self.status == 200 and self.path.rstrip("/").endswith("/models"):
            body = {"object": "list", "data": [{"id": "gpt-4o-mini-2024-07-18", "object": "model", "created": 0,
                                                "owned_by": "system"}]}  # fmt: skip
        elif self.status == 200:
            body = {"object": "list", "data": [], "has_more": False}
        else:
            body = {
                "error": {
                    "message": f"Incorrect API key provided: {secret}. Authorization: Bearer {secret}",
                    "type": "invalid_request_error",
                    "code": f"invalid_api_key:{secret}",
                    "param": secret,
                }
            }
        data = json.dumps(body).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("x-request-id", f"req_{secret}" if self.echo_in_headers else "req_123")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def echo_gateway() -> Iterator[tuple[str, type[EchoGateway]]]:
    """(base URL ending in /v1, the handler class whose `status` a test sets) on a free loopback port."""
    handler = type("Gateway", (EchoGateway,), {"status": 401})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", handler
    server.shutdown()
    server.server_close()


BrowserRun = Callable[[Callable[[Page], None]], None]


@pytest.fixture
def in_chromium() -> BrowserRun:
    """Run `body(page)` in a fresh Chromium page on a thread of its own; its failure fails the test."""
    _require_chromium()

    def run(body: Callable[[Page], None]) -> None:
        outcome: list[BaseException] = []

        def drive() -> None:
            try:
                with sync_playwright() as playwright:
                    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
                    page = context.new_page()
                    page.set_default_timeout(30_000)
                    try:
                        body(page)
                    finally:
                        context.close()
                        chromium.close()
            except BaseException as error:  # handed to the test's thread below
                outcome.append(error)

        thread = threading.Thread(target=drive, name="security-chromium")
        thread.start()
        thread.join(timeout=300)
        assert not thread.is_alive(), "the browser test did not finish within 300 s"
        if outcome:
            raise outcome[0]

    return run
