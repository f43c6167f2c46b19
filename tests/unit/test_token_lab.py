"""Token lab core: tokens with ids, counts per encoding, chat parsing and the chat's framing tokens."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from finetune_guide.token_lab import (
    REPLY_PRIMING_TOKENS,
    chat_tokens,
    contents_text,
    count_per_encoding,
    parse_chat,
    split_tokens,
)

COOKBOOK_EXAMPLE = {
    "messages": [
        {"role": "system", "content": "You are a happy assistant that puts a positive spin on everything."},
        {"role": "user", "content": "I fell off my bike today."},
        {"role": "assistant", "content": "It's great that you're getting exercise outdoors!"},
    ]
}


def test_the_cookbook_example_is_45_cl100k_tokens_with_3_per_message_and_3_for_the_reply() -> None:
    counted = chat_tokens(parse_chat(json.dumps(COOKBOOK_EXAMPLE)).messages, "cl100k_base")
    assert counted.tokens == 45
    assert [m.overhead_tokens for m in counted.messages] == [3, 3, 3]
    assert counted.reply_priming_tokens == REPLY_PRIMING_TOKENS == 3
    assert counted.overhead_tokens == 12


def test_a_name_adds_one_framing_token() -> None:
    counted = chat_tokens([{"role": "user", "name": "ann", "content": "hi"}], "o200k_base")
    assert counted.messages[0].overhead_tokens == 4


def test_parse_accepts_an_example_a_list_or_a_pasted_jsonl_file() -> None:
    line = json.dumps(COOKBOOK_EXAMPLE)
    assert len(parse_chat(line).messages) == 3
    assert len(parse_chat(json.dumps(COOKBOOK_EXAMPLE["messages"])).messages) == 3
    assert len(parse_chat(line + "\n" + line).messages) == 3


def test_parse_names_the_problem() -> None:
    assert parse_chat('{"messages": [').problem == "invalid_json"
    assert parse_chat('{"a": 1}').problem == "not_a_chat"
    assert parse_chat('{"messages": []}').problem == "empty_chat"
    assert parse_chat('[{"content": "x"}]').problem == "bad_message"


@given(st.text(max_size=200))
def test_any_pasted_text_parses_or_names_a_problem(text: str) -> None:
    parsed = parse_chat(text)
    assert (parsed.problem is None) == bool(parsed.messages)
    if parsed.messages:
        chat_tokens(parsed.messages, "o200k_base")


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=300))
def test_ascii_tokens_join_back_to_the_text(text: str) -> None:
    found = split_tokens(text, "o200k_base")
    assert "".join(p.text for p in found.pieces) == text
    assert found.tokens == count_per_encoding(text)["o200k_base"]


def test_only_the_first_pieces_are_kept_but_all_are_counted() -> None:
    text = " word" * 100
    found = split_tokens(text, "cl100k_base", limit=10)
    assert len(found.pieces) == 10
    assert found.truncated
    assert found.tokens == count_per_encoding(text)["cl100k_base"] == 100


def test_contents_text_joins_text_parts() -> None:
    messages = [{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}]
    assert contents_text(messages) == "ab"
