"""The message rules, one test per rule: each reports its code for a message that breaks it, and a clean
message gets nothing; the tables name every code the check can report at the message level."""

from __future__ import annotations

from finetune_guide.datasets import issue_ids
from finetune_guide.datasets.rules import CALL_RULES, MESSAGE_RULES, PART_RULES, ForEach
from tests.support.datasets import ASSISTANT, USER, message_findings

CALL = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
IMAGE = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}


def test_every_rule_names_a_code_of_the_catalog() -> None:
    known = {code for code, _ in issue_ids().values()}
    for rule in (*MESSAGE_RULES, *PART_RULES, *CALL_RULES):
        codes = rule.codes if isinstance(rule, ForEach) else (rule.code,)
        assert set(codes) <= known


def test_a_clean_message_breaks_no_rule() -> None:
    assert message_findings(USER) == []
    assert message_findings(ASSISTANT) == []
    assert message_findings({"role": "assistant", "tool_calls": [CALL]}) == []


def test_unknown_keys_are_reported_one_by_one_in_message_order() -> None:
    assert message_findings({**USER, "b": 1, "a": 2}) == ["message_unrecognized_key"] * 2


def test_a_system_message_in_reinforcement_fine_tuning_asks_for_developer() -> None:
    assert message_findings({"role": "system", "content": "x"}, method="reinforcement") == ["rft_system_role"]


def test_an_unknown_role_is_an_error() -> None:
    assert message_findings({"role": "bot", "content": "x"}) == ["unrecognized_role"]


def test_a_message_without_role_or_content_names_the_missing_key() -> None:
    assert message_findings({}) == ["message_missing_key", "message_missing_key"]


def test_empty_content_is_missing_unless_the_assistant_calls_a_tool() -> None:
    assert message_findings({"role": "user", "content": ""}) == ["missing_content"]
    assert message_findings({"role": "user", "content": 3}) == ["missing_content_type"]
    assert message_findings({"role": "assistant", "content": None, "tool_calls": [CALL]}) == []


def test_a_reply_of_only_whitespace_is_an_empty_reply() -> None:
    assert message_findings({"role": "assistant", "content": "  "}) == ["empty_reply"]


def test_a_user_message_of_only_whitespace_is_blank() -> None:
    assert message_findings({"role": "user", "content": "  "}) == ["blank_message"]


def test_text_with_whitespace_around_it_is_a_suggestion() -> None:
    assert message_findings({"role": "user", "content": " hi"}) == ["whitespace"]


def test_content_parts_are_judged_part_by_part() -> None:
    parts = ["x", {"type": "audio"}, {"type": "text", "text": 1}, {"type": "image_url"}]
    assert message_findings({"role": "user", "content": parts}) == [
        "invalid_content_part",
        "invalid_content_part",
        "invalid_content_part_text",
        "invalid_content_part_image",
    ]


def test_an_image_in_a_reply_is_an_error() -> None:
    assert message_findings({"role": "assistant", "content": [IMAGE]}) == ["image_in_assistant"]


def test_an_image_url_must_be_http_or_a_data_url_and_its_detail_known() -> None:
    image = {"type": "image_url", "image_url": {"url": "ftp://x", "detail": "huge"}}
    assert message_findings({"role": "user", "content": [image]}) == ["image_bad_url", "invalid_content_part_detail"]


def test_a_name_must_be_a_string() -> None:
    assert message_findings({**USER, "name": 3}) == ["invalid_value"]


def test_a_weight_is_0_or_1_and_only_on_replies() -> None:
    assert message_findings({**ASSISTANT, "weight": 2}) == ["weight_invalid"]
    assert message_findings({**USER, "weight": 1}) == ["weight_invalid_role"]


def test_tool_calls_belong_to_replies_and_are_a_non_empty_list() -> None:
    assert message_findings({**USER, "tool_calls": [CALL]}) == ["tool_calls_invalid_role"]
    assert message_findings({"role": "assistant", "tool_calls": []}) == ["tool_calls_invalid"]


def test_each_tool_call_is_judged_call_by_call() -> None:
    calls = ["x", {"function": {"name": "", "arguments": "{"}}]
    assert message_findings({"role": "assistant", "tool_calls": calls}) == [
        "tool_call_invalid",
        "tool_call_missing_id",
        "tool_call_missing_name",
        "tool_call_bad_arguments",
    ]


def test_a_function_call_needs_a_name_and_json_arguments() -> None:
    assert message_findings({"role": "assistant", "function_call": {"name": ""}}) == ["function_call_invalid"]


def test_tool_message_without_call_id_is_an_error() -> None:
    assert message_findings({"role": "tool", "content": "42"}) == ["tool_message_missing_id"]


def test_a_tool_message_must_answer_an_earlier_call() -> None:
    tool = {"role": "tool", "tool_call_id": "c1", "content": "42"}
    assert message_findings(tool) == ["tool_message_unmatched"]
    assert message_findings(tool, call_ids=("c1",)) == []


def test_a_function_message_needs_the_function_name() -> None:
    assert message_findings({"role": "function", "content": "1"}) == ["function_message_missing_name"]
