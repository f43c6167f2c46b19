"""The rules for a whole conversation once its messages are checked: images, tools, and who speaks when."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from finetune_guide.datasets.parsing import shown
from finetune_guide.datasets.rules.base import MAX_IMAGES_PER_EXAMPLE, Conversation, Rule


def defined_tools(example: Mapping[str, Any]) -> tuple[set[str] | None, list[tuple[str, int]]]:
    """The function names the example's tools (or legacy functions) define, None when it has none, and
    (key, 1-based item) of each definition that cannot be read (a key's first bad item ends its list)."""
    names: set[str] | None = None
    problems: list[tuple[str, int]] = []
    for key in ("tools", "functions"):
        if key not in example:
            continue
        value = example[key]
        names = names or set()
        if not isinstance(value, list):
            problems.append((key, 1))
            continue
        for index, tool in enumerate(value, 1):
            definition = tool.get("function") if key == "tools" and isinstance(tool, dict) else tool
            name = definition.get("name") if isinstance(definition, dict) else None
            if not isinstance(name, str) or not name:
                problems.append((key, index))
                break
            names.add(name)
    return names, problems


def too_many_images(conversation: Conversation) -> None:
    count = conversation.facts.image_count
    if count > MAX_IMAGES_PER_EXAMPLE:
        conversation.add(conversation.line, "too_many_images", count=count, limit=MAX_IMAGES_PER_EXAMPLE)


def images_not_supported(conversation: Conversation) -> None:
    target = conversation.target
    # Said once per file: every example with a picture has the same cause and the same fix.
    if conversation.facts.image_count and not target.vision and not target.image_warned:
        target.image_warned = True
        conversation.add(conversation.line, "images_not_supported", model=target.model)


def tools_invalid(conversation: Conversation) -> None:
    for key, item in defined_tools(conversation.example)[1]:
        conversation.add(conversation.line, "tools_invalid", key=key, item=item)


def tool_not_defined(conversation: Conversation) -> None:
    names = defined_tools(conversation.example)[0]
    if names is None:
        return
    for number, name in conversation.facts.called:
        if name not in names:
            conversation.add(conversation.line, "tool_not_defined", message=number, name=shown(name))


def missing_assistant_message(conversation: Conversation) -> None:
    facts = conversation.facts
    if not facts.assistants:
        conversation.add(conversation.line, "example_missing_assistant_message")
    elif not facts.trained:
        conversation.add(conversation.line, "example_missing_assistant_message_weight")


def missing_system_message(conversation: Conversation) -> None:
    if not conversation.facts.system:
        conversation.add(conversation.line, "missing_system_message")


def missing_user_message(conversation: Conversation) -> None:
    if not conversation.facts.user:
        conversation.add(conversation.line, "missing_user_message")


def last_message_not_assistant(conversation: Conversation) -> None:
    facts = conversation.facts
    if facts.assistants and facts.last_role not in ("assistant", None):
        conversation.add(conversation.line, "last_message_not_assistant", role=shown(facts.last_role, 20))


def rft_last_message_not_user(conversation: Conversation) -> None:
    last_role = conversation.facts.last_role
    if last_role != "user":
        conversation.add(conversation.line, "rft_last_message_not_user", role=last_role or "?")


# After any list of messages (a chat, an RFT prompt, a DPO input or output).
MESSAGE_LIST_RULES: tuple[Rule[Conversation], ...] = (
    Rule("too_many_images", too_many_images),
    Rule("images_not_supported", images_not_supported),
)
# A supervised chat, after its messages.
CHAT_RULES: tuple[Rule[Conversation], ...] = (
    Rule("tools_invalid", tools_invalid),
    Rule("tool_not_defined", tool_not_defined),
    Rule("example_missing_assistant_message", missing_assistant_message),
    Rule("missing_system_message", missing_system_message),
    Rule("missing_user_message", missing_user_message),
    Rule("last_message_not_assistant", last_message_not_assistant),
)
# A reinforcement fine-tuning prompt, after its messages.
RFT_RULES: tuple[Rule[Conversation], ...] = (
    Rule("tools_invalid", tools_invalid),
    Rule("rft_last_message_not_user", rft_last_message_not_user),
)


def run(rules: tuple[Rule[Conversation], ...], conversation: Conversation) -> None:
    for rule in rules:
        rule.check(conversation)
