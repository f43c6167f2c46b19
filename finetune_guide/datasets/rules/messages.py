"""The rules for one message of a conversation, in the order their findings are reported."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from finetune_guide.datasets.parsing import is_json_text, json_kind, shown
from finetune_guide.datasets.rules.base import MESSAGE_KEYS, Add, Facts, ForEach, Rule
from finetune_guide.datasets.rules.calls import CALL_RULES, Call, function_of
from finetune_guide.datasets.rules.parts import PART_RULES, Part


@dataclass(frozen=True, slots=True)
class Message:
    """One message (a JSON object) under check, and where its findings go."""

    line: int
    number: int
    value: dict[str, Any]
    roles: frozenset[str]
    method: str
    facts: Facts
    add: Add
    role: object
    role_name: str
    is_assistant: bool
    calling: bool

    def report(self, text_id: str, **params: str | int) -> None:
        self.add(self.line, text_id, message=self.number, **params)


def read_message(
    line: int, number: int, value: dict[str, Any], *, roles: frozenset[str], method: str, facts: Facts, add: Add
) -> Message:
    role = value.get("role")
    if role is None:
        role_name = "?"
    elif not isinstance(role, str) or role not in roles:
        role_name = shown(role, 20)
    else:
        role_name = role
    calling = value.get("tool_calls") is not None or value.get("function_call") is not None
    return Message(line, number, value, roles, method, facts, add, role, role_name, role == "assistant", calling)


def note(message: Message) -> None:
    """Record what the message adds to its conversation (roles seen, calls made, images); reports nothing."""
    facts, value, role = message.facts, message.value, message.role
    facts.last_role = message.role_name
    if role == "system":
        facts.system = True
        if facts.system_prompt is None and isinstance(value.get("content"), str):
            facts.system_prompt = value["content"]
    elif role == "user":
        facts.user = True
    elif message.is_assistant:
        facts.assistants += 1
    weight = value.get("weight", 1)
    if message.is_assistant and type(weight) is int and weight == 1:
        facts.trained += 1
    calls = value.get("tool_calls")
    if calls is not None and message.is_assistant:
        facts.tool_calls = True
        for call in calls if isinstance(calls, list) else ():
            function = function_of(call)
            if function is None:
                continue
            if isinstance(call.get("id"), str) and call["id"]:
                facts.call_ids.add(call["id"])
            if isinstance(function.get("name"), str) and function["name"]:
                facts.called.append((message.number, function["name"]))
    function_call = value.get("function_call")
    if function_call is not None:
        facts.function_calls = True
        if message.is_assistant and _valid_function_call(function_call):
            assert isinstance(function_call, dict)
            facts.called.append((message.number, function_call["name"]))
    if role == "tool":
        facts.tool_calls = True
    elif role == "function":
        facts.function_calls = True
    content = value.get("content")
    if isinstance(content, list):
        facts.image_count += sum(1 for part in content if isinstance(part, dict) and part.get("type") == "image_url")


def _valid_function_call(call: object) -> bool:
    name = call.get("name") if isinstance(call, dict) else None
    arguments = call.get("arguments") if isinstance(call, dict) else None
    return isinstance(name, str) and bool(name) and is_json_text(arguments)


def _role_unknown(message: Message) -> bool:
    role = message.role
    return role is not None and (not isinstance(role, str) or role not in message.roles)


def _rft_system(message: Message) -> bool:
    # Reinforcement fine-tuning names the instructions "developer"; a system message gets its own finding.
    return message.method == "reinforcement" and message.role == "system"


def _padded(message: Message) -> str | None:
    """The message's text when it is a non-empty string with whitespace at either end."""
    content = message.value.get("content")
    if isinstance(content, str) and content and (content[0].isspace() or content[-1].isspace()):
        return content
    return None


def unrecognized_keys(message: Message) -> None:
    for key in message.value:
        if key not in MESSAGE_KEYS:
            message.report("message_unrecognized_key", key=shown(key, 40))


def rft_system_role(message: Message) -> None:
    if _role_unknown(message) and _rft_system(message):
        message.report("rft_system_role")


def unrecognized_role(message: Message) -> None:
    if _role_unknown(message) and not _rft_system(message):
        roles = ", ".join(sorted(message.roles))
        message.report("unrecognized_role", role=shown(message.role, 40), method=message.method, roles=roles)


