"""`finetune-guide sandbox`: serves both dialects on loopback, explains how to connect, stops on Ctrl-C."""

from __future__ import annotations

import io
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from typing import IO

import openai
import pytest

from finetune_guide.cli import EXIT_UNUSABLE_INPUT, build_parser, main
from finetune_guide.cli.sandbox import run, usage_text
from tests.site import ROOT
from tests.support import wait_for_job
from tests.support.sandbox import plain_chat_jsonl

# Deadlines, not sleeps: generous so a loaded machine passes, finite so a hung server fails instead of hanging.
STARTUP_TIMEOUT_S = 60
JOB_TIMEOUT_S = 60
STOP_TIMEOUT_S = 30


def test_the_command_is_registered_with_its_options() -> None:
    args = build_parser().parse_args(["sandbox"])
    assert (args.host, args.port, args.fast, args.allow_remote) == ("127.0.0.1", 8765, False, False)
    args = build_parser().parse_args(["sandbox", "--host", "::1", "--port", "9000", "--fast", "--allow-remote"])
    assert (args.host, args.port, args.fast, args.allow_remote) == ("::1", 9000, True, True)
    assert args.handler is run


def test_a_non_loopback_host_is_refused_without_allow_remote(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--host", "0.0.0.0", "--port", "0"]) == EXIT_UNUSABLE_INPUT
    err = capsys.readouterr().err
    assert "refusing" in err and "--allow-remote" in err


def test_a_busy_port_gets_a_clear_message(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["sandbox", "--port", str(port), "--quiet"]) == EXIT_UNUSABLE_INPUT
    err = capsys.readouterr().err
    assert f"127.0.0.1:{port}" in err and "--port" in err


def test_an_impossible_port_is_refused() -> None:
    out = io.StringIO()
    args = build_parser().parse_args(["sandbox", "--port", "70000"])
    assert run(args, out=out) == EXIT_UNUSABLE_INPUT
    assert "--port" in out.getvalue()


def test_the_usage_text_shows_every_dialect_and_how_to_rehearse() -> None:
    text = usage_text("http://127.0.0.1:8765", fast=False)
    for needed in (
        "http://127.0.0.1:8765/v1",
        'azure_endpoint="http://127.0.0.1:8765"',
        "http://127.0.0.1:8765/openai/v1/",
        "api-version",
        "Ctrl-C",
        "refused_403",
        "45 s",
    ):
        assert needed in text
    assert "within 5 s" in usage_text("http://127.0.0.1:8765", fast=True)
    assert "Warning" in usage_text("http://0.0.0.0:8765", fast=True, remote=True)


class _Output:
    """Reads a process's stdout and stderr on threads, so the test can wait with a deadline instead of blocking."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None and process.stderr is not None
        self.lines: queue.Queue[str] = queue.Queue()
        self.out: list[str] = []
        self.err: list[str] = []
        self._threads = [
            threading.Thread(target=self._read, args=(process.stdout, self.out, self.lines), daemon=True),
            threading.Thread(target=self._read, args=(process.stderr, self.err, None), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @staticmethod
    def _read(stream: IO[str], into: list[str], lines: queue.Queue[str] | None) -> None:
        for line in stream:
            into.append(line)
            if lines is not None:
                lines.put(line)

    def first_line(self, timeout: float) -> str:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"the sandbox printed nothing within {timeout:.0f} s: {''.join(self.err)}") from None

    def close(self, timeout: float) -> tuple[str, str]:
        """Everything the process wrote, once it has exited and closed both pipes."""
        for thread in self._threads:
            thread.join(timeout=timeout)
        return "".join(self.out), "".join(self.err)


def test_the_server_serves_both_dialects_and_stops_cleanly_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "finetune_guide", "sandbox", "--port", "0", "--fast"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    output = _Output(process)
    try:
        first = output.first_line(timeout=STARTUP_TIMEOUT_S)
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", first)
        assert match, first
        url = match.group(1)
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="cli-test", max_retries=0)
        training = client.files.create(file=("train.jsonl", plain_chat_jsonl()), purpose="fine-tune")
        job = client.fine_tuning.jobs.create(training_file=training.id, model="gpt-4o-mini")
        done = wait_for_job(client, job.id, timeout=JOB_TIMEOUT_S, statuses=frozenset({"succeeded"}))
        # The server's own clock, not the test's: a loaded machine may poll late, but the job was quick.
        assert (done.finished_at or 0) - done.created_at <= 5, "a --fast job should finish within 5 s"
        azure = openai.AzureOpenAI(
            azure_endpoint=url, api_key="cli-test", api_version="2025-04-01-preview", max_retries=0
        )
        assert [j.id for j in azure.fine_tuning.jobs.list()] == [job.id]

        process.send_signal(signal.SIGINT)
        process.wait(timeout=STOP_TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    out, err = output.close(timeout=STOP_TIMEOUT_S)
    assert process.returncode == 0, err
    assert "Sandbox stopped." in out
    assert "Traceback" not in err
    assert "cli-test" not in out + err
    assert "POST /v1/fine_tuning/jobs 200" in out
