"""`finetune-guide lab`: train a LoRA adapter, chat with it, merge it, and serve the lab over HTTP.

- `lab train DATA --json` prints one JSON object per logged step (with its loss) and leaves the adapter in --output
- the readable mode draws a progress bar from the same progress lines
- a file with errors prints the Dataset studio's report (the codes `check` gives), exits 1 and starts nothing
- a missing file exits 2 with one line and no traceback; impossible options are refused before anything runs
- `lab chat ADAPTER "prompt"` prints the adapter's answer; `lab merge ADAPTER OUT` writes a full model
- `lab serve` answers GET /v1/models for a Bearer key (401 without) and stops cleanly on Ctrl-C (exit 0, like `sandbox`)
- impossible options, folders that hold no adapter and a non-loopback host are refused with one line
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx2
import pytest

from finetune_guide.cli import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE_INPUT, main
from finetune_guide.cli.lab import RUN_SUBFOLDER, _follow
from tests.support import chat_rows, free_port, jsonl, wait_for

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ["--model", "tiny", "--epochs", "2", "--max-length", "128", "--learning-rate", "1e-2"]


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "finetune_guide", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"},
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-data")
    (folder / "train.jsonl").write_bytes(jsonl(chat_rows()))
    rows = chat_rows()
    rows[4] = {"messages": rows[4]["messages"][:2]}  # no assistant message
    (folder / "bad.jsonl").write_bytes(jsonl(rows))
    return folder


@pytest.fixture(scope="module")
def trained(data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    output = tmp_path_factory.mktemp("cli-train") / "adapter"
    return cli("lab", "train", str(data / "train.jsonl"), *TRAIN, "--output", str(output), "--json"), output


@pytest.mark.lab
def test_train_json_prints_one_object_per_step_and_leaves_the_adapter(
    trained: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, output = trained
    assert done.returncode == EXIT_OK, done.stderr[-2000:]
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    steps = [line for line in lines if line["kind"] == "step"]
    assert [line["step"] for line in steps] == [1, 2, 3, 4, 5, 6]  # 10 examples, batch 4, 2 epochs
    assert all(isinstance(line["loss"], float) for line in steps)
    assert lines[-1]["kind"] == "succeeded"
    assert (output / "adapter_config.json").is_file() and (output / "adapter_model.safetensors").is_file()
    assert not list(output.rglob("*.bin"))


@pytest.mark.lab
def test_the_readable_mode_draws_a_progress_bar(trained: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    class Finished:
        pid, returncode = 0, 0

        def poll(self) -> int:
            return 0

    out = io.StringIO()
    end = _follow(trained[1] / RUN_SUBFOLDER, Finished(), out, as_json=False)
    assert end is not None and end["kind"] == "succeeded"
    text = out.getvalue()
    assert "Loading tiny" in text and "Training on cpu: 6 steps" in text
    assert re.search(r"\[#{30}\] 6/6 loss \d+\.\d{4}", text), text
    assert re.search(r"\[#{5}\.{25}\] 1/6", text), text


@pytest.mark.lab
def test_chat_prints_the_adapters_answer(
    trained: tuple[subprocess.CompletedProcess[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["lab", "chat", str(trained[1]), "My parcel is late.", "--max-tokens", "12"])
    out, err = capsys.readouterr()
    assert code == EXIT_OK, err
    assert out.strip() and "Traceback" not in err


@pytest.mark.lab
def test_merge_writes_a_full_model(
    trained: tuple[subprocess.CompletedProcess[str], Path], tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    merged = tmp_path / "merged"
    assert main(["lab", "merge", str(trained[1]), str(merged)]) == EXIT_OK
    assert (merged / "config.json").is_file() and list(merged.glob("*.safetensors"))
    assert f"Merged model saved in {merged}" in capfd.readouterr().out


def test_a_file_with_errors_prints_the_studios_report_and_starts_nothing(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = str(data / "bad.jsonl")
    output = tmp_path / "never"
    assert main(["lab", "train", bad, "--output", str(output)]) == EXIT_FINDINGS
    err = capsys.readouterr().err
    assert main(["check", bad, "--json"]) == EXIT_FINDINGS
    codes = json.loads(capsys.readouterr().out)["error_counts"]
    assert codes == {"example_missing_assistant_message": 1}
    assert all(code in err for code in codes) and "line 5" in err
    assert "has errors; fix them" in err
    assert not (output / RUN_SUBFOLDER / "progress.jsonl").exists() and not output.exists()


def test_a_missing_file_exits_2_with_one_line(tmp_path: Path) -> None:
    done = cli("lab", "train", str(tmp_path / "nope.jsonl"), "--output", str(tmp_path / "out"), timeout=60)
    assert done.returncode == EXIT_UNUSABLE_INPUT
    assert done.stderr.strip().splitlines() == [f"finetune-guide lab: {tmp_path / 'nope.jsonl'}: no such file"]
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("option", "value"), [("--epochs", "0"), ("--learning-rate", "2"), ("--max-length", "4"), ("--batch-size", "0")]
)
def test_impossible_options_are_refused_before_anything_runs(
    data: Path, tmp_path: Path, option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out"
    assert main(["lab", "train", str(data / "train.jsonl"), option, value, "--output", str(output)]) == 2
    assert option in capsys.readouterr().err and not output.exists()


def test_chat_refuses_a_folder_that_is_neither_adapter_nor_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lab", "chat", str(tmp_path), "hello"]) == EXIT_UNUSABLE_INPUT
    assert "neither an adapter folder" in capsys.readouterr().err


def test_merge_refuses_a_folder_without_an_adapter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "merge", str(tmp_path), str(tmp_path / "out")]) == EXIT_UNUSABLE_INPUT
    assert "not an adapter folder" in capsys.readouterr().err


def test_serve_refuses_a_non_loopback_host_without_allow_remote(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "serve", "--host", "0.0.0.0", "--port", "0"]) == EXIT_UNUSABLE_INPUT
    assert "--allow-remote" in capsys.readouterr().err


def test_serve_answers_models_for_a_key_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "finetune_guide", "lab", "serve", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "FINETUNE_GUIDE_LAB_HOME": str(tmp_path / "lab"), "PYTHONUNBUFFERED": "1"},
    )
    try:
        url = f"http://127.0.0.1:{port}/v1"

        def models() -> httpx2.Response | None:
            assert process.poll() is None, "lab serve exited early"
            try:
                return httpx2.get(f"{url}/models", headers={"Authorization": "Bearer cli-key"}, timeout=5)
            except httpx2.TransportError:
                return None

        answer = wait_for(models, timeout=60, what="lab serve to answer")
        assert answer.status_code == 200
        assert "tiny" in {model["id"] for model in answer.json()["data"]}
        assert httpx2.get(f"{url}/models", timeout=5).status_code == 401
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    # Ctrl-C is how an operator stops the server, as with `sandbox`: a graceful shutdown, exit 0, no traceback.
    assert process.returncode == 0, err
    assert "Lab stopped." in out
    assert f"Local lab listening on {url}" in out
    assert "GET /v1/models 200" in out and "cli-key" not in out + err
    assert "Traceback" not in err
