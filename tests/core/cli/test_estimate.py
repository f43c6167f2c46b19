"""`finetune-guide estimate`: the published examples, the --json keys; bad input exits 2 with a message."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finetune_guide.cli import EXIT_OK, EXIT_UNUSABLE_INPUT, main

BASE_KEYS = {
    "provider",
    "model",
    "method",
    "epochs",
    "epochs_rule",
    "billing_tokens_per_epoch",
    "billed_training_tokens",
    "training_cost_usd",
    "price_per_1m_training_usd",
    "price_as_of",
    "price_source",
    "availability",
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["estimate", *argv])
    except SystemExit as stop:  # argparse reports bad arguments by exiting
        code = int(stop.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    code, out, err = run(capsys, *argv, "--json")
    assert code == EXIT_OK, err
    return dict(json.loads(out))


def test_openai_example_100k_tokens_3_epochs_on_gpt_4o_mini_is_90_cents(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = run_json(capsys, "--model", "gpt-4o-mini", "--tokens", "100000", "--epochs", "3")
    assert report["training_cost_usd"] == 0.90
    assert report["price_per_1m_training_usd"] == 3.0
    assert report["billed_training_tokens"] == 300_000
    assert report["model"] == "gpt-4o-mini-2024-07-18"


def test_azure_example_1m_tokens_2_epochs_global_gpt_41_is_4_dollars(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = run_json(
        capsys,
        "--model",
        "gpt-4.1",
        "--provider",
        "azure",
        "--tier",
        "global",
        "--tokens",
        "1000000",
        "--epochs",
        "2",
    )
    assert report["training_cost_usd"] == 4.0
    assert report["price_as_of"] == "2026-03-19"
    assert "[example]" in str(report["price_source"])


def test_azure_standard_hosting_for_a_month_is_1_70_times_720(capsys: pytest.CaptureFixture[str]) -> None:
    report = run_json(capsys, "--model", "gpt-4o-mini", "--provider", "azure", "--tokens", "1000")
    assert report["monthly_hosting_cost_usd"] == pytest.approx(1.70 * 720)


def test_json_has_exactly_the_documented_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert set(run_json(capsys, "--model", "gpt-4o-mini", "--tokens", "1000")) == BASE_KEYS
    with_traffic = run_json(
        capsys,
        "--model",
        "gpt-4o-mini",
        "--tokens",
        "1000",
        "--requests-per-day",
        "1000",
        "--input-tokens",
        "500",
        "--output-tokens",
        "200",
    )
    assert set(with_traffic) == BASE_KEYS | {"monthly_inference_cost_usd"}
    assert with_traffic["monthly_inference_cost_usd"] == pytest.approx(1000 * (500 * 0.30 + 200 * 1.20) / 1e6 * 30)
    azure = run_json(capsys, "--model", "gpt-4o-mini", "--provider", "azure", "--tokens", "1000")
    assert set(azure) == BASE_KEYS | {"monthly_hosting_cost_usd"}


def test_auto_epochs_apply_the_rule_to_the_example_count(capsys: pytest.CaptureFixture[str]) -> None:
    report = run_json(capsys, "--model", "gpt-4o-mini", "--tokens", "5000", "--examples", "5")
    assert report["epochs"] == 20
    assert "100 // 5" in str(report["epochs_rule"])


def test_availability_names_the_openai_wind_down(capsys: pytest.CaptureFixture[str]) -> None:
    report = run_json(capsys, "--model", "gpt-4o-mini", "--tokens", "1000")
    assert "existing customers only" in str(report["availability"])


def test_text_output_shows_the_cost_and_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--model", "gpt-4o-mini", "--tokens", "100000", "--epochs", "3")
    assert code == EXIT_OK
    assert "$0.90" in out
    assert "[third party]" in out


def test_an_unknown_model_exits_2_and_lists_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--model", "gpt-9-turbo", "--tokens", "1000")
    assert code == EXIT_UNUSABLE_INPUT
    assert "unknown model 'gpt-9-turbo'" in err
    assert "gpt-4o-mini-2024-07-18" in err
    assert out == ""


@pytest.mark.parametrize(
    "argv",
    [
        ["--tokens", "-5"],
        ["--tokens", "0"],
        ["--tokens", "nan"],
        ["--tokens", "inf"],
        ["--tokens", "1e30"],
        ["--tokens", "lots"],
        ["--tokens", "1000", "--epochs", "0"],
        ["--tokens", "1000", "--epochs", "51"],
        ["--tokens", "1000", "--epochs", "sometimes"],
        ["--tokens", "1000", "--examples", "-1"],
        ["--tokens", "1000", "--requests-per-day", "10"],
        ["--tokens", "1000", "--tier", "global"],
        ["--tokens", "1000", "--provider", "gcp"],
        ["--file", "/nonexistent/train.jsonl"],
        ["--file", "x.jsonl", "--tokens", "5"],
        [],
    ],
)
def test_bad_arguments_exit_2_with_a_message_and_no_traceback(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, _, err = run(capsys, "--model", "gpt-4o-mini", *argv)
    assert code == EXIT_UNUSABLE_INPUT
    assert "error:" in err
    assert "Traceback" not in err


def test_azure_o4_mini_has_no_developer_training_tier(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--model", "o4-mini", "--provider", "azure", "--tier", "developer", "--tokens", "10")
    assert code == EXIT_UNUSABLE_INPUT
    assert "standard, global" in err


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    tokens=st.one_of(st.text(max_size=12), st.integers(), st.floats()).map(str),
    epochs=st.one_of(st.just("auto"), st.text(max_size=4), st.integers(min_value=-5, max_value=60).map(str)),
)
def test_any_tokens_and_epochs_text_gives_an_estimate_or_exit_2(
    capsys: pytest.CaptureFixture[str], tokens: str, epochs: str
) -> None:
    code, out, err = run(capsys, "--model", "gpt-4o-mini", f"--tokens={tokens}", f"--epochs={epochs}", "--json")
    assert code in (EXIT_OK, EXIT_UNUSABLE_INPUT)
    if code == EXIT_OK:
        assert json.loads(out)["training_cost_usd"] >= 0
    else:
        assert "error:" in err


COOKBOOK_EXAMPLE = {
    "messages": [
        {"role": "system", "content": "You are a happy assistant that puts a positive spin on everything."},
        {"role": "user", "content": "I fell off my bike today."},
        {"role": "assistant", "content": "It's great that you're getting exercise outdoors!"},
    ]
}


def test_a_file_is_counted_exactly_and_the_auto_rule_applies(
    capsys: pytest.CaptureFixture[str], tmp_path: pytest.TempPathFactory
) -> None:
    path = tmp_path / "train.jsonl"  # type: ignore[operator]
    path.write_text("\n".join(json.dumps(COOKBOOK_EXAMPLE) for _ in range(5)) + "\n")
    report = run_json(capsys, "--model", "gpt-3.5-turbo", "--file", str(path))
    # The cookbook counts its first example as 45 cl100k tokens; 5 examples → 20 epochs.
    assert report["billing_tokens_per_epoch"] == 5 * 45
    assert report["epochs"] == 20
    assert report["billed_training_tokens"] == 20 * 225


def test_a_file_without_usable_examples_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: pytest.TempPathFactory
) -> None:
    path = tmp_path / "broken.jsonl"  # type: ignore[operator]
    path.write_text("not json\n{still not\n")
    code, _, err = run(capsys, "--model", "gpt-4o-mini", "--file", str(path))
    assert code == EXIT_UNUSABLE_INPUT
    assert "no usable examples" in err
