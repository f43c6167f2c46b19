"""Benchmark: how fast the app feels in Chromium: cold start against `streamlit hello`, and widget reruns.

Run with `python -m bench.app_speed` (or `make bench`, which prints these figures with the others). Three
measurements, each in a fresh browser context of Debian's Chromium, against servers on 127.0.0.1 only:

* cold start: from spawning `streamlit run app.py` to the first page drawn and idle in the browser, against
  Streamlit's own `streamlit hello` started the same way on the same machine, alternating; the ratio of medians;
* a widget rerun on the Dataset studio (the sidebar language switch, which re-runs the whole page) with the
  generated ~80 MB file analysed, against the same rerun on the studio with nothing loaded;
* the cost calculator's response to an input change (a number input's "+" step), from the click to idle.

A rerun is timed inside the page: the click is dispatched and the app root's `data-test-script-state` is
watched until the script has finished and stayed idle for a moment (a language switch runs the script twice).
Nothing here asserts a timing; the figures are printed, and returned to `python -m bench` for its table.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from bench.check_speed import DATA_DIR, EXAMPLES, generate
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# How long the script must stay idle before a rerun counts as finished (a st.rerun() starts a second run).
QUIET_MS = 400
RERUN_TIMEOUT_MS = 120_000
ANALYSIS_TIMEOUT_MS = 600_000


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure, as the summary table of `python -m bench` prints it."""

    benchmark: str
    measure: str
    value: str
    detail: str = ""


