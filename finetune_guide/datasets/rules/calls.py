"""The rules for one tool call of an assistant message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from finetune_guide.datasets.parsing import is_json_text
from finetune_guide.datasets.rules.base import Add, Rule


@dataclass(frozen=True, slots=True)
class Call:
    """One entry of a message's tool_calls: the message it belongs to (line, number), its index and value."""

    line: int
    message: int
    index: int
    value: object
    add: Add

    def report(self, text_id: str) -> None:
        self.add(self.line, text_id, message=self.message, call=self.index)

    @property
    def function(self) -> dict[str, Any] | None:
        return function_of(self.value)


def function_of(call: object) -> dict[str, Any] | None:
    """The function a tool call names, or None when the call is not a well-formed function call."""
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(call, dict) or not isinstance(function, dict) or call.get("type", "function") != "function":
        return None
    return function


def tool_call_invalid(call: Call) -> None:
    if call.function is None:
        call.report("tool_call_invalid")


# The rules below judge a well-formed call only: a malformed one has its single finding above.


def tool_call_missing_id(call: Call) -> None:
    if call.function is not None and isinstance(call.value, dict):
        call_id = call.value.get("id")
        if not isinstance(call_id, str) or not call_id:
            call.report("tool_call_missing_id")


def tool_call_missing_name(call: Call) -> None:
    function = call.function
    if function is not None:
        name = function.get("name")
        if not isinstance(name, str) or not name:
            call.report("tool_call_missing_name")


def tool_call_bad_arguments(call: Call) -> None:
    function = call.function
    if function is not None and not is_json_text(function.get("arguments")):
        call.report("tool_call_bad_arguments")


CALL_RULES: tuple[Rule[Call], ...] = (
    Rule("tool_call_invalid", tool_call_invalid),
    Rule("tool_call_missing_id", tool_call_missing_id),
    Rule("tool_call_missing_name", tool_call_missing_name),
    Rule("tool_call_bad_arguments", tool_call_bad_arguments),
)
