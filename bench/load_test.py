"""Load test: a room of learners (>= 20 browser sessions at once) against ONE `streamlit run` on 127.0.0.1.

Run with `make load-test` (`python -m bench.load_test [--sessions 20] [--time-limit 420]`); it is not part of
`make test`. Every session is its own Playwright browser context in Debian's Chromium, and does what a workshop
attendee does, through the sidebar so it stays one Streamlit session:

1. Dataset studio: switch the source to "Upload a file" and upload a small dataset whose name and content
   carry a marker unique to the session; wait for the verdict;
2. Cost calculator: the estimate for that dataset (it must name this session's file);
3. Connect: sandbox speed "fast";
4. Jobs: the studio's file is checked, the job is started, then polled (the page's own fragment refreshes it)
   until it reaches a terminal state, which must be "succeeded".

Each interaction is timed in the page, from the action to the end of the script runs it caused. Every step
also checks that the page shows no other session's marker or job id and no exception; at the end each
session's job list must hold exactly its own job. The run is bounded: a session that has not finished when the
time limit is reached counts as an error. The report gives the errors (the test passes only with none), the
latency percentiles, the server's peak resident memory (VmHWM from /proc), and exits 1 on any error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import secrets
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from playwright.async_api import async_playwright

from bench.app_speed import IDLE, QUIET_MS, running_app
from finetune_guide import i18n
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

STRINGS = i18n.load_strings("en")
STEP_TIMEOUT_MS = 180_000
TERMINAL = ("succeeded", "failed", "cancelled")
# A 12-example job takes about 4 s at "fast" and 30-45 s at the default "demo" pacing.
SLOW_JOB_S = 15


def text(key: str, **values: object) -> str:
    return i18n.translate(STRINGS, key, **values)


def dataset(marker: str, examples: int = 12) -> bytes:
    """A valid chat dataset whose every reply carries the session's marker (so a leak would be visible)."""
    rows = [
        {
            "messages": [
                {"role": "system", "content": "You answer arithmetic questions briefly."},
                {"role": "user", "content": f"What is {n} plus {n}?"},
                {"role": "assistant", "content": f"{2 * n}. (checked by {marker})"},
            ]
        }
        for n in range(examples)
    ]
    return ("\n".join(json.dumps(row) for row in rows) + "\n").encode()


class StepError(RuntimeError):
    """An interaction whose outcome never showed."""


@dataclass(slots=True)
class Session:
    """One simulated attendee: its marker, what it measured, and what went wrong."""

    index: int
    marker: str
    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    job_id: str = ""
    status: str = ""
    job_s: float = 0.0
    service_s: float | None = None

    @property
    def file_name(self) -> str:
        return f"{self.marker}.jsonl"


