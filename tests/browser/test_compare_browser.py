"""Compare in a real browser, with the sandbox, as a learner does it: train a small model on the Jobs page,
then ask it and its base model the same question, run an evaluation on the job's validation file, read the
verdict, and switch to Polish. Screenshots land in test-output/screenshots/compare-*.png."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import assert_no_exception, open_app, shot, wait_idle

QUESTIONS = [(f"What is the capital of country {i}?", json.dumps({"capital": f"City{i}"})) for i in range(12)]


def _write_jsonl(path: Path, rows: list[tuple[str, str]]) -> Path:
    lines = [
        json.dumps(
            {
                "messages": [
                    {"role": "system", "content": "Answer in JSON."},
                    {"role": "user", "content": question},
                    {"role": "assistant", "content": answer},
                ]
            }
        )
        for question, answer in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _sidebar_link(page: Page, name: str) -> None:
    page.locator("[data-testid=stSidebarNav]").get_by_role("link", name=name).click()
    wait_idle(page)


def _train_a_sandbox_model(page: Page, app_url: str, tmp_path: Path) -> None:
    open_app(page, app_url, "connect", "en")
    page.get_by_text("Instant", exact=False).first.click()
    wait_idle(page)
    # Stay in this browser session: the sandbox (and its jobs) belongs to it.
    _sidebar_link(page, "Jobs")
    uploads = page.locator("[data-testid=stFileUploaderDropzoneInput]")
    uploads.nth(0).set_input_files(str(_write_jsonl(tmp_path / "train.jsonl", QUESTIONS)))
    wait_idle(page)
    uploads.nth(1).set_input_files(str(_write_jsonl(tmp_path / "valid.jsonl", QUESTIONS[:10])))
    wait_idle(page)
    page.get_by_role("button", name="Start the job", exact=False).click()
    wait_idle(page)
    # The page reruns as a whole once the job succeeds; a click on the sidebar during that rerun can be lost, so
    # the switch to Compare waits for the finished job and a quiet page.
    expect(page.get_by_text("Training finished", exact=False).first).to_be_visible(timeout=60_000)
    wait_idle(page)


@pytest.mark.browser
def test_learner_compares_a_fine_tuned_model_with_its_base_by_hand_and_on_a_validation_file(
    page: Page, app_url: str, tmp_path: Path
) -> None:
    _train_a_sandbox_model(page, app_url, tmp_path)
    _sidebar_link(page, "Compare")
    # The click starts a page switch that can take seconds under load (the job view polls in a fragment).
    expect(page.get_by_role("heading", name="Compare and evaluate")).to_be_visible(timeout=30_000)

    chat = page.locator("[data-testid=stChatInput] textarea")
    chat.fill("What is the capital of country 3?")
    chat.press("Enter")
    wait_idle(page)
    expect(page.get_by_text('[simulated] {"capital": "City3"}')).to_be_visible()
    assert_no_exception(page)
    shot(page, "compare-playground-en")

    page.get_by_role("tab", name="Evaluate on a validation file").click()
    page.get_by_text("I have read the estimate", exact=False).click()
    wait_idle(page)
    page.get_by_role("button", name="Run the evaluation").click()
    verdict = page.get_by_test_id("stAlertContentSuccess")
    verdict.wait_for(timeout=60_000)
    wait_idle(page)
    expect(verdict).to_contain_text("The fine-tuned model is better than the base model on 10 examples: F1 1.00 vs")
    expect(verdict).to_contain_text("format valid 10/10 vs 0/10")
    assert_no_exception(page)
    shot(page, "compare-evaluation-en")

    page.locator("[data-testid=stSidebar]").get_by_text("Polski").click()
    page.wait_for_url("**lang=pl**")
    wait_idle(page)
    page.get_by_role("tab", name="Ocena na pliku walidacyjnym").click()
    # The choices made in English are still selected after the switch.
    expect(page.get_by_role("radio", name="Z moich zadań")).to_be_checked()
    expect(page.get_by_role("radio", name="Dostrojony kontra bazowy")).to_be_checked()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(
        "Model dostrojony jest lepszy niż model bazowy na 10 przykładach: F1 1,00 wobec"
    )
    assert_no_exception(page)
    shot(page, "compare-evaluation-pl")

    page.get_by_role("tab", name="Plac zabaw").click()
    expect(page.get_by_text('[simulated] {"capital": "City3"}')).to_be_visible()
    expect(page.get_by_text("na wejściu →", exact=False).first).to_be_visible()
    shot(page, "compare-playground-pl")
