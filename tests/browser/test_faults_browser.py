"""Every sandbox rehearsal scenario driven through the Connect and Jobs pages in Chromium, with screenshots:
- refused (403), rate limited (429) and server error (500) on job creation: the problem is named with what to
  do, no exception is shown, no job is created, and the file and the options typed stay on the page;
- after each of those the app keeps working: back to "Normal" on Connect, the same file is still there on Jobs,
  and the job then runs to "Succeeded";
- the options typed on the job form (the suffix) are still there after that visit to Connect;
- a slow queue: the job is shown queued (with its status timeline), then runs and succeeds without help;
- a failure mid-training: the job ends "Failed" with the failure explained, its id stays in the list, and a
  new job started afterwards succeeds.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Locator, Page, expect

from finetune_guide import i18n
from tests.browser.support import assert_no_exception, open_app, shot, wait_idle

STRINGS = i18n.load_strings("en")
SUFFIX = "rehearsal-1"
FILE_NAME = "rehearsal.jsonl"
DONE_MS = 60_000


def text(key: str, **values: object) -> str:
    return i18n.translate(STRINGS, key, **values)


def dataset(examples: int = 12) -> bytes:
    rows = [
        {
            "messages": [
                {"role": "system", "content": "You answer briefly."},
                {"role": "user", "content": f"What is {n} times 2?"},
                {"role": "assistant", "content": f"{2 * n}."},
            ]
        }
        for n in range(examples)
    ]
    return ("\n".join(json.dumps(r) for r in rows) + "\n").encode()


def go(page: Page, title_key: str) -> None:
    """Follow the sidebar (a reload would start a new session, with a new sandbox)."""
    page.locator("[data-testid=stSidebarNav]").get_by_text(text(title_key), exact=True).click()
    wait_idle(page)


def rehearse(page: Page, scenario: str) -> None:
    """On Connect: the sandbox at speed "fast" with this rehearsal scenario."""
    if "/connect" not in page.url:
        go(page, "connect.nav_title")
    speed = page.locator('[data-testid="stRadio"]').get_by_text(text("connect.sandbox.speeds.fast"), exact=True)
    speed.click()
    wait_idle(page)
    page.locator('[data-testid="stSelectbox"]').filter(has_text=text("connect.sandbox.scenario")).click()
    page.get_by_role("option", name=text(f"connect.sandbox.scenarios.{scenario}")).click()
    wait_idle(page)


def prepare_job(page: Page) -> None:
    """On Jobs: upload the file and type a suffix, as a learner would."""
    go(page, "jobs.nav_title")
    page.locator("input[type=file]").first.set_input_files(
        files=[{"name": FILE_NAME, "mimeType": "application/octet-stream", "buffer": dataset()}]
    )
    wait_idle(page)
    suffix_field(page).fill(SUFFIX)
    suffix_field(page).press("Enter")
    wait_idle(page)


def suffix_field(page: Page) -> Locator:
    return page.get_by_label(text("jobs.form.suffix"), exact=True)


def start(page: Page) -> None:
    page.get_by_role("button", name=text("jobs.new.start")).click()
    wait_idle(page)


def status(page: Page, name: str) -> Locator:
    return page.locator('[data-testid="stMetricValue"]').get_by_text(text(f"jobs.status.{name}"), exact=True)


def assert_entries_kept(page: Page, *, suffix: bool = True) -> None:
    """The file (and the suffix) the learner gave are still on the New job tab."""
    expect(page.get_by_text(FILE_NAME).first).to_be_visible()
    if suffix:
        expect(suffix_field(page)).to_have_value(SUFFIX)


def open_new_job_tab(page: Page) -> None:
    page.get_by_role("tab", name=text("jobs.tab_new")).click()
    wait_idle(page)


@pytest.mark.parametrize(
    ("scenario", "kind"),
    [
        ("refused_403", "fine_tuning_closed"),
        ("rate_limited_429", "rate_limited"),
        ("server_error_500", "server_error"),
    ],
)
def test_a_refused_job_is_explained_and_nothing_entered_is_lost(
    page: Page, app_url: str, scenario: str, kind: str
) -> None:
    open_app(page, app_url, "connect", "en")
    rehearse(page, scenario)
    prepare_job(page)
    start(page)
    expect(page.get_by_text(text(f"jobs.problem.{kind}.title"))).to_be_visible()
    expect(page.get_by_text(text(f"jobs.problem.{kind}.fix"), exact=False).first).to_be_visible()
    assert_no_exception(page)
    assert_entries_kept(page)
    shot(page, f"faults-{scenario}-explained-en")
    # Nothing was created: no job id anywhere on the job list.
    page.get_by_role("tab", name=text("jobs.tab_list")).click()
    wait_idle(page)
    assert "ftjob-" not in page.content()
    # The app keeps working: rehearsal over, the file is still there and the job runs.
    rehearse(page, "normal")
    go(page, "jobs.nav_title")
    open_new_job_tab(page)
    assert_entries_kept(page, suffix=False)
    start(page)
    expect(status(page, "succeeded")).to_be_visible(timeout=DONE_MS)
    assert_no_exception(page)
    shot(page, f"faults-{scenario}-recovered-en")


def test_a_slow_queue_shows_the_job_waiting_then_succeeding(page: Page, app_url: str) -> None:
    open_app(page, app_url, "connect", "en")
    rehearse(page, "slow_queue")
    prepare_job(page)
    start(page)
    expect(status(page, "queued")).to_be_visible(timeout=DONE_MS)
    assert_no_exception(page)
    shot(page, "faults-slow_queue-waiting-en")
    expect(status(page, "succeeded")).to_be_visible(timeout=DONE_MS)
    assert_no_exception(page)
    shot(page, "faults-slow_queue-succeeded-en")


def test_a_failure_mid_training_is_explained_and_a_new_job_succeeds(page: Page, app_url: str) -> None:
    open_app(page, app_url, "connect", "en")
    rehearse(page, "fail_mid_training")
    prepare_job(page)
    start(page)
    expect(status(page, "failed")).to_be_visible(timeout=DONE_MS)
    expect(page.get_by_text(text("jobs.problem.server_error.title"))).to_be_visible()
    assert_no_exception(page)
    failed_heading = page.locator('[data-testid="stHeading"]').filter(has_text="ftjob-").first.inner_text()
    failed_id = failed_heading.split()[-1]
    shot(page, "faults-fail_mid_training-failed-en")
    rehearse(page, "normal")
    go(page, "jobs.nav_title")
    open_new_job_tab(page)
    assert_entries_kept(page, suffix=False)
    start(page)
    expect(status(page, "succeeded")).to_be_visible(timeout=DONE_MS)
    # The failed job is not lost: the job picker still offers it.
    page.locator('[data-testid="stSelectbox"]').filter(has_text=text("jobs.list.pick")).click()
    expect(page.get_by_role("option").filter(has_text=failed_id)).to_have_count(1)
    page.keyboard.press("Escape")
    assert_no_exception(page)
    shot(page, "faults-fail_mid_training-recovered-en")


def test_typed_job_options_survive_a_visit_to_connect(page: Page, app_url: str) -> None:
    """The fix for 401, 403 and connection faults says "open Connect"; coming back must not lose the form."""
    open_app(page, app_url, "connect", "en")
    rehearse(page, "refused_403")
    prepare_job(page)
    start(page)
    expect(page.get_by_text(text("jobs.problem.fine_tuning_closed.title"))).to_be_visible()
    rehearse(page, "normal")
    go(page, "jobs.nav_title")
    open_new_job_tab(page)
    shot(page, "faults-back-from-connect-en")
    assert_entries_kept(page)