# Resolves with the milliseconds from the click to the end of the last script run it caused.
TIME_RERUN_JS = """
([element, quietMs, limitMs]) => new Promise((resolve, reject) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const running = () => app.getAttribute('data-test-script-state') !== 'notRunning';
  let started = false, timer = null, lastIdle = null;
  const finish = () => { observer.disconnect(); clearTimeout(guard); resolve(lastIdle - t0); };
  const check = () => {
    if (running()) { started = true; clearTimeout(timer); return; }
    if (!started) return;
    clearTimeout(timer);
    requestAnimationFrame(() => { lastIdle = performance.now(); });
    timer = setTimeout(() => { if (!running()) finish(); }, quietMs);
  };
  const observer = new MutationObserver(check);
  observer.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  const guard = setTimeout(() => { observer.disconnect(); reject(new Error('no rerun finished')); }, limitMs);
  const t0 = performance.now();
  element.click();
})
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_command(port: int, *target: str) -> list[str]:
    """`streamlit <target…>` on loopback, headless, with no file watcher (as the browser tests run it)."""
    return [
        sys.executable, "-m", "streamlit", *target,
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before it became healthy")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not become healthy within {timeout_s:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_app(log: Path | None = None) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`streamlit run app.py` on a free loopback port, stopped on exit; output to `log` or discarded."""
    port = free_port()
    sink = log.open("wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        server_command(port, "run", str(ROOT / "app.py")),
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=sink,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield process, url
    finally:
        stop(process)
        if log:
            sink.close()  # type: ignore[union-attr]


def wait_idle(page: Any, timeout_ms: int = 60_000) -> None:
    page.wait_for_selector(IDLE, timeout=timeout_ms)
    page.wait_for_timeout(QUIET_MS)
    page.wait_for_selector(IDLE, timeout=timeout_ms)


def time_click(page: Any, locator: Any, timeout_ms: int = RERUN_TIMEOUT_MS) -> float:
    """Milliseconds from clicking `locator` to the end of the reruns it causes, measured in the page."""
    handle = locator.element_handle()
    return float(page.evaluate(TIME_RERUN_JS, [handle, QUIET_MS, timeout_ms]))


# --- cold start ------------------------------------------------------------------------------------------


def cold_start_s(browser: Any, target: Sequence[str]) -> tuple[float, float]:
    """(seconds to a healthy server, seconds to the first page drawn and idle), both from the spawn."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    started = time.perf_counter()
    process = subprocess.Popen(
        server_command(port, *target), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_healthy(url, process)
        healthy = time.perf_counter() - started
        page.goto(url)
        page.wait_for_selector("h1", timeout=60_000)
        page.wait_for_selector(IDLE, timeout=60_000)
        drawn = time.perf_counter() - started
    finally:
        context.close()
        stop(process)
    return healthy, drawn


def cold_starts(browser: Any, rounds: int) -> list[Figure]:
    ours: list[tuple[float, float]] = []
    hello: list[tuple[float, float]] = []
    for _ in range(rounds):
        hello.append(cold_start_s(browser, ["hello"]))
        ours.append(cold_start_s(browser, ["run", str(ROOT / "app.py")]))
    ours_s = statistics.median(d for _, d in ours)
    hello_s = statistics.median(d for _, d in hello)
    runs = "; ".join(f"{o:.2f}/{h:.2f}" for (_, o), (_, h) in zip(ours, hello, strict=True))
    return [
        Figure("cold start", "app: spawn → first page drawn (s)", f"{ours_s:.2f}",
               f"server healthy after {statistics.median(h for h, _ in ours):.2f} s"),
        Figure("cold start", "streamlit hello: same (s)", f"{hello_s:.2f}",
               f"server healthy after {statistics.median(h for h, _ in hello):.2f} s"),
        Figure("cold start", "app / hello (ratio of medians)", f"{ours_s / hello_s:.2f}x",
               f"{rounds} alternating rounds, app/hello: {runs}"),
    ]  # fmt: skip


# --- widget reruns ---------------------------------------------------------------------------------------


def language_switch_ms(page: Any, rounds: int) -> list[float]:
    """A full rerun of the current page: switch the sidebar language to Polish and back, timing each."""
    timings = []
    radio = page.locator('[data-testid="stSidebar"] [data-testid="stRadio"]').first
    for index in range(rounds * 2):
        option = radio.locator('label:has(input[type="radio"])').nth(1 if index % 2 == 0 else 0)
        timings.append(time_click(page, option))
    return timings


def open_studio_upload(page: Any, url: str) -> None:
    """The Dataset studio with its source switched to "upload" (samples are the default)."""
    page.goto(f"{url}/studio?lang=en")
    wait_idle(page)
    source = page.locator('[data-testid="stButtonGroup"]').first
    source.locator("button").first.click()
    wait_idle(page)


def studio_reruns(browser: Any, url: str, big_file: Path, rounds: int) -> list[Figure]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(RERUN_TIMEOUT_MS)
    try:
        open_studio_upload(page, url)
        empty = language_switch_ms(page, rounds)
        started = time.perf_counter()
        page.locator("input[type=file]").first.set_input_files(str(big_file))
        page.wait_for_selector('[data-testid="stMetric"]', timeout=ANALYSIS_TIMEOUT_MS)
        wait_idle(page, ANALYSIS_TIMEOUT_MS)
        first_analysis = time.perf_counter() - started
        loaded = language_switch_ms(page, rounds)
    finally:
        context.close()
    size_mb = big_file.stat().st_size / 2**20
    empty_ms, loaded_ms = statistics.median(empty), statistics.median(loaded)
    return [
        Figure("studio rerun", "empty studio: language switch (ms)", f"{empty_ms:.0f}",
               f"median of {len(empty)}: {', '.join(f'{v:.0f}' for v in empty)}"),
        Figure("studio rerun", f"{size_mb:.0f} MB analysed: language switch (ms)", f"{loaded_ms:.0f}",
               f"median of {len(loaded)}: {', '.join(f'{v:.0f}' for v in loaded)}"),
        Figure("studio rerun", "analysed / empty (ratio)", f"{loaded_ms / empty_ms:.2f}x",
               f"first upload + analysis in the browser took {first_analysis:.1f} s"),
    ]  # fmt: skip


def calculator_ms(browser: Any, url: str, rounds: int) -> list[Figure]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    try:
        page.goto(f"{url}/calculator?lang=en")
        wait_idle(page)
        step_up = page.locator('[data-testid="stMain"] [data-testid="stNumberInputStepUp"]').first
        timings = [time_click(page, step_up) for _ in range(rounds * 2)]
    finally:
        context.close()
    value = statistics.median(timings)
    return [
        Figure("calculator", "input change → results redrawn (ms)", f"{value:.0f}",
               f"median of {len(timings)}, max {max(timings):.0f}: {', '.join(f'{v:.0f}' for v in timings)}"),
    ]  # fmt: skip


def run(rounds: int = 3, *, examples: int = EXAMPLES, skip_big: bool = False) -> list[Figure]:
    """Every figure of this benchmark (the `python -m bench` entry point)."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM}; install it with: apt-get install chromium")
    big_file = DATA_DIR / f"chat-{examples // 1000}k.jsonl"
    if not skip_big and not big_file.exists():
        print(f"generating {big_file.relative_to(ROOT)} ...", flush=True)
        generate(big_file, examples)
    figures: list[Figure] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            figures += cold_starts(browser, rounds)
            with running_app() as (_, url):
                figures += calculator_ms(browser, url, rounds)
                if not skip_big:
                    figures += studio_reruns(browser, url, big_file, rounds)
        finally:
            browser.close()
    return figures


def print_table(figures: Sequence[Figure]) -> None:
    print("| benchmark | measure | value | detail |")
    print("| --- | --- | ---: | --- |")
    for figure in figures:
        print(f"| {figure.benchmark} | {figure.measure} | {figure.value} | {figure.detail} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="cold starts of each server, reruns x2 (default 3)")
    parser.add_argument("--examples", type=int, default=EXAMPLES, help="size of the generated studio file")
    parser.add_argument("--skip-big", action="store_true", help="leave out the ~80 MB studio measurement")
    args = parser.parse_args(argv)
    print_table(run(args.rounds, examples=args.examples, skip_big=args.skip_big))
    return 0


if __name__ == "__main__":
    sys.exit(main())