def missing_role_or_content(message: Message) -> None:
    if message.role is None:
        message.report("message_missing_key", key="role")
    # An assistant message that calls a tool or function may leave its content out.
    if "content" not in message.value and not (message.is_assistant and message.calling):
        message.report("message_missing_key", key="content")


def missing_content(message: Message) -> None:
    if "content" not in message.value:
        return
    content = message.value["content"]
    if not isinstance(content, (str, list)) and content is not None:
        message.report("missing_content_type", role=message.role_name, kind=json_kind(content))
    elif not content and not (message.is_assistant and message.calling):
        message.report("missing_content", role=message.role_name)


def empty_reply(message: Message) -> None:
    text = _padded(message)
    if text is not None and text.isspace() and message.is_assistant:
        message.report("empty_reply")


def blank_message(message: Message) -> None:
    text = _padded(message)
    if text is not None and text.isspace() and not message.is_assistant:
        message.report("blank_message", role=message.role_name)


def whitespace(message: Message) -> None:
    text = _padded(message)
    if text is not None and not text.isspace():
        message.report("whitespace", role=message.role_name)


def content_parts(message: Message) -> list[Part]:
    content = message.value.get("content")
    if not isinstance(content, list):
        return []
    return [
        Part(message.line, message.number, message.role_name, index, value, message.add)
        for index, value in enumerate(content, 1)
    ]


def invalid_name(message: Message) -> None:
    if "name" in message.value and not isinstance(message.value["name"], str):
        message.report("invalid_value", key="name")


def invalid_weight(message: Message) -> None:
    if "weight" not in message.value:
        return
    weight = message.value["weight"]
    if not message.is_assistant:
        message.report("weight_invalid_role", role=message.role_name)
    elif type(weight) is not int or weight not in (0, 1):
        message.report("weight_invalid", value=shown(weight, 20))


def invalid_tool_calls(message: Message) -> None:
    calls = message.value.get("tool_calls")
    if calls is not None:
        if not message.is_assistant:
            message.report("tool_calls_invalid_role", role=message.role_name)
        elif not isinstance(calls, list) or not calls:
            message.report("tool_calls_invalid")
    if message.value.get("function_call") is not None and not message.is_assistant:
        message.report("tool_calls_invalid_role", role=message.role_name)


def tool_calls(message: Message) -> list[Call]:
    calls = message.value.get("tool_calls")
    if not message.is_assistant or not isinstance(calls, list):
        return []
    return [Call(message.line, message.number, index, value, message.add) for index, value in enumerate(calls, 1)]


def invalid_function_call(message: Message) -> None:
    call = message.value.get("function_call")
    if call is not None and message.is_assistant and not _valid_function_call(call):
        message.report("function_call_invalid")


def unmatched_tool_message(message: Message) -> None:
    if message.role != "tool":
        return
    call_id = message.value.get("tool_call_id")
    if not isinstance(call_id, str) or not call_id:
        message.report("tool_message_missing_id")
    elif call_id not in message.facts.call_ids:
        message.report("tool_message_unmatched", call_id=shown(call_id, 40))


def function_message_without_name(message: Message) -> None:
    if message.role == "function" and not isinstance(message.value.get("name"), str):
        message.report("function_message_missing_name")


# The order is the order of a message's findings in the report. A code reported at two points of that order
# has two rules: message_missing_key for a missing role or content (early) and a function message's name (last).
# The part and call rules run once per part and per call (ForEach), so one part's or call's findings stay together.
MESSAGE_RULES: tuple[Rule[Message] | ForEach[Message, Any], ...] = (
    Rule("message_unrecognized_key", unrecognized_keys),
    Rule("rft_system_role", rft_system_role),
    Rule("unrecognized_role", unrecognized_role),
    Rule("message_missing_key", missing_role_or_content),
    Rule("missing_content", missing_content),
    Rule("empty_reply", empty_reply),
    Rule("blank_message", blank_message),
    Rule("whitespace", whitespace),
    ForEach(content_parts, PART_RULES),
    Rule("invalid_value", invalid_name),
    Rule("weight_invalid", invalid_weight),
    Rule("tool_calls_invalid", invalid_tool_calls),
    ForEach(tool_calls, CALL_RULES),
    Rule("function_call_invalid", invalid_function_call),
    Rule("tool_message_unmatched", unmatched_tool_message),
    Rule("message_missing_key", function_message_without_name),
)


def check_message(message: Message) -> None:
    """Note what the message adds to its conversation, then run every message rule over it."""
    note(message)
    for rule in MESSAGE_RULES:
        rule.check(message)
