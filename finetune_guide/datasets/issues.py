"""The issue catalog: every finding's text id, code and severity, and its texts in each language."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from typing import Final, Literal

from finetune_guide.content import CONTENT_DIR

Severity = Literal["error", "warning", "suggestion"]

# Every wording of every finding, by text id: its code and severity. The texts themselves (message and fix
# hint, with {placeholders}) live in content/datasets/issues/<language>.toml, one table per text id, so the
# command line and both languages of the page read the same sentences.
CATALOG: Final[dict[str, tuple[str, Severity]]] = {
    "not_text_binary": ("not_text", "error"),
    "not_text_zip": ("not_text", "error"),
    "wrong_encoding": ("wrong_encoding", "error"),
    "empty_file": ("empty_file", "error"),
    "too_few_examples": ("too_few_examples", "error"),
    "few_examples": ("few_examples", "suggestion"),
    "multiple_system_prompts": ("multiple_system_prompts", "warning"),
    "method_not_supported": ("method_not_supported", "warning"),
    "images_not_supported": ("images_not_supported", "warning"),
    "line_too_large": ("line_too_large", "error"),
    "invalid_utf8": ("invalid_utf8", "error"),
    "invalid_utf8_surrogate": ("invalid_utf8", "error"),
    "invalid_json": ("invalid_json", "error"),
    "invalid_json_constant": ("invalid_json", "error"),
    "invalid_json_deep": ("invalid_json", "error"),
    "invalid_json_number": ("invalid_json", "error"),
    "duplicate_key": ("duplicate_key", "error"),
    "blank_line": ("blank_line", "warning"),
    "duplicate_example": ("duplicate_example", "warning"),
    "data_type": ("data_type", "error"),
    "data_type_message": ("data_type", "error"),
    "unknown_format": ("unknown_format", "error"),
    "format_mismatch": ("format_mismatch", "error"),
    "legacy_format": ("legacy_format", "error"),
    "chat_for_legacy_model": ("legacy_format", "error"),
    "prompt_completion_invalid": ("prompt_completion_invalid", "error"),
    "missing_messages_list": ("missing_messages_list", "error"),
    "message_missing_key": ("message_missing_key", "error"),
    "message_unrecognized_key": ("message_unrecognized_key", "error"),
    "unrecognized_role": ("unrecognized_role", "error"),
    "missing_content": ("missing_content", "error"),
    "missing_content_type": ("missing_content", "error"),
    "invalid_content_part": ("invalid_content_part", "error"),
    "invalid_content_part_text": ("invalid_content_part", "error"),
    "invalid_content_part_image": ("invalid_content_part", "error"),
    "invalid_content_part_detail": ("invalid_content_part", "error"),
    "invalid_value": ("invalid_value", "error"),
    "blank_message": ("blank_message", "warning"),
    "empty_reply": ("empty_reply", "warning"),
    "whitespace": ("whitespace", "suggestion"),
    "weight_invalid": ("weight_invalid", "error"),
    "weight_invalid_role": ("weight_invalid", "error"),
    "example_missing_assistant_message": ("example_missing_assistant_message", "error"),
    "example_missing_assistant_message_weight": ("example_missing_assistant_message", "error"),
    "missing_system_message": ("missing_system_message", "warning"),
    "missing_user_message": ("missing_user_message", "warning"),
    "last_message_not_assistant": ("last_message_not_assistant", "suggestion"),
    "too_long": ("too_long", "warning"),
    "approximate_tokens": ("approximate_tokens", "suggestion"),
    "tool_calls_invalid": ("tool_calls_invalid", "error"),
    "tool_calls_invalid_role": ("tool_calls_invalid", "error"),
    "tool_call_invalid": ("tool_call_invalid", "error"),
    "tool_call_missing_id": ("tool_call_missing_id", "error"),
    "tool_call_missing_name": ("tool_call_missing_name", "error"),
    "tool_call_bad_arguments": ("tool_call_bad_arguments", "error"),
    "function_call_invalid": ("function_call_invalid", "error"),
    "tool_message_unmatched": ("tool_message_unmatched", "error"),
    "tool_message_missing_id": ("tool_message_unmatched", "error"),
    "function_message_missing_name": ("message_missing_key", "error"),
    "tools_invalid": ("tools_invalid", "error"),
    "tool_not_defined": ("tool_not_defined", "warning"),
    "too_many_images": ("too_many_images", "error"),
    "image_bad_url": ("image_bad_url", "error"),
    "image_in_assistant": ("image_in_assistant", "error"),
    "dpo_missing_input": ("dpo_missing_input", "error"),
    "dpo_missing_preferred_output": ("dpo_missing_preferred_output", "error"),
    "dpo_missing_non_preferred_output": ("dpo_missing_non_preferred_output", "error"),
    "dpo_output_not_assistant": ("dpo_output_not_assistant", "error"),
    "dpo_input_ends_with_assistant": ("dpo_input_ends_with_assistant", "error"),
    "dpo_identical_outputs": ("dpo_identical_outputs", "warning"),
    "rft_system_role": ("rft_system_role", "error"),
    "rft_last_message_not_user": ("rft_last_message_not_user", "error"),
}

UNUSABLE_CODES: Final = frozenset({"not_text", "wrong_encoding", "empty_file"})
FILE_LEVEL_CODES: Final = frozenset(
    {"not_text", "wrong_encoding", "empty_file", "too_few_examples", "few_examples", "method_not_supported"}
)
ISSUE_TEXTS_DIR: Final = CONTENT_DIR / "datasets" / "issues"
_SEVERITY_BY_CODE: Final[dict[str, Severity]] = {code: severity for code, severity in CATALOG.values()}


def issue_ids() -> dict[str, tuple[str, Severity]]:
    """Every text id with its code and severity."""
    return dict(CATALOG)


@cache
def issue_texts(language: str = "en") -> dict[str, tuple[str, str]]:
    """(message, hint) templates per text id in a language; empty if its file is missing or unreadable.

    An entry without a string message and hint is left out, so issue_text falls back to English for it.
    """
    path = ISSUE_TEXTS_DIR / f"{language}.toml"
    try:
        with path.open("rb") as handle:
            table = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return {
        text_id: (entry["message"], entry["hint"])
        for text_id, entry in table.items()
        if isinstance(entry, dict) and isinstance(entry.get("message"), str) and isinstance(entry.get("hint"), str)
    }


def issue_text(text_id: str, params: Mapping[str, str | int], language: str = "en") -> tuple[str, str]:
    """A finding's message and hint in a language; the raw template if a placeholder does not fit."""
    message, hint = issue_texts(language).get(text_id) or issue_texts("en").get(text_id) or (text_id, "")
    try:
        return message.format(**params), hint.format(**params)
    except (KeyError, IndexError, ValueError):
        return message, hint


def issue_codes() -> tuple[str, ...]:
    return tuple(sorted(_SEVERITY_BY_CODE))


def severity_of(code: str) -> Severity:
    return _SEVERITY_BY_CODE.get(code, "error")