class Attendee:
    """Drives one browser context through the workshop flow, timing every interaction."""

    def __init__(self, page: Any, url: str, session: Session, markers: list[str]) -> None:
        self.page = page
        self.url = url
        self.session = session
        self.others = [m for m in markers if m != session.marker]

    async def act(self, name: str, action: Any, outcome: Any) -> None:
        """Do one interaction; its latency runs until its outcome is shown and the script is idle again."""
        started = time.perf_counter()
        await action()
        try:
            await outcome.first.wait_for(state="visible")
            await self.page.wait_for_selector(IDLE)
        except Exception as error:
            raise StepError(f"{name}: {type(error).__name__}: {str(error).splitlines()[0][:200]}") from None
        self.session.latencies_ms.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        await self.check(name)

    async def check(self, step: str) -> None:
        content = await self.page.content()
        leaked = [m for m in self.others if m in content]
        if leaked:
            self.session.errors.append(f"{step}: sees another session's data ({', '.join(leaked[:3])})")
        if await self.page.locator('[data-testid="stException"]').count():
            self.session.errors.append(f"{step}: the page shows an exception")

    async def nav(self, title_key: str, outcome: Any) -> None:
        link = self.page.locator('[data-testid="stSidebarNav"]').get_by_text(text(title_key), exact=True)
        await self.act(f"open {title_key.split('.', maxsplit=1)[0]}", link.click, outcome)

    async def run(self) -> None:
        page, session = self.page, self.session
        started = time.perf_counter()
        await page.goto(f"{self.url}/studio?lang=en")
        await page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
        session.latencies_ms["first page"] = [(time.perf_counter() - started) * 1000]
        await page.wait_for_timeout(QUIET_MS)

        source = page.locator('[data-testid="stButtonGroup"]').first
        upload = page.locator("input[type=file]")
        dropzone = page.locator('[data-testid="stFileUploaderDropzone"]')
        await self.act("studio source", source.get_by_text(text("studio.source_upload"), exact=True).click, dropzone)
        files = [{"name": session.file_name, "mimeType": "application/octet-stream", "buffer": dataset(session.marker)}]
        verdict = page.locator('[data-testid="stMetric"]')
        await self.act("studio upload + analysis", lambda: upload.first.set_input_files(files=files), verdict)

        caption = page.get_by_text(text("calculator.source_studio_caption", name=session.file_name))
        await self.nav("calculator.nav_title", caption)
        await page.locator('[data-testid="stMetricValue"]').first.wait_for()

        fast_label = text("connect.sandbox.speeds.fast")
        speeds = page.locator('[data-testid="stMain"] [data-testid="stRadio"]').filter(has_text=fast_label)
        await self.nav("connect.nav_title", speeds)
        chosen = speeds.locator("label:has(input:checked)").filter(has_text=fast_label)
        await self.act("sandbox speed", speeds.get_by_text(fast_label, exact=True).click, chosen)

        await self.nav("jobs.nav_title", page.get_by_text(text("jobs.review.free")))
        if session.file_name not in await page.content():
            session.errors.append("jobs: the studio's file is not offered")
        start = page.get_by_role("button", name=text("jobs.new.start"))
        heading = page.locator('[data-testid="stHeading"]').filter(has_text="ftjob-")
        await self.act("start job", start.click, heading)

        session.job_id = (await heading.first.inner_text()).split()[-1]
        job_started = time.perf_counter()
        terminal = ", ".join(f'"{text(f"jobs.status.{s}")}"' for s in TERMINAL)
        status = page.locator('[data-testid="stMetricValue"]').filter(
            has_text=re.compile("|".join(re.escape(text(f"jobs.status.{s}")) for s in TERMINAL))
        )
        await status.first.wait_for(timeout=STEP_TIMEOUT_MS)
        session.job_s = time.perf_counter() - job_started
        shown = (await status.first.inner_text()).strip()
        captions = " ".join(await page.locator('[data-testid="stCaptionContainer"]').all_inner_texts())
        times = re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", captions)
        if len(times) >= 2:
            session.service_s = (datetime.fromisoformat(times[1]) - datetime.fromisoformat(times[0])).total_seconds()
        session.status = next((s for s in TERMINAL if text(f"jobs.status.{s}") == shown), shown)
        if session.status != "succeeded":
            session.errors.append(f"job {session.job_id} ended {session.status!r} (expected one of {terminal})")
        await self.check("job finished")

    async def own_jobs_only(self, all_job_ids: set[str]) -> None:
        """The session's job picker offers exactly its own job, and no other session's id is on the page."""
        page, session = self.page, self.session
        picker = page.locator('[data-testid="stSelectbox"]').filter(has_text=text("jobs.list.pick")).first
        await picker.click(timeout=30_000)
        options = [o.strip() for o in await page.get_by_role("option").all_inner_texts()]
        await page.keyboard.press("Escape")
        ids = {word for option in options for word in option.split() if word.startswith("ftjob-")}
        if ids != {session.job_id}:
            session.errors.append(f"job list shows {sorted(ids)}, expected only {session.job_id}")
        content = await page.content()
        foreign = [j for j in all_job_ids - {session.job_id} if j in content]
        if foreign:
            session.errors.append(f"sees other sessions' jobs: {foreign[:3]}")

    async def speed_as_chosen(self) -> None:
        """A job that took demo pacing although "fast" was chosen: what does Connect say the speed is now?"""
        session = self.session
        if session.service_s is None or session.service_s <= SLOW_JOB_S:
            return
        speeds = self.page.locator('[data-testid="stMain"] [data-testid="stRadio"]')
        await self.nav("connect.nav_title", speeds.filter(has_text=text("connect.sandbox.speeds.fast")))
        shown = " ".join(await speeds.locator("label:has(input:checked)").all_inner_texts()).strip()
        session.warnings.append(
            f"job {session.job_id} took {session.service_s:.0f} s (demo pacing) after choosing "
            f"{text('connect.sandbox.speeds.fast')!r}; Connect now shows {shown!r}"
        )


