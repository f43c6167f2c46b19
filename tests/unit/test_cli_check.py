"""`finetune-guide check`: exit codes, the exact --json keys, readable output, and unusable input."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from finetune_guide.cli import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE_INPUT, main

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "content" / "datasets" / "en"
JSON_KEYS = [
    "file",
    "format",
    "model",
    "encoding",
    "examples",
    "errors",
    "error_counts",
    "warnings",
    "warning_counts",
    "tokens",
    "assistant_tokens",
    "max_tokens_per_example",
    "too_long_examples",
    "billing_tokens_per_epoch",
    "default_epochs",
    "billed_training_tokens",
]
DISTRIBUTION_KEYS = ["total", "min", "max", "mean", "p10", "p50", "p90"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_clean_file_exits_0_with_the_exact_json_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(SAMPLES / "support_chat.jsonl"), "--json")
    assert code == EXIT_OK
    assert err == ""
    report = json.loads(out)
    assert list(report) == JSON_KEYS
    assert list(report["tokens"]) == DISTRIBUTION_KEYS
    assert list(report["assistant_tokens"]) == DISTRIBUTION_KEYS
    assert report["format"] == "chat"
    assert report["model"] == "gpt-4o-mini-2024-07-18"
    assert report["encoding"] == "o200k_base"
    assert report["examples"] == 24
    assert report["errors"] == [] and report["error_counts"] == {}
    assert report["max_tokens_per_example"] == 65_536
    assert report["default_epochs"] == 4
    assert report["billed_training_tokens"] == 4 * report["billing_tokens_per_epoch"]


def test_a_file_with_errors_exits_1_and_lists_them(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(SAMPLES / "broken.jsonl"), "--json")
    assert code == EXIT_FINDINGS
    report = json.loads(out)
    assert report["error_counts"]["invalid_json"] == 2
    assert {"line", "code", "message"} == set(report["errors"][0])
    assert all(issue["line"] >= 1 for issue in report["errors"])
    assert report["warning_counts"]["duplicate_example"] == 1
    assert sum(report["error_counts"].values()) == len(report["errors"])


def test_readable_output_names_problems_fixes_and_figures(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(SAMPLES / "broken.jsonl"))
    assert code == EXIT_FINDINGS
    assert "errors (" in out and "fix:" in out
    assert "line 2" in out and "invalid_json" in out
    assert "billed training:" in out
    assert out.rstrip().endswith("fix them before uploading.")


def test_model_and_method_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        str(SAMPLES / "dpo_preferences.jsonl"),
        "--model",
        "gpt-4.1-mini-2025-04-14",
        "--method",
        "dpo",
        "--json",
    )
    assert code == EXIT_OK
    assert json.loads(out)["format"] == "dpo"
    code, out, _ = run(capsys, str(SAMPLES / "support_chat.jsonl"), "--model", "gpt-3.5-turbo-0613", "--json")
    assert json.loads(out)["encoding"] == "cl100k_base"
    assert json.loads(out)["max_tokens_per_example"] == 4096


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "no such file"),
        (b"", "holds no examples"),
        (bytes(range(256)) * 4, "binary"),
        ('{"messages": []}\n'.encode("utf-16"), "UTF-16"),
    ],
)
def test_unusable_input_exits_2_with_one_line_on_stderr(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes | None, fragment: str
) -> None:
    path = tmp_path / "data.jsonl"
    if content is not None:
        path.write_bytes(content)
    code, out, err = run(capsys, str(path), "--json")
    assert code == EXIT_UNUSABLE_INPUT
    assert out == ""
    assert fragment in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_a_directory_is_unusable_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, str(tmp_path))
    assert code == EXIT_UNUSABLE_INPUT
    assert "directory" in err


def test_standard_input_is_read_with_a_dash(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = (SAMPLES / "support_chat.jsonl").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run(capsys, "-", "--json")
    assert code == EXIT_OK
    assert json.loads(out)["file"] == "-"
    assert json.loads(out)["examples"] == 24


def test_the_module_entry_point_runs_the_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "finetune_guide", "check", str(SAMPLES / "broken.jsonl"), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == EXIT_FINDINGS
    assert json.loads(result.stdout)["file"].endswith("broken.jsonl")
    assert result.stderr == ""


def test_check_is_listed_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "check" in capsys.readouterr().out
