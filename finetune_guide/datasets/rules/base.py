"""What every rule shares: a rule reports one issue code, and the facts a conversation's rules read."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Generic, TypeVar

T = TypeVar("T")
S = TypeVar("S")
# Findings.add: (line, text id, **placeholder values), in the order the placeholders are shown.
Add = Callable[..., None]

CHAT_ROLES: Final = frozenset({"system", "user", "assistant", "tool", "function"})
RFT_ROLES: Final = frozenset({"developer", "user", "assistant", "tool"})
# Roles whose message is complete with a role and a text (tool and function messages need more).
PLAIN_ROLES: Final = frozenset({"system", "developer", "user", "assistant"})
MESSAGE_KEYS: Final = frozenset({"role", "content", "name", "weight", "tool_calls", "function_call", "tool_call_id"})
IMAGE_DETAILS: Final = frozenset({"low", "high", "auto"})
IMAGE_DATA_PREFIXES: Final = ("data:image/jpeg;base64,", "data:image/png;base64,", "data:image/webp;base64,")
MAX_IMAGES_PER_EXAMPLE: Final = 10


@dataclass(frozen=True, slots=True)
class Rule(Generic[T]):
    """One check, named by the one issue code it reports; `check` reports through the subject it is given."""

    code: str
    check: Callable[[T], None]


@dataclass(frozen=True, slots=True)
class ForEach(Generic[S, T]):
    """Rules run over each item of a subject (a message's content parts, its tool calls), item by item,
    so the findings of one item stay together in the report."""

    items: Callable[[S], Iterable[T]]
    rules: tuple[Rule[T], ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(rule.code for rule in self.rules)

    def check(self, subject: S) -> None:
        for item in self.items(subject):
            for rule in self.rules:
                rule.check(item)


@dataclass(slots=True)
class Target:
    """The model a file is checked for, and what the whole file has been told about it already."""

    model: str
    vision: bool
    image_warned: bool = False


@dataclass(slots=True)
class Facts:
    """What one conversation turned out to hold."""

    system: bool = False
    system_prompt: str | None = None
    user: bool = False
    assistants: int = 0
    trained: int = 0
    last_role: str | None = None
    tool_calls: bool = False
    function_calls: bool = False
    images: bool = False
    image_count: int = 0
    called: list[tuple[int, str]] = field(default_factory=list)
    call_ids: set[str] = field(default_factory=set)
    # the token formula's inputs, collected while checking: fixed tokens, texts still to look up, and
    # slots of texts already queued in the current batch
    fixed: int = 0
    texts: list[str] = field(default_factory=list)
    learned: list[str] = field(default_factory=list)
    slots: list[int] = field(default_factory=list)
    learned_slots: list[int] = field(default_factory=list)
    learned_fixed: int = 0


@dataclass(frozen=True, slots=True)
class Conversation:
    """One example's conversation once its messages are checked: what conversation-level rules read."""

    line: int
    example: Mapping[str, Any]
    facts: Facts
    target: Target
    add: Add