class MemoryWatch:
    """Samples the server's resident memory (VmRSS) and reads its peak (VmHWM) from /proc."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def field_kb(self, name: str) -> int:
        status = Path(f"/proc/{self.pid}/status").read_text()
        found = re.search(rf"^{name}:\s+(\d+) kB", status, re.MULTILINE)
        return int(found[1]) if found else 0

    def cpu_s(self) -> float:
        """CPU time (user + system) the server has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def machine_busy_s() -> tuple[float, float]:
        """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = values[3] + values[4]
        tick = os.sysconf("SC_CLK_TCK")
        return (sum(values) - idle) / tick, sum(values) / tick

    def _loop(self) -> None:
        started = time.monotonic()
        while not self._stop.wait(0.5):
            try:
                self.samples.append((time.monotonic() - started, self.field_kb("VmRSS")))
            except OSError:
                return

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (the value at rank ceil(fraction * n))."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


async def drive(url: str, sessions: list[Session], time_limit_s: float, stagger_s: float) -> None:
    markers = [s.marker for s in sessions]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        contexts = [await browser.new_context(viewport={"width": 1280, "height": 900}) for _ in sessions]
        attendees = []
        for context, session in zip(contexts, sessions, strict=True):
            page = await context.new_page()
            page.set_default_timeout(STEP_TIMEOUT_MS)
            attendees.append(Attendee(page, url, session, markers))

        async def one(attendee: Attendee) -> None:
            await asyncio.sleep(attendee.session.index * stagger_s)
            try:
                await attendee.run()
            except Exception as error:
                attendee.session.errors.append(f"{type(error).__name__}: {str(error).splitlines()[0][:300]}")

        tasks = [asyncio.create_task(one(a)) for a in attendees]
        _, pending = await asyncio.wait(tasks, timeout=time_limit_s)
        for task, attendee in zip(tasks, attendees, strict=True):
            if task in pending:
                task.cancel()
                attendee.session.errors.append(f"not finished within the {time_limit_s:.0f} s limit")
        if pending:
            await asyncio.wait(pending, timeout=10)
        job_ids = {s.job_id for s in sessions if s.job_id}

        async def isolated(attendee: Attendee) -> None:
            try:
                await attendee.own_jobs_only(job_ids)
            except Exception as error:
                first_line = str(error).splitlines()[0] if str(error) else ""
                attendee.session.errors.append(f"job list check: {type(error).__name__}: {first_line}"[:300])

        await asyncio.gather(*(isolated(a) for a in attendees if a.session.job_id and not a.session.errors))
        for attendee in attendees:
            try:
                await attendee.speed_as_chosen()
            except Exception as error:
                attendee.session.warnings.append(f"speed check: {type(error).__name__}")
        for context in contexts:
            await context.close()
        await browser.close()


@dataclass(frozen=True, slots=True)
class Usage:
    """What the run cost: the server's peak memory and CPU, and how busy the whole machine was."""

    peak_kb: int
    server_cpu_s: float
    machine_busy_fraction: float


