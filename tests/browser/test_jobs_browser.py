"""Connect and Jobs in headless Chromium, with screenshots to look at:
- the whole sandbox lifecycle in English and Polish: upload → create → watch progress → succeeded with charts;
- a running job cancelled after its confirmation;
- a file with errors refused before anything is sent;
- every rehearsed fault explained, not crashed: the 403 refusal, 429, 500 and a failure mid-training
  (sandbox scenarios); 401, 404 and a dropped connection (a stub service on loopback);
- a paid provider (the sandbox server's OpenAI dialect): the estimate must be confirmed, the key stays masked;
- Azure (the sandbox server's Azure dialect): after success, the deployment command, REST call and cost;
- two browser contexts never see each other's jobs.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect

from finetune_guide import i18n
from finetune_guide.sandbox.server import SandboxServer
from tests.browser.support import assert_no_exception, open_app, shot, wait_idle

STRINGS = {lang: i18n.load_strings(lang) for lang in i18n.LANGUAGES}
KEY = "sk-proj-BrowserSecretKey00000000000000qrst"
AZURE_KEY = "00112233445566778899aabbccddeeff"
SUCCEEDED_TIMEOUT_MS = 60_000


def text(lang: str, key: str, **values: object) -> str:
    return i18n.translate(STRINGS[lang], key, **values)


def jsonl(examples: int = 12) -> bytes:
    rows = [
        {
            "messages": [
                {"role": "system", "content": "Marv is a factual chatbot that is also sarcastic."},
                {"role": "user", "content": f"What is {n} plus {n}?"},
                {"role": "assistant", "content": f"{2 * n}. Like you couldn't count that yourself."},
            ]
        }
        for n in range(examples)
    ]
    return ("\n".join(json.dumps(r) for r in rows) + "\n").encode()


def go(page: Page, lang: str, page_key: str) -> None:
    """Follow the sidebar link (a reload would start a new session, with a new sandbox)."""
    page.locator("[data-testid=stSidebarNav]").get_by_text(text(lang, page_key), exact=True).click()
    wait_idle(page)


def sandbox(page: Page, app_url: str, lang: str, *, speed: str = "fast", scenario: str = "normal") -> None:
    open_app(page, app_url, "connect", lang)
    page.locator('[data-testid="stRadio"]').get_by_text(text(lang, f"connect.sandbox.speeds.{speed}")).click()
    wait_idle(page)
    if scenario != "normal":
        page.locator('[data-testid="stSelectbox"]').filter(has_text=text(lang, "connect.sandbox.scenario")).click()
        page.get_by_role("option", name=text(lang, f"connect.sandbox.scenarios.{scenario}")).click()
        wait_idle(page)
    go(page, lang, "jobs.nav_title")


def upload(page: Page, data: bytes, name: str = "train.jsonl") -> None:
    page.locator("input[type=file]").first.set_input_files(
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}]
    )
    wait_idle(page)


def start(page: Page, lang: str) -> None:
    page.get_by_role("button", name=text(lang, "jobs.new.start")).click()
    wait_idle(page)


def status_metric(page: Page, lang: str, status: str):  # type: ignore[no-untyped-def]
    return page.locator('[data-testid="stMetricValue"]').get_by_text(text(lang, f"jobs.status.{status}"), exact=True)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_whole_sandbox_lifecycle(page: Page, app_url: str, lang: str) -> None:
    sandbox(page, app_url, lang, speed="fast")
    upload(page, jsonl())
    expect(page.get_by_text(text(lang, "jobs.review.free"))).to_be_visible()
    shot(page, f"jobs-new-{lang}")
    start(page, lang)
    expect(page.locator('[data-testid="stProgress"]')).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(2, timeout=SUCCEEDED_TIMEOUT_MS)
    shot(page, f"jobs-running-{lang}")
    expect(status_metric(page, lang, "succeeded")).to_be_visible(timeout=SUCCEEDED_TIMEOUT_MS)
    wait_idle(page)
    expect(page.locator(".js-plotly-plot")).to_have_count(2)
    expect(page.get_by_text(text(lang, "jobs.view.chart_loss"))).to_be_visible()
    assert_no_exception(page)
    shot(page, f"jobs-succeeded-{lang}")


def test_a_running_job_is_cancelled_after_confirming(page: Page, app_url: str) -> None:
    sandbox(page, app_url, "en", speed="demo")
    upload(page, jsonl())
    start(page, "en")
    page.get_by_role("button", name=text("en", "jobs.view.ask_cancel_job")).click()
    expect(page.get_by_role("button", name=text("en", "jobs.view.yes_cancel_job"))).to_be_visible()
    shot(page, "jobs-cancel-confirm-en")
    page.get_by_role("button", name=text("en", "jobs.view.yes_cancel_job")).click()
    expect(status_metric(page, "en", "cancelled")).to_be_visible(timeout=20_000)
    assert_no_exception(page)
    shot(page, "jobs-cancelled-en")


def test_a_file_with_errors_is_refused(page: Page, app_url: str) -> None:
    sandbox(page, app_url, "pl")
    upload(page, b'{"messages": [{"role": "user", "content": "hi"}]}\nnot json\n', "broken.jsonl")
    expect(page.locator('[data-testid="stAlertContentError"]').first).to_contain_text("broken.jsonl")
    expect(page.get_by_role("button", name=text("pl", "jobs.new.start"))).to_be_disabled()
    assert_no_exception(page)
    shot(page, "jobs-bad-file-pl")


@pytest.mark.parametrize(
    ("scenario", "kind", "langs"),
    [
        ("refused_403", "fine_tuning_closed", ("en", "pl")),
        ("rate_limited_429", "rate_limited", ("en",)),
        ("server_error_500", "server_error", ("en",)),
    ],
)
def test_rehearsed_create_faults_are_explained(
    page: Page, app_url: str, scenario: str, kind: str, langs: tuple[str, ...]
) -> None:
    for lang in langs:
        sandbox(page, app_url, lang, scenario=scenario)
        upload(page, jsonl())
        start(page, lang)
        expect(page.get_by_text(text(lang, f"jobs.problem.{kind}.title"))).to_be_visible()
        assert_no_exception(page)
        shot(page, f"jobs-fault-{scenario}-{lang}")


def test_a_failure_mid_training_is_explained(page: Page, app_url: str) -> None:
    sandbox(page, app_url, "en", scenario="fail_mid_training")
    upload(page, jsonl())
    start(page, "en")
    expect(status_metric(page, "en", "failed")).to_be_visible(timeout=SUCCEEDED_TIMEOUT_MS)
    expect(page.get_by_text(text("en", "jobs.problem.server_error.title"))).to_be_visible()
    assert_no_exception(page)
    shot(page, "jobs-fault-fail_mid_training-en")


class _Stub(BaseHTTPRequestHandler):
    """Every request gets the same fault: a status with an OpenAI-style error body, or a dropped line."""

    status = 401

    def _answer(self) -> None:
        if self.status == 0:
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        body = json.dumps({"error": {"message": f"Stubbed {self.status}", "type": "stub", "code": None}}).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stub() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def choose_provider(page: Page, lang: str, kind: str) -> None:
    page.locator('[data-testid="stButtonGroup"]').get_by_role(
        "radio", name=text(lang, f"connect.kind.{kind}"), exact=True
    ).click()
    wait_idle(page)


def connect_openai(page: Page, app_url: str, base_url: str, lang: str = "en") -> None:
    open_app(page, app_url, "connect", lang)
    choose_provider(page, lang, "openai")
    page.get_by_label(text(lang, "connect.openai.api_key")).fill(KEY)
    page.get_by_label(text(lang, "connect.openai.base_url")).fill(base_url)
    page.get_by_role("button", name=text(lang, "connect.connect_button")).click()
    wait_idle(page)


@pytest.mark.parametrize(("status", "kind"), [(401, "unauthorized"), (404, "not_found"), (0, "connection")])
def test_read_faults_from_a_real_socket_are_explained(
    page: Page, app_url: str, stub: ThreadingHTTPServer, status: int, kind: str
) -> None:
    _Stub.status = status
    connect_openai(page, app_url, f"http://127.0.0.1:{stub.server_address[1]}/v1")
    go(page, "en", "jobs.nav_title")
    page.get_by_role("tab", name=text("en", "jobs.tab_list")).click()
    wait_idle(page)
    expect(page.get_by_text(text("en", f"jobs.problem.{kind}.title"))).to_be_visible()
    assert_no_exception(page)
    assert KEY not in page.content()
    shot(page, f"jobs-fault-{status or 'dropped'}-en")


@pytest.fixture(scope="module")
def sandbox_server() -> Iterator[SandboxServer]:
    with SandboxServer("127.0.0.1", 0, speed="fast") as running:
        yield running


def confirm(page: Page, lang: str) -> None:
    label = text(lang, "jobs.review.confirm", cost="").split("(")[0].strip()
    page.locator('[data-testid="stCheckbox"]').filter(has_text=label).click()
    wait_idle(page)


def test_a_paid_job_needs_confirmation_and_the_key_stays_masked(
    page: Page, app_url: str, sandbox_server: SandboxServer
) -> None:
    connect_openai(page, app_url, f"{sandbox_server.url}/v1")
    expect(page.get_by_text("sk-…qrst").first).to_be_visible()
    shot(page, "connect-openai-en")
    go(page, "en", "jobs.nav_title")
    upload(page, jsonl())
    start_button = page.get_by_role("button", name=text("en", "jobs.new.start"))
    expect(start_button).to_be_disabled()
    expect(page.get_by_text(text("en", "jobs.review.cost"))).to_be_visible()
    shot(page, "jobs-paid-estimate-en")
    confirm(page, "en")
    start(page, "en")
    expect(status_metric(page, "en", "succeeded")).to_be_visible(timeout=SUCCEEDED_TIMEOUT_MS)
    values = page.locator("input").evaluate_all("inputs => inputs.map(i => i.value).join('\\n')")
    assert KEY not in page.content() and KEY not in values
    assert_no_exception(page)


def test_azure_success_shows_how_to_deploy(page: Page, app_url: str, sandbox_server: SandboxServer) -> None:
    lang = "pl"
    open_app(page, app_url, "connect", lang)
    choose_provider(page, lang, "azure")
    page.get_by_label(text(lang, "connect.azure.endpoint")).fill(sandbox_server.url)
    page.get_by_label(text(lang, "connect.azure.api_key")).fill(AZURE_KEY)
    page.get_by_role("button", name=text(lang, "connect.connect_button")).click()
    wait_idle(page)
    go(page, lang, "jobs.nav_title")
    upload(page, jsonl())
    confirm(page, lang)
    start(page, lang)
    expect(status_metric(page, lang, "succeeded")).to_be_visible(timeout=SUCCEEDED_TIMEOUT_MS)
    wait_idle(page)
    expect(page.get_by_text(text(lang, "jobs.deploy.title"))).to_be_visible()
    expect(page.get_by_text("az cognitiveservices account deployment create")).to_be_visible()
    assert AZURE_KEY not in page.content()
    assert_no_exception(page)
    shot(page, "jobs-azure-deploy-pl")


def test_two_browser_contexts_never_see_each_others_jobs(browser, app_url: str) -> None:  # type: ignore[no-untyped-def]
    first, second = browser.new_context(), browser.new_context()
    try:
        one, two = first.new_page(), second.new_page()
        sandbox(one, app_url, "en", speed="fast")
        upload(one, jsonl())
        start(one, "en")
        job_id = one.locator('[data-testid="stHeading"]').filter(has_text="ftjob-").first.inner_text()
        sandbox(two, app_url, "en")
        two.get_by_role("tab", name=text("en", "jobs.tab_list")).click()
        wait_idle(two)
        expect(two.get_by_text(text("en", "jobs.list.empty"))).to_be_visible()
        assert job_id.split()[-1] not in two.content()
        shot(two, "jobs-second-session-empty-en")
    finally:
        first.close()
        second.close()
