"""The conversation rules, one test per rule, through the check of a whole file."""

from __future__ import annotations

from finetune_guide.datasets import MAX_IMAGES_PER_EXAMPLE
from finetune_guide.datasets.rules import CHAT_RULES, MESSAGE_LIST_RULES, RFT_RULES
from tests.support.datasets import ASSISTANT, SYSTEM, USER, chat, line_codes, varied

IMAGE = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}


def test_the_tables_hold_one_rule_per_code() -> None:
    for table in (CHAT_RULES, MESSAGE_LIST_RULES, RFT_RULES):
        assert len({rule.code for rule in table}) == len(table)


def test_too_many_images_in_one_example_is_an_error() -> None:
    user = {"role": "user", "content": [IMAGE] * (MAX_IMAGES_PER_EXAMPLE + 1)}
    assert "too_many_images" in line_codes(varied(chat(SYSTEM, user, ASSISTANT)))


def test_images_for_a_model_without_vision_are_a_warning() -> None:
    user = {"role": "user", "content": [IMAGE]}
    assert "images_not_supported" in line_codes(varied(chat(SYSTEM, user, ASSISTANT)))


def test_a_tool_definition_without_a_name_is_invalid() -> None:
    assert "tools_invalid" in line_codes(varied(chat(SYSTEM, USER, ASSISTANT, tools=[{"type": "function"}])))


def test_a_call_to_an_undefined_tool_is_a_warning() -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "g", "arguments": "{}"}}
    example = chat(
        SYSTEM,
        USER,
        {"role": "assistant", "tool_calls": [call]},
        tools=[{"type": "function", "function": {"name": "f"}}],
    )
    assert "tool_not_defined" in line_codes(varied(example))


def test_an_example_without_a_trained_reply_is_an_error() -> None:
    assert "example_missing_assistant_message" in line_codes(varied(chat(SYSTEM, USER)))
    assert "example_missing_assistant_message" in line_codes(varied(chat(SYSTEM, USER, {**ASSISTANT, "weight": 0})))


def test_an_example_without_a_system_message_is_a_warning() -> None:
    assert "missing_system_message" in line_codes(varied(chat(USER, ASSISTANT)))


def test_an_example_without_a_user_message_is_a_warning() -> None:
    assert "missing_user_message" in line_codes(varied(chat(SYSTEM, ASSISTANT)).replace(b'"user"', b'"system"'))


def test_an_example_that_ends_after_the_reply_is_a_suggestion() -> None:
    assert "last_message_not_assistant" in line_codes(varied(chat(SYSTEM, USER, ASSISTANT, USER)))


def test_a_reinforcement_prompt_ends_with_the_user() -> None:
    assert "rft_last_message_not_user" in line_codes(varied(chat(USER, ASSISTANT)), method="reinforcement")
