"""Properties of the dataset check over free-form input: it never raises, every issue points at a real line,
the fast token count equals the plain formula, and reading in chunks changes nothing."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finetune_guide import datasets
from finetune_guide.datasets import counting
from finetune_guide.tokens import get_encoding

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
roles = st.sampled_from(["system", "developer", "user", "assistant", "tool", "function", "bot", ""])
texts = st.text(max_size=60) | st.sampled_from(["", " ", "<|endoftext|>", "a <|endofprompt|> b", "\ud800", "zażółć 😀"])
message_values = st.one_of(
    texts,
    st.none(),
    st.integers(min_value=-1, max_value=2),
    st.lists(
        st.fixed_dictionaries({"type": st.sampled_from(["text", "image_url", "audio"]), "text": texts}),
        max_size=3,
    ),
    json_values,
)
messages = st.dictionaries(
    st.sampled_from(["role", "content", "name", "weight", "tool_calls", "tool_call_id", "function_call", "extra"]),
    message_values,
    max_size=5,
) | st.fixed_dictionaries({"role": roles, "content": texts})
examples = st.one_of(
    st.fixed_dictionaries({"messages": st.lists(messages, max_size=6)}),
    st.fixed_dictionaries(
        {
            "input": st.fixed_dictionaries({"messages": st.lists(messages, max_size=3)}),
            "preferred_output": st.lists(messages, max_size=2),
            "non_preferred_output": st.lists(messages, max_size=2),
        }
    ),
    st.fixed_dictionaries({"prompt": texts, "completion": texts}),
    json_values,
)
methods = st.sampled_from(datasets.METHODS)
models = st.sampled_from(
    [datasets.DEFAULT_MODEL, "gpt-3.5-turbo-0613", "babbage-002", "o4-mini-2025-04-16", "unknown-x"]
)


def encode(example: object) -> bytes:
    # json.dumps keeps lone surrogates as \ud800 escapes: exactly the bad input a file can hold.
    return json.dumps(example).encode()


def assert_well_formed(report: datasets.DatasetReport) -> None:
    for issue in report.issues:
        assert 0 <= issue.line <= report.lines
        if issue.code in datasets.FILE_LEVEL_CODES:
            assert issue.line == 0, issue
        else:
            assert issue.line >= 1, issue
        assert issue.message and issue.hint
        assert issue.severity == datasets.severity_of(issue.code)
    for code, count in report.counts.items():
        assert count >= sum(1 for issue in report.issues if issue.code == code)
    assert report.ok == (not report.counts_for("error"))
    assert report.format in datasets.FORMATS


@SETTINGS
@given(st.binary(max_size=2000), methods)
def test_any_bytes_give_a_report_and_never_an_exception(data: bytes, method: str) -> None:
    assert_well_formed(datasets.analyze(data, method=method))


@SETTINGS
@given(st.lists(examples | st.just(""), max_size=12), methods, models)
def test_any_json_lines_give_a_report_whose_issues_point_at_real_lines(
    lines: list[Any], method: str, model: str
) -> None:
    data = b"\n".join(b"" if line == "" else encode(line) for line in lines)
    report = datasets.analyze(data, method=method, model=model)
    assert_well_formed(report)
    segments = data.split(b"\n") if data else []
    assert report.lines == len(segments) - (1 if data.endswith(b"\n") else 0)


@SETTINGS
@given(st.lists(examples, min_size=1, max_size=8), methods)
def test_measured_tokens_equal_the_formula_counted_one_string_at_a_time(lines: list[Any], method: str) -> None:
    data = b"\n".join(encode(line) for line in lines)
    report = datasets.analyze(data, method=method)
    if report.measures is None:
        return
    parsed = {number: value for number, value in datasets.read_examples(data)}
    for line, tokens, learned in zip(
        report.measures.lines, report.measures.tokens, report.measures.assistant_tokens, strict=True
    ):
        assert (tokens, learned) == datasets.example_tokens(parsed[line])


@SETTINGS
@given(st.lists(texts | st.text(max_size=300), min_size=1, max_size=20))
def test_batched_counting_equals_counting_each_text(batch: list[str]) -> None:
    encoding = get_encoding("o200k_base")
    expected = [counting.count_one(encoding, text) for text in batch]
    assert counting.count_batch(encoding, batch) == expected


@SETTINGS
@given(st.lists(examples | st.just(""), max_size=10), st.integers(min_value=1, max_value=50))
def test_reading_in_chunks_of_any_size_changes_nothing(lines: list[Any], size: int) -> None:
    data = b"\r\n".join(b"" if line == "" else encode(line) for line in lines)
    whole = datasets.analyze(data)
    chunked = datasets.analyze([data[i : i + size] for i in range(0, len(data), size)])
    assert chunked.counts == whole.counts
    assert chunked.stats == whole.stats
