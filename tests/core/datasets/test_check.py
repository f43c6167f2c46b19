"""datasets.analyze: formats, every error and warning, the token formula, statistics and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from finetune_guide import datasets
from finetune_guide.costs import default_epochs
from finetune_guide.datasets import reading
from finetune_guide.tokens import count_tokens, get_encoding
from tests.support.datasets import (
    ASSISTANT,
    MODEL,
    SYSTEM,
    USER,
    chat,
    check,
    codes,
    jsonl,
    line_codes,
    valid_file,
    varied,
)

# --- formats


@pytest.mark.parametrize(
    ("example", "method", "expected"),
    [
        (chat(SYSTEM, USER, ASSISTANT), "supervised", "chat"),
        (
            chat(
                USER,
                {
                    "role": "assistant",
                    "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
                },
                {"role": "tool", "tool_call_id": "c1", "content": "42"},
                ASSISTANT,
                tools=[{"type": "function", "function": {"name": "f"}}],
            ),
            "supervised",
            "chat_tools",
        ),
        (
            chat(
                USER,
                {"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": "{}"}},
                {"role": "function", "name": "f", "content": "42"},
                ASSISTANT,
                functions=[{"name": "f"}],
            ),
            "supervised",
            "chat_functions",
        ),
        (
            chat(
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is this?"},
                        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
                    ],
                },
                ASSISTANT,
            ),
            "supervised",
            "chat_images",
        ),
        (
            {
                "input": {"messages": [USER]},
                "preferred_output": [ASSISTANT],
                "non_preferred_output": [{"role": "assistant", "content": "Lyon."}],
            },
            "dpo",
            "dpo",
        ),
        (
            chat({"role": "developer", "content": "Answer briefly."}, USER, reference="Paris"),
            "reinforcement",
            "rft",
        ),
        ({"prompt": "Capital of France?", "completion": " Paris"}, "supervised", "prompt_completion"),
    ],
)
def test_the_format_is_detected(example: dict[str, Any], method: str, expected: str) -> None:
    report = check(jsonl(*[example] * 10), method=method)
    assert report.format == expected


def test_valid_chat_file_has_no_errors_or_warnings() -> None:
    report = check(valid_file(60))
    assert report.ok
    assert report.errors == () and report.warnings == ()
    assert report.examples == 60


# --- the cookbook's seven errors, kept


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ([1, 2, 3], "data_type"),
        ("just a string", "data_type"),
        ({"messages": []}, "missing_messages_list"),
        ({"messages": None}, "missing_messages_list"),
        (chat({"content": "no role"}, ASSISTANT), "message_missing_key"),
        (chat({"role": "user"}, ASSISTANT), "message_missing_key"),
        (chat({**USER, "timestamp": "2026-01-01"}, ASSISTANT), "message_unrecognized_key"),
        (chat({"role": "bot", "content": "hi"}, ASSISTANT), "unrecognized_role"),
        (chat(USER, {"role": "assistant", "content": ""}), "missing_content"),
        (chat(USER, {"role": "assistant", "content": 42}), "missing_content"),
        (chat(SYSTEM, USER), "example_missing_assistant_message"),
    ],
)
def test_cookbook_error_codes_keep_their_meaning(line: object, code: str) -> None:
    assert code in line_codes(jsonl(line))


# --- what the cookbook got wrong: valid data it rejected or crashed on


def test_tool_calls_with_null_content_and_tool_messages_are_valid() -> None:
    example = chat(
        SYSTEM,
        USER,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "lookup", "arguments": '{"q": "x"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "Paris"},
        ASSISTANT,
        tools=[{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}],
    )
    assert check(varied(example)).counts == {"few_examples": 1}


def test_weight_zero_and_one_on_assistant_messages_are_valid_and_counted() -> None:
    example = chat(
        SYSTEM,
        USER,
        {**ASSISTANT, "weight": 0},
        USER,
        {"role": "assistant", "content": "Paris, yes.", "weight": 1},
    )
    report = check(jsonl(*[example] * 12))
    assert report.ok
    assert report.stats is not None
    # weight 0 is not trained on, so only the second reply is an assistant token
    assert report.stats.assistant_tokens.max == count_tokens("Paris, yes.", "o200k_base")


def test_content_parts_are_valid() -> None:
    parts = [{"type": "text", "text": "Hello"}, {"type": "text", "text": " world"}]
    assert check(jsonl(*[chat(SYSTEM, {"role": "user", "content": parts}, ASSISTANT)] * 12)).ok


# --- the new checks


@pytest.mark.parametrize(
    ("line", "code"),
    [
        (chat(USER, {**ASSISTANT, "weight": 2}), "weight_invalid"),
        (chat(USER, {**ASSISTANT, "weight": True}), "weight_invalid"),
        (chat({**USER, "weight": 1}, ASSISTANT), "weight_invalid"),
        (
            chat(
                USER,
                {
                    "role": "assistant",
                    "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "{}"}}],
                },
            ),
            "tool_call_missing_id",
        ),
        (
            chat(
                USER,
                {
                    "role": "assistant",
                    "tool_calls": [{"id": "c", "type": "function", "function": {"arguments": "{}"}}],
                },
            ),
            "tool_call_missing_name",
        ),
        (
            chat(
                USER,
                {
                    "role": "assistant",
                    "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": {"a": 1}}}],
                },
            ),
            "tool_call_bad_arguments",
        ),
        (
            chat(
                USER,
                {
                    "role": "assistant",
                    "tool_calls": [
                        {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{not json"}}
                    ],
                },
            ),
            "tool_call_bad_arguments",
        ),
        (chat(USER, {"role": "assistant", "tool_calls": []}), "tool_calls_invalid"),
        (
            chat(USER, {"role": "tool", "tool_call_id": "nobody", "content": "x"}, ASSISTANT),
            "tool_message_unmatched",
        ),
        (chat(USER, {"role": "tool", "content": "x"}, ASSISTANT), "tool_message_unmatched"),
        (chat(USER, {"role": "assistant", "function_call": {"arguments": "{}"}}), "function_call_invalid"),
        (chat(USER, ASSISTANT, tools=[{"type": "function", "function": {}}]), "tools_invalid"),
        (chat(USER, ASSISTANT, tools="lookup"), "tools_invalid"),
        (
            chat(
                {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "ftp://x/y.png"}}]},
                ASSISTANT,
            ),
            "image_bad_url",
        ),
        (
            chat(
                USER,
                {
                    "role": "assistant",
                    "content": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}],
                },
            ),
            "image_in_assistant",
        ),
        (
            chat(
                {
                    "role": "user",
                    "content": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}] * 11,
                },
                ASSISTANT,
            ),
            "too_many_images",
        ),
        (chat({"role": "user", "content": [{"type": "audio"}]}, ASSISTANT), "invalid_content_part"),
        (chat({"role": "user", "content": [{"type": "text"}]}, ASSISTANT), "invalid_content_part"),
        (chat({**USER, "name": 7}, ASSISTANT), "invalid_value"),
        ({"prompt": "Capital?", "completion": "Paris"}, "legacy_format"),
        (
            {
                "input": {"messages": [USER]},
                "preferred_output": [ASSISTANT],
                "non_preferred_output": [ASSISTANT],
            },
            "format_mismatch",
        ),
        ({"text": "hello"}, "unknown_format"),
    ],
)
def test_new_error_codes(line: object, code: str) -> None:
    assert code in line_codes(jsonl(line))


def test_data_urls_of_jpeg_png_and_webp_images_are_accepted() -> None:
    for kind in ("jpeg", "png", "webp"):
        url = f"data:image/{kind};base64,AAAA"
        line = chat(
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url, "detail": "low"}}]},
            ASSISTANT,
        )
        assert "image_bad_url" not in line_codes(jsonl(line), model="gpt-4o-2024-08-06")


def test_images_with_a_model_without_vision_are_a_warning() -> None:
    line = chat(
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}]},
        ASSISTANT,
    )
    assert "images_not_supported" in codes(check(jsonl(line)))
    assert "images_not_supported" not in codes(check(jsonl(line), model="gpt-4o-2024-08-06"))


def test_tool_call_to_an_undefined_function_is_a_warning() -> None:
    line = chat(
        USER,
        {
            "role": "assistant",
            "tool_calls": [{"id": "c", "type": "function", "function": {"name": "other", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c", "content": "ok"},
        ASSISTANT,
        tools=[{"type": "function", "function": {"name": "lookup"}}],
    )
    report = check(jsonl(line))
    assert "tool_not_defined" in report.counts_for("warning")


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ({"preferred_output": [ASSISTANT], "non_preferred_output": [ASSISTANT]}, "dpo_missing_input"),
        (
            {"input": {"messages": [USER]}, "non_preferred_output": [ASSISTANT]},
            "dpo_missing_preferred_output",
        ),
        (
            {"input": {"messages": [USER]}, "preferred_output": [ASSISTANT]},
            "dpo_missing_non_preferred_output",
        ),
        (
            {"input": {"messages": [USER]}, "preferred_output": [USER], "non_preferred_output": [ASSISTANT]},
            "dpo_output_not_assistant",
        ),
        (
            {
                "input": {"messages": [USER]},
                "preferred_output": [ASSISTANT, ASSISTANT],
                "non_preferred_output": [ASSISTANT],
            },
            "dpo_output_not_assistant",
        ),
        (
            {
                "input": {"messages": [USER, ASSISTANT]},
                "preferred_output": [ASSISTANT],
                "non_preferred_output": [{"role": "assistant", "content": "no"}],
            },
            "dpo_input_ends_with_assistant",
        ),
        (chat(USER, ASSISTANT), "format_mismatch"),
    ],
)
def test_dpo_errors(line: object, code: str) -> None:
    assert code in line_codes(jsonl(line), method="dpo", model="gpt-4.1-mini-2025-04-14")


def test_identical_dpo_outputs_are_a_warning() -> None:
    line = {
        "input": {"messages": [USER]},
        "preferred_output": [ASSISTANT],
        "non_preferred_output": [ASSISTANT],
    }
    report = check(jsonl(line), method="dpo", model="gpt-4.1-mini-2025-04-14")
    assert "dpo_identical_outputs" in report.counts_for("warning")


def test_dpo_counts_the_input_and_the_preferred_output_only() -> None:
    short = {
        "input": {"messages": [USER]},
        "preferred_output": [ASSISTANT],
        "non_preferred_output": [{"role": "assistant", "content": "word " * 500}],
    }
    report = check(jsonl(short), method="dpo", model="gpt-4.1-mini-2025-04-14")
    expected, _ = datasets.example_tokens(chat(USER, ASSISTANT))
    assert report.stats is not None
    assert report.stats.tokens.total == expected


@pytest.mark.parametrize(
    ("line", "code"),
    [
        (chat(SYSTEM, USER), "rft_system_role"),
        (chat({"role": "developer", "content": "Be brief."}, USER, ASSISTANT), "rft_last_message_not_user"),
    ],
)
def test_reinforcement_errors(line: object, code: str) -> None:
    assert code in line_codes(jsonl(line), method="reinforcement", model="o4-mini-2025-04-16")


def test_reinforcement_examples_keep_extra_keys_for_graders() -> None:
    line = chat({"role": "developer", "content": "Classify."}, USER, category="geography", answer={"city": "Paris"})
    assert check(varied(line), method="reinforcement", model="o4-mini-2025-04-16").counts == {"few_examples": 1}


def test_a_method_the_model_does_not_support_is_a_warning() -> None:
    line = {
        "input": {"messages": [USER]},
        "preferred_output": [ASSISTANT],
        "non_preferred_output": [SYSTEM | {"role": "assistant"}],
    }
    report = check(jsonl(*[line] * 12), method="dpo", model=MODEL)
    assert "method_not_supported" in report.counts_for("warning")


def test_prompt_completion_is_valid_for_legacy_models_only() -> None:
    data = jsonl(*[{"prompt": f"Q{n}", "completion": " A"} for n in range(12)])
    assert check(data, model="babbage-002").ok
    assert "legacy_format" in codes(check(data))
    assert "legacy_format" in codes(check(valid_file(), model="davinci-002"))


# --- warnings and suggestions


def test_missing_system_and_user_messages_are_warnings() -> None:
    report = check(jsonl(chat(USER, ASSISTANT), chat(SYSTEM, ASSISTANT)))
    assert {"missing_system_message", "missing_user_message"} <= set(report.counts_for("warning"))


def test_whitespace_replies_and_blank_lines_are_reported() -> None:
    data = valid_file(3) + b"\n" + jsonl(chat(SYSTEM, USER, {"role": "assistant", "content": "  \n"}))
    data += jsonl(chat(SYSTEM, {"role": "user", "content": " padded "}, ASSISTANT))
    report = check(data)
    assert report.counts["blank_line"] == 1
    assert report.counts["empty_reply"] == 1
    assert report.counts_for("suggestion")["whitespace"] == 1
    blank = next(issue for issue in report.issues if issue.code == "blank_line")
    assert blank.line == 4


def test_duplicates_point_at_the_first_copy() -> None:
    line = chat(SYSTEM, USER, ASSISTANT)
    report = check(jsonl(line, chat(SYSTEM, ASSISTANT), line))
    duplicate = next(issue for issue in report.issues if issue.code == "duplicate_example")
    assert duplicate.line == 3
    assert dict(duplicate.params)["first"] == 1


def test_more_than_one_system_prompt_is_reported_once_where_it_starts() -> None:
    other = {"role": "system", "content": "You are terse."}
    report = check(jsonl(chat(SYSTEM, USER, ASSISTANT), chat(SYSTEM, USER, ASSISTANT), chat(other, USER, ASSISTANT)))
    found = [issue for issue in report.issues if issue.code == "multiple_system_prompts"]
    assert len(found) == 1
    assert found[0].line == 3


def test_examples_over_the_limit_are_warned_about_and_billed_at_the_limit() -> None:
    long_text = "word " * 5000
    data = jsonl(chat(USER, {"role": "assistant", "content": long_text}), *[chat(SYSTEM, USER, ASSISTANT)] * 11)
    report = check(data, model="gpt-3.5-turbo-0613")
    assert report.stats is not None
    assert report.stats.max_tokens_per_example == 4096
    assert report.stats.too_long_examples == 1
    assert report.counts_for("warning")["too_long"] == 1
    tokens = np.asarray(report.measures.tokens)  # type: ignore[union-attr]
    assert report.stats.billing_tokens_per_epoch == int(np.minimum(tokens, 4096).sum())


def test_too_few_examples_is_an_error_but_not_for_a_validation_file() -> None:
    data = valid_file(5)
    assert check(data).counts["too_few_examples"] == 1
    assert "too_few_examples" not in check(data, role="validation").counts


def test_every_issue_has_a_message_and_a_hint_in_both_languages() -> None:
    english = datasets.issue_texts("en")
    polish = datasets.issue_texts("pl")
    ids = set(datasets.issue_ids())
    assert set(english) == ids
    assert set(polish) == ids
    for text_id, (message, hint) in english.items():
        assert message.strip() and hint.strip(), text_id


# --- the token formula


def test_token_formula_matches_the_cookbook_for_plain_chat() -> None:
    encoding = get_encoding("cl100k_base")
    messages = [SYSTEM, USER, {"role": "assistant", "content": "Paris.", "name": "bot"}]
    cookbook = 3 + sum(
        3 + sum(len(encoding.encode(v)) for v in m.values()) + (1 if "name" in m else 0) for m in messages
    )
    report = check(jsonl(chat(*messages)), model="gpt-3.5-turbo-0125")
    assert report.stats is not None
    assert report.stats.tokens.total == cookbook
    assert report.stats.assistant_tokens.total == len(encoding.encode("Paris."))


def test_structured_values_count_as_compact_json_and_tools_once_per_example() -> None:
    call = [{"id": "c", "type": "function", "function": {"name": "f", "arguments": '{"city": "Kraków"}'}}]
    tools = [{"type": "function", "function": {"name": "f", "description": "zażółć"}}]
    example = chat(USER, {"role": "assistant", "tool_calls": call}, tools=tools)
    compact = [
        json.dumps(call, separators=(",", ":"), ensure_ascii=False),
        json.dumps(tools, separators=(",", ":"), ensure_ascii=False),
    ]
    expected = 3 + (3 + count_tokens("user") + count_tokens(USER["content"])) + (3 + count_tokens("assistant"))
    expected += sum(count_tokens(text) for text in compact)
    assert datasets.example_tokens(example) == (expected, count_tokens(compact[0]))
    report = check(jsonl(example))
    assert report.stats is not None and report.stats.tokens.total == expected


def test_special_token_text_in_data_counts_as_ordinary_text() -> None:
    message = {"role": "user", "content": "a <|endoftext|> b <|endofprompt|>"}
    report = check(jsonl(chat(message, ASSISTANT)))
    assert report.stats is not None
    assert report.stats.tokens.total == datasets.example_tokens(chat(message, ASSISTANT))[0]
    assert datasets.message_tokens(message) == 3 + count_tokens("user") + count_tokens(message["content"])


def test_long_texts_are_counted_exactly_in_pieces() -> None:
    text = " ".join(f"word{n} ünïcode, punctuation!" for n in range(20_000))
    encoding = get_encoding("o200k_base")
    report = check(jsonl(chat({"role": "user", "content": text}, ASSISTANT)))
    assert report.stats is not None
    assert report.stats.tokens.total == 3 + 3 + count_tokens("user") + len(
        encoding.encode_ordinary(text)
    ) + 3 + count_tokens("assistant") + count_tokens("Paris.")
    assert "approximate_tokens" not in report.counts


def test_a_long_text_without_spaces_gets_an_approximate_count_and_a_suggestion() -> None:
    report = check(jsonl(chat({"role": "user", "content": "x" * 100_000}, ASSISTANT)))
    assert report.counts_for("suggestion")["approximate_tokens"] == 1
    assert report.stats is not None and report.stats.tokens.total > 0


def test_statistics_follow_the_cookbook_definitions() -> None:
    lengths = [1, 5, 9, 20, 40, 41, 80, 100, 120, 300, 301, 500]
    data = jsonl(*[chat(USER, {"role": "assistant", "content": "a " * n}) for n in lengths])
    report = check(data)
    stats = report.stats
    assert stats is not None and report.measures is not None
    tokens = np.asarray(report.measures.tokens)
    assert stats.examples == 12
    assert stats.tokens.total == int(tokens.sum())
    assert stats.tokens.p10 == pytest.approx(float(np.quantile(tokens, 0.1)))
    assert stats.tokens.p50 == pytest.approx(float(np.median(tokens)))
    assert stats.tokens.p90 == pytest.approx(float(np.quantile(tokens, 0.9)))
    assert stats.messages_per_example.max == 2
    assert stats.default_epochs == default_epochs(12) == 8
    assert stats.billed_training_tokens == 8 * stats.billing_tokens_per_epoch


# --- bad input


def test_empty_file_is_unusable() -> None:
    for data in (b"", b"\n\n  \n"):
        report = check(data)
        assert not report.usable
        assert "empty_file" in report.counts
        assert report.stats is None


def test_binary_and_utf16_files_are_unusable_with_a_reason() -> None:
    assert "not_text" in check(bytes(range(256)) * 10).counts
    assert "not_text" in check(b"PK\x03\x04" + b"\x00" * 100).counts
    assert "wrong_encoding" in check('{"messages": []}\n'.encode("utf-16")).counts
    assert not check(bytes(range(256))).usable


def test_invalid_utf8_mid_file_is_one_error_on_its_line() -> None:
    data = valid_file(5) + b'{"messages": [{"role": "user", "content": "caf\xe9"}]}\n' + valid_file(5)
    report = check(data)
    bad = [issue for issue in report.issues if issue.code == "invalid_utf8"]
    assert [issue.line for issue in bad] == [6]
    assert report.examples == 11
    assert report.stats is not None and report.stats.examples == 10


def test_bom_and_crlf_are_accepted() -> None:
    data = b"\xef\xbb\xbf" + valid_file(12).replace(b"\n", b"\r\n")
    report = check(data)
    assert report.counts == {"few_examples": 1}
    assert report.stats is not None
    assert report.stats.tokens.total == check(valid_file(12)).stats.tokens.total  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("line", "text_id"),
    [
        (b'{"messages": [{"role": "user", "content": NaN}]}', "invalid_json_constant"),
        (b'{"messages": [{"role": "user", "content": "x", "weight": Infinity}]}', "invalid_json_constant"),
        (b'{"messages": [{"role": "user", "role": "assistant", "content": "x"}]}', "duplicate_key"),
        (b"[" * 5000 + b"]" * 5000, "invalid_json_deep"),
        (b'{"messages": [], "n": ' + b"9" * 5000 + b"}", "invalid_json_number"),
        (b'{"messages": [{"role": "user", "content": "\\ud800"}]}', "invalid_utf8_surrogate"),
        (b'{"messages": [', "invalid_json"),
        (b'{"a": 1} trailing', "invalid_json"),
    ],
)
def test_bad_json_gets_a_precise_message(line: bytes, text_id: str) -> None:
    report = check(line + b"\n")
    assert [issue.text_id for issue in report.issues if issue.line == 1] == [text_id]


def test_numbers_that_parse_are_judged_by_the_schema() -> None:
    huge = jsonl(chat(USER, ASSISTANT)).replace(b'"Paris."}', b'"Paris.", "weight": 1e400}')
    report = check(huge)
    assert "weight_invalid" in report.counts


def test_an_oversize_line_is_skipped_without_reading_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_LINE_BYTES", 1000)
    big = jsonl(chat(USER, {"role": "assistant", "content": "x " * 2000}))
    data = valid_file(3) + big + valid_file(3)
    for source in (data, [data[i : i + 97] for i in range(0, len(data), 97)]):
        report = check(source)
        assert [issue.line for issue in report.issues if issue.code == "line_too_large"] == [4]
        assert report.examples == 7


def test_issues_are_capped_per_code_but_counted_exactly() -> None:
    data = b"not json\n" * (datasets.MAX_ISSUES_PER_CODE + 50)
    report = check(data)
    assert report.counts["invalid_json"] == datasets.MAX_ISSUES_PER_CODE + 50
    assert len([issue for issue in report.issues if issue.code == "invalid_json"]) == datasets.MAX_ISSUES_PER_CODE


def test_reading_in_chunks_gives_the_same_report_as_reading_all_at_once() -> None:
    data = Path("content/datasets/en/broken.jsonl").read_bytes()
    whole = check(data)
    for size in (1, 7, 1000):
        chunked = check([data[i : i + size] for i in range(0, len(data), size)])
        assert chunked.counts == whole.counts
        assert [(i.line, i.code) for i in chunked.issues] == [(i.line, i.code) for i in whole.issues]
        assert chunked.stats == whole.stats


def test_progress_is_reported_up_to_one() -> None:
    seen: list[float] = []
    datasets.analyze(valid_file(3000), progress=seen.append)
    assert seen[-1] == 1.0
    assert seen == sorted(seen)
    assert len(seen) > 2


def test_an_unknown_method_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown method"):
        datasets.analyze(valid_file(), method="magic")


# --- reading examples back


def test_read_examples_skips_lines_that_are_not_objects() -> None:
    data = valid_file(2) + b"oops\n[1]\n" + valid_file(1)
    assert [line for line, _ in datasets.read_examples(data)] == [1, 2, 5]
    assert [line for line, _ in datasets.read_examples(data, start_line=2, limit=1)] == [2]


def test_read_line_and_conversation_show_an_example_with_token_counts() -> None:
    data = jsonl(chat(SYSTEM, USER, {**ASSISTANT, "weight": 0}))
    assert datasets.read_line(data, 1) == data.decode().strip()
    assert datasets.read_line(data, 2) is None
    turns = datasets.conversation(datasets.read_examples(data)[0][1])
    assert [turn.role for turn in turns] == ["system", "user", "assistant"]
    assert turns[2].label == "weight 0"
    assert turns[1].tokens == datasets.message_tokens(USER)


def test_samples_are_listed_with_files_in_both_languages() -> None:
    samples = datasets.samples()
    assert {"support_chat", "tool_calling", "dpo_preferences", "rft_classification", "broken"} <= {
        s.id for s in samples
    }
    for sample in samples:
        for language in ("en", "pl"):
            assert sample.path(language).is_file(), (sample.id, language)


def test_the_data_lessons_worked_examples_match_the_formula() -> None:
    # The figures lesson 04 ("How this app counts tokens") teaches, with o200k_base.
    elle = chat(
        {"role": "system", "content": "You are Elle, a chemistry tutor who answers in rhyming couplets."},
        {"role": "user", "content": "What is helium?"},
        {"role": "assistant", "content": "A gas that is light as can be,\nit floats up for all of us to see."},
    )
    weather = chat(
        {"role": "user", "content": "Weather in Kraków?"},
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Kraków"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "4°C, light snow"},
        {"role": "assistant", "content": "It is 4°C in Kraków with light snow."},
        tools=[
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
                },
            }
        ],
    )
    assert datasets.example_tokens(elle)[0] == 54
    assert datasets.example_tokens(weather)[0] == 109
    assert [datasets.message_tokens(m) for m in weather["messages"]] == [9, 35, 12, 16]
    assert datasets.message_tokens({"role": "user", "name": "anna", "content": "Hi!"}) == 8


def test_a_stray_nul_byte_is_a_broken_line_not_a_binary_file() -> None:
    data = valid_file(5) + b'{"messages": [\x00]}\n' + valid_file(6)[len(valid_file(1)) :]
    report = check(data)
    assert report.usable
    assert [issue.line for issue in report.issues if issue.code == "invalid_json"] == [6]
