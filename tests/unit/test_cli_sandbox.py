"""`finetune-guide sandbox`: serves both dialects on loopback, explains how to connect, stops on Ctrl-C."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import openai
import pytest

from finetune_guide.cli import EXIT_UNUSABLE_INPUT, build_parser, main
from finetune_guide.cli.sandbox import run, usage_text

ROOT = Path(__file__).resolve().parents[2]


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


def test_the_server_serves_both_dialects_and_stops_cleanly_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "finetune_guide", "sandbox", "--port", "0", "--fast"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", first)
        assert match, first
        url = match.group(1)
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="cli-test", max_retries=0)
        lines = [
            json.dumps(
                {
                    "messages": [
                        {"role": "user", "content": f"q{i}"},
                        {"role": "assistant", "content": f"a{i}"},
                    ]
                }
            )
            for i in range(10)
        ]
        training = client.files.create(file=("train.jsonl", "\n".join(lines).encode()), purpose="fine-tune")
        job = client.fine_tuning.jobs.create(training_file=training.id, model="gpt-4o-mini")
        deadline = time.monotonic() + 10
        while client.fine_tuning.jobs.retrieve(job.id).status != "succeeded":
            assert time.monotonic() < deadline, "a --fast job should finish within 5 s"
            time.sleep(0.25)
        azure = openai.AzureOpenAI(
            azure_endpoint=url, api_key="cli-test", api_version="2025-04-01-preview", max_retries=0
        )
        assert [j.id for j in azure.fine_tuning.jobs.list()] == [job.id]

        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "Sandbox stopped." in out
    assert "Traceback" not in err
    assert "cli-test" not in out + err
    assert "POST /v1/fine_tuning/jobs 200" in out