def report(sessions: list[Session], watch: MemoryWatch, usage: Usage, wall_s: float) -> int:
    latencies = [v for s in sessions for values in s.latencies_ms.values() for v in values if s.latencies_ms]
    interactions = [
        v for s in sessions for name, values in s.latencies_ms.items() if name != "first page" for v in values
    ]
    errors = [(s.index, e) for s in sessions for e in s.errors]
    before_kb = watch.samples[0][1] if watch.samples else 0
    print()
    print(
        f"load test: {len(sessions)} concurrent browser sessions, one server on 127.0.0.1, "
        f"{wall_s:.0f} s wall, {os.cpu_count()} CPUs"
    )
    print()
    print("| measure | value |")
    print("| --- | ---: |")
    print(f"| sessions | {len(sessions)} |")
    print(f"| sessions with errors | {len({i for i, _ in errors})} |")
    print(f"| errors | {len(errors)} |")
    print(f"| jobs succeeded | {sum(s.status == 'succeeded' for s in sessions)} / {len(sessions)} |")
    if interactions:
        print(f"| interactions timed | {len(interactions)} |")
        print(f"| interaction latency p50 (ms) | {percentile(interactions, 0.50):.0f} |")
        print(f"| interaction latency p95 (ms) | {percentile(interactions, 0.95):.0f} |")
        print(f"| interaction latency max (ms) | {max(interactions):.0f} |")
    first = [s.latencies_ms["first page"][0] for s in sessions if "first page" in s.latencies_ms]
    if first:
        print(f"| first page drawn, p95 (ms) | {percentile(first, 0.95):.0f} |")
    jobs = [s.job_s for s in sessions if s.status]
    if jobs:
        print(f"| job shown → terminal shown, median / max (s) | {statistics.median(jobs):.1f} / {max(jobs):.1f} |")
    service = [s.service_s for s in sessions if s.service_s is not None]
    if service:
        print(
            f"| job created → finished (service clock), median / max (s) "
            f"| {statistics.median(service):.0f} / {max(service):.0f} |"
        )
    print(f"| server RSS before the sessions (MB) | {before_kb / 1024:.0f} |")
    print(f"| server peak RSS, VmHWM (MB) | {usage.peak_kb / 1024:.0f} |")
    print(f"| server CPU time (s) / share of one core | {usage.server_cpu_s:.0f} / {usage.server_cpu_s / wall_s:.0%} |")
    print(f"| whole machine busy (all {os.cpu_count()} cores, browsers included) | {usage.machine_busy_fraction:.0%} |")
    print()
    print("| interaction | count | p50 (ms) | p95 (ms) | max (ms) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    names = sorted({name for s in sessions for name in s.latencies_ms})
    for name in names:
        values = [v for s in sessions for v in s.latencies_ms.get(name, [])]
        print(
            f"| {name} | {len(values)} | {percentile(values, 0.5):.0f} | {percentile(values, 0.95):.0f} "
            f"| {max(values):.0f} |"
        )
    del latencies
    print()
    for session in sessions:
        for warning in session.warnings:
            print(f"WARNING session {session.index:02d}: {warning}")
    for index, error in errors:
        print(f"ERROR session {index:02d}: {error}")
    print("PASS: no errors, every session saw only its own data" if not errors else f"FAIL: {len(errors)} errors")
    return 0 if not errors else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sessions", type=int, default=20, help="concurrent browser sessions (default 20)")
    parser.add_argument("--time-limit", type=float, default=420, help="seconds before unfinished sessions fail")
    parser.add_argument("--stagger", type=float, default=0.25, help="seconds between session starts")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM}; install it with: apt-get install chromium", file=sys.stderr)
        return 2
    sessions = [Session(i, f"attendee{i:02d}-{secrets.token_hex(4)}") for i in range(args.sessions)]
    with running_app() as (process, url), MemoryWatch(process.pid) as watch:
        time.sleep(1)
        cpu_before, (busy_before, total_before) = watch.cpu_s(), watch.machine_busy_s()
        started = time.perf_counter()
        asyncio.run(drive(url, sessions, args.time_limit, args.stagger))
        wall_s = time.perf_counter() - started
        busy_after, total_after = watch.machine_busy_s()
        usage = Usage(
            peak_kb=watch.field_kb("VmHWM"),
            server_cpu_s=watch.cpu_s() - cpu_before,
            machine_busy_fraction=(busy_after - busy_before) / max(total_after - total_before, 1e-9),
        )
    return report(sessions, watch, usage, wall_s)


if __name__ == "__main__":
    sys.exit(main())
