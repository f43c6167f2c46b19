"""Fixes and conversions: each returns JSONL that re-validates without the problem it fixes and adds none."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from finetune_guide import datasets
from finetune_guide.datasets import fixes, tables
from finetune_guide.datasets.tables import ColumnMapping, TableError
from tests.support.datasets import MODEL

SAMPLES = Path("content/datasets")


def sample(name: str, language: str = "en") -> bytes:
    return (SAMPLES / language / name).read_bytes()


def errors(data: bytes, **options: str) -> dict[str, int]:
    return datasets.analyze(
        data, model=options.get("model", MODEL), method=options.get("method", "supervised")
    ).counts_for("error")


@pytest.mark.parametrize("language", ["en", "pl"])
def test_dropping_invalid_lines_of_the_broken_sample_leaves_a_clean_file(language: str) -> None:
    data = sample("broken.jsonl", language)
    assert errors(data)
    result = fixes.drop_invalid_lines(data, model=MODEL)
    assert errors(result.data) == {}
    assert result.removed > 0
    assert result.examples == len(result.data.splitlines())
    assert result.examples >= datasets.MIN_EXAMPLES


def test_dropping_counts_every_bad_line_even_past_the_report_cap() -> None:
    good = b'{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}\n'
    data = b"bad\n" * (datasets.MAX_ISSUES_PER_CODE + 10) + good
    result = fixes.drop_invalid_lines(data)
    assert result.removed == datasets.MAX_ISSUES_PER_CODE + 10
    assert result.data == good


def test_strip_whitespace_trims_messages_but_never_empties_them() -> None:
    line = {
        "messages": [
            {"role": "user", "content": "  Hi \n"},
            {"role": "assistant", "content": "   "},
            {"role": "assistant", "content": [{"type": "text", "text": " part "}]},
        ]
    }
    result = fixes.strip_whitespace((json.dumps(line) + "\nnot json\n").encode())
    fixed = json.loads(result.data.splitlines()[0])
    assert fixed["messages"][0]["content"] == "Hi"
    assert fixed["messages"][1]["content"] == "   "
    assert fixed["messages"][2]["content"][0]["text"] == "part"
    assert result.changed == 1
    assert result.data.splitlines()[1] == b"not json"


def test_strip_whitespace_removes_the_suggestion_from_the_broken_sample() -> None:
    data = sample("broken.jsonl")
    assert "whitespace" in datasets.analyze(data).counts
    fixed = fixes.strip_whitespace(data).data
    assert "whitespace" not in datasets.analyze(fixed).counts
    assert set(errors(fixed)) <= set(errors(data))


def test_remove_duplicates_keeps_the_first_copy() -> None:
    a = b'{"messages": [{"role": "user", "content": "A"}, {"role": "assistant", "content": "a"}]}'
    b = b'{"messages": [{"role": "user", "content": "B"}, {"role": "assistant", "content": "b"}]}'
    result = fixes.remove_duplicates(a + b"\n" + b + b"\n  " + a + b"  \n\n")
    assert result.data == a + b"\n" + b + b"\n"
    assert result.removed == 2  # the repeat and the blank line
    assert "duplicate_example" not in datasets.analyze(result.data).counts


def test_add_system_prompt_inserts_or_replaces() -> None:
    data = sample("broken.jsonl")
    result = fixes.add_system_prompt(data, "Be kind.")
    report = datasets.analyze(result.data)
    assert "missing_system_message" not in report.counts
    assert set(errors(result.data)) <= set(errors(data))
    replaced = fixes.add_system_prompt(sample("support_chat.jsonl"), "Be kind.", replace_existing=True)
    first = json.loads(replaced.data.splitlines()[0])
    assert first["messages"][0] == {"role": "system", "content": "Be kind."}
    assert replaced.changed == 24
    untouched = fixes.add_system_prompt(sample("support_chat.jsonl"), "Be kind.")
    assert untouched.changed == 0


def test_add_system_prompt_uses_developer_for_reinforcement_and_the_input_for_dpo() -> None:
    rft = fixes.add_system_prompt(
        sample("rft_classification.jsonl"), "Be exact.", method="reinforcement", replace_existing=True
    )
    assert json.loads(rft.data.splitlines()[0])["messages"][0]["role"] == "developer"
    assert errors(rft.data, method="reinforcement", model="o4-mini-2025-04-16") == {}
    dpo = fixes.add_system_prompt(sample("dpo_preferences.jsonl"), "Be kind.", method="dpo", replace_existing=True)
    assert json.loads(dpo.data.splitlines()[0])["input"]["messages"][0]["content"] == "Be kind."
    with pytest.raises(ValueError, match="empty"):
        fixes.add_system_prompt(b"", "   ")


@pytest.mark.parametrize("language", ["en", "pl"])
def test_legacy_prompt_completion_becomes_valid_chat(language: str) -> None:
    data = sample("legacy_completions.jsonl", language)
    assert "legacy_format" in errors(data)
    result = fixes.prompt_completion_to_chat(
        data, system_prompt="Answer briefly.", prompt_separator="###", stop_sequence="END"
    )
    assert result.changed == 12
    assert errors(result.data) == {}
    first = json.loads(result.data.splitlines()[0])["messages"]
    assert [m["role"] for m in first] == ["system", "user", "assistant"]
    assert not first[1]["content"].endswith("###")
    assert not first[2]["content"].endswith("END")


def test_legacy_pairs_left_empty_are_dropped() -> None:
    data = b'{"prompt": "###", "completion": " END"}\n{"prompt": "Q", "completion": "A"}\n'
    result = fixes.prompt_completion_to_chat(data, prompt_separator="###", stop_sequence="END")
    assert (result.examples, result.removed) == (1, 1)


def test_split_is_reproducible_and_both_halves_revalidate_clean() -> None:
    data = sample("support_chat.jsonl")
    first = fixes.split_train_validation(data, validation_ratio=0.25, seed=7)
    again = fixes.split_train_validation(data, validation_ratio=0.25, seed=7)
    other = fixes.split_train_validation(data, validation_ratio=0.25, seed=8)
    assert first == again
    assert first.validation != other.validation
    assert (first.train_examples, first.validation_examples) == (18, 6)
    assert sorted(first.train.splitlines() + first.validation.splitlines()) == sorted(data.splitlines())
    assert errors(first.train) == {}
    report = datasets.analyze(first.validation, role="validation")
    assert report.counts_for("error") == {}


def test_split_gives_each_file_one_example_at_least() -> None:
    data = b'{"messages": [{"role": "user", "content": "A"}, {"role": "assistant", "content": "a"}]}\n' * 2
    result = fixes.split_train_validation(data, validation_ratio=0.05)
    assert (result.train_examples, result.validation_examples) == (1, 1)
    with pytest.raises(ValueError):
        fixes.split_train_validation(data, validation_ratio=1.0)


# --- tables


@pytest.mark.parametrize("language", ["en", "pl"])
def test_the_csv_sample_converts_with_a_column_mapping(language: str) -> None:
    table = tables.read_table(sample("support_faq.csv", language), "support_faq.csv")
    user, assistant = table.columns[0], table.columns[1]
    conversion = tables.table_to_chat(table, ColumnMapping(user, assistant, system_prompt="You help shoppers."))
    assert conversion.examples == 12
    assert conversion.skipped_rows == (14,)
    assert errors(conversion.data) == {}
    assert datasets.analyze(conversion.data).counts_for("warning") == {}


def test_csv_with_semicolons_and_windows_1250_is_read() -> None:
    data = "pytanie;odpowiedź;kategoria\nGdzie paczka?;Już jedzie.;dostawa\n".encode("cp1250")
    table = tables.read_table(data, "faq.csv")
    assert list(table.columns) == ["pytanie", "odpowiedź", "kategoria"]
    conversion = tables.table_to_chat(table, ColumnMapping("pytanie", "odpowiedź", system="kategoria"))
    assert json.loads(conversion.data)["messages"][0] == {"role": "system", "content": "dostawa"}


def test_excel_workbooks_convert_like_csv(tmp_path: Path) -> None:
    path = tmp_path / "faq.xlsx"
    pd.DataFrame({"question": ["Q1", "Q2", None], "answer": ["A1", "A2", "A3"]}).to_excel(path, index=False)
    table = tables.read_table(path.read_bytes(), "faq.xlsx")
    conversion = tables.table_to_chat(table, ColumnMapping("question", "answer"))
    assert conversion.examples == 2
    assert conversion.skipped_rows == (4,)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.csv", "empty"),
        (b"question,answer\n", "header.csv", "no rows"),
        (b"not a zip", "broken.xlsx", "damaged"),
        (b"a,b\n1,2\n", "notes.txt", "only .csv and .xlsx"),
    ],
)
def test_unreadable_tables_say_why(data: bytes, name: str, message: str) -> None:
    with pytest.raises(TableError, match=message):
        tables.read_table(data, name)


def test_a_workbook_that_unpacks_too_large_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 200_000)
    monkeypatch.setattr(tables, "MAX_WORKBOOK_BYTES", 100_000)
    with pytest.raises(TableError, match="unpacks"):
        tables.read_table(buffer.getvalue(), "bomb.xlsx")


def test_mapping_to_a_missing_column_is_an_error() -> None:
    table = pd.DataFrame({"q": ["x"], "a": ["y"]})
    with pytest.raises(TableError, match="no column"):
        tables.table_to_chat(table, ColumnMapping("question", "a"))


# --- the samples themselves


@pytest.mark.parametrize("language", ["en", "pl"])
@pytest.mark.parametrize("sample_id", ["support_chat", "tool_calling", "dpo_preferences", "rft_classification"])
def test_the_clean_samples_have_no_errors_or_warnings(language: str, sample_id: str) -> None:
    entry = next(s for s in datasets.samples() if s.id == sample_id)
    report = datasets.analyze(entry.path(language).read_bytes(), model=entry.model, method=entry.method)
    assert report.counts_for("error") == {}
    assert report.counts_for("warning") == {}
    assert report.examples >= datasets.MIN_EXAMPLES


@pytest.mark.parametrize("language", ["en", "pl"])
def test_the_broken_sample_shows_the_cookbook_errors_and_the_new_ones(language: str) -> None:
    report = datasets.analyze(sample("broken.jsonl", language))
    expected = {
        "invalid_json",
        "invalid_utf8",
        "data_type",
        "unknown_format",
        "missing_messages_list",
        "message_missing_key",
        "message_unrecognized_key",
        "unrecognized_role",
        "missing_content",
        "example_missing_assistant_message",
        "weight_invalid",
        "tool_call_missing_id",
        "tool_call_bad_arguments",
        "tool_message_unmatched",
        "duplicate_key",
        "legacy_format",
        "image_bad_url",
        "image_in_assistant",
        "blank_line",
        "duplicate_example",
        "empty_reply",
        "missing_system_message",
        "whitespace",
    }
    assert expected <= set(report.counts)
