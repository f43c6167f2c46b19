"""One line at a time: which kind of example it is, its rules, and its texts queued for the token counter."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future
from typing import Any

from finetune_guide.datasets.counting import (
    PIECE_CHARS,
    TOKENS_PER_EXAMPLE,
    TOKENS_PER_MESSAGE,
    TokenCounter,
    count_one,
    example_texts,
    message_texts,
    split_pieces,
)
from finetune_guide.datasets.findings import Findings
from finetune_guide.datasets.parsing import compact_json, json_kind, shown
from finetune_guide.datasets.rules import (
    CHAT_RULES,
    MESSAGE_LIST_RULES,
    RFT_RULES,
    Conversation,
    Facts,
    Target,
    check_message,
    read_message,
)
from finetune_guide.datasets.rules.base import CHAT_ROLES, PLAIN_ROLES, RFT_ROLES
from finetune_guide.datasets.rules.conversations import run
from finetune_guide.datasets.targets import model_methods

# (line, messages, fixed tokens, slots of texts, fixed assistant tokens, slots of assistant texts)
Example = tuple[int, int, int, list[int], int, list[int]]


class Batch:
    """Texts waiting to be counted for one group of examples, each distinct text once."""

    __slots__ = ("examples", "handle", "keep", "slot_of", "texts")

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.slot_of: dict[str, int] = {}
        self.examples: list[Example] = []
        self.handle: list[Future[list[int]]] | list[int] = []
        # slots of texts worth remembering across batches (system prompts, tool definitions)
        self.keep: list[int] = []


class Checker:
    """Validates examples one line at a time and queues their texts for counting."""

    def __init__(self, model: str, method: str, findings: Findings, counter: TokenCounter) -> None:
        self.model = model
        self.method = method
        self.findings = findings
        self.counter = counter
        self.legacy = (model_methods(model) or ()) == ("completions",)
        self.batch = Batch()
        self.kinds: dict[str, int] = {}
        self.system_prompts: dict[int, int] = {}
        self.second_prompt_line = 0
        self.approximate_lines: set[int] = set()
        methods = model_methods(model)
        self.target = Target(model, vision=methods is None or "vision" in methods)
        self.role_cost = {
            role: TOKENS_PER_MESSAGE + count_one(counter.encoding, role) for role in CHAT_ROLES | RFT_ROLES
        }

    # --- queueing texts for the counter

    def measure(self, line: int, example: Mapping[str, Any]) -> None:
        fixed, texts, learned, messages = example_texts(example)
        self._queue(line, messages, fixed, texts, learned)

    def _queue(
        self,
        line: int,
        messages: int,
        fixed: int,
        texts: list[str],
        learned: list[str],
        *,
        facts: Facts | None = None,
    ) -> None:
        """Count what the cache knows now; queue the rest, each distinct text once per batch.

        `facts` may bring slots the message loop already queued (its short path does the same work inline).
        """
        cache = self.counter.cache
        batch = self.batch
        slot_of = batch.slot_of
        queued = batch.texts
        slots: list[int] = facts.slots if facts is not None else []
        learned_slots: list[int] = facts.learned_slots if facts is not None else []
        learned_fixed = facts.learned_fixed if facts is not None else 0
        long_counts: dict[int, int] = {}
        for group, target in ((texts, slots), (learned, learned_slots)):
            for text in group:
                known = cache.get(text)
                if known is None and len(text) > PIECE_CHARS:
                    # Counted now rather than queued, so its pieces are freed before the next line.
                    known = long_counts.get(id(text))
                    if known is None:
                        known = long_counts[id(text)] = self._count_long(text, line)
                if known is not None:
                    if target is slots:
                        fixed += known
                    else:
                        learned_fixed += known
                    continue
                slot = slot_of.get(text)
                if slot is None:
                    slot = slot_of[text] = len(queued)
                    queued.append(text)
                target.append(slot)
        batch.examples.append((line, messages, fixed, slots, learned_fixed, learned_slots))

    def _count_long(self, text: str, line: int) -> int:
        """Tokens of a text too long for one tiktoken call, counted in exact pieces on the workers."""
        pieces, approximate = split_pieces(text)
        if approximate and line not in self.approximate_lines:
            self.approximate_lines.add(line)
            self.findings.add(line, "approximate_tokens", chars=PIECE_CHARS)
        return sum(self.counter.results(self.counter.submit(pieces)))

    def _queue_repeated(self, text: str, facts: Facts) -> None:
        """Queue a text likely to repeat in other examples (a system prompt, tool definitions)."""
        known = self.counter.cache.get(text)
        if known is not None:
            facts.fixed += known
        elif len(text) > PIECE_CHARS:
            facts.texts.append(text)
        else:
            batch = self.batch
            slot = batch.slot_of.get(text)
            if slot is None:
                slot = batch.slot_of[text] = len(batch.texts)
                batch.texts.append(text)
                batch.keep.append(slot)
            facts.slots.append(slot)

    # --- one line

    def check(self, line: int, example: object) -> None:
        """Tell the kind of example, run the rules for it, and queue what it costs."""
        add = self.findings.add
        kind = _kind(example)
        if kind is None or not isinstance(example, dict):
            if isinstance(example, dict):
                keys = ", ".join(shown(key, 30) for key in list(example)[:6]) or "none"
                add(line, "unknown_format", keys=keys)
            else:
                add(line, "data_type", kind=json_kind(example))
            self.count_kind("unknown")
            return
        method = self.method
        if kind == "prompt_completion":
            self.count_kind("prompt_completion")
            if self.legacy and method == "supervised":
                self._check_prompt_completion(line, example)
            else:
                add(line, "legacy_format", model=self.model)
            return
        if kind == "dpo":
            self.count_kind("dpo")
            if method == "dpo":
                self._check_dpo(line, example)
            else:
                add(line, "format_mismatch", found="DPO (preference)", method=method)
            return
        if method == "dpo" or (self.legacy and method == "supervised"):
            self.count_kind("chat")
            if method == "dpo":
                add(line, "format_mismatch", found="chat", method=method)
            else:
                add(line, "chat_for_legacy_model", model=self.model)
            return
        messages = example["messages"]
        if not isinstance(messages, list) or not messages:
            self.count_kind("chat")
            add(line, "missing_messages_list")
            return
        self._check_conversation(line, example, messages)

    def count_kind(self, kind: str) -> None:
        self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def _check_conversation(self, line: int, example: dict[str, Any], messages: list[Any]) -> None:
        """A chat (supervised) or an RFT prompt: its rules, then its tokens queued."""
        if self.method == "reinforcement":
            self.count_kind("rft")
            facts = self.check_messages(line, messages, RFT_ROLES, "reinforcement")
            run(RFT_RULES, Conversation(line, example, facts, self.target, self.findings.add))
        else:
            facts = self.check_messages(line, messages, CHAT_ROLES, "supervised")
            self.count_kind(_chat_kind(example, facts))
            run(CHAT_RULES, Conversation(line, example, facts, self.target, self.findings.add))
            if facts.system:
                self._note_system_prompt(line, facts.system_prompt)
        fixed = TOKENS_PER_EXAMPLE + facts.fixed
        for key in ("tools", "functions"):
            extra = example.get(key)
            if isinstance(extra, (list, dict)):
                self._queue_repeated(compact_json(extra), facts)
        self._queue(line, len(messages), fixed, facts.texts, facts.learned, facts=facts)

    def _note_system_prompt(self, line: int, prompt: str | None) -> None:
        if prompt is None or len(self.system_prompts) > 1000:
            return
        key = hash(prompt)
        if key not in self.system_prompts:
            self.system_prompts[key] = line
            if len(self.system_prompts) == 2:
                self.second_prompt_line = line

    def check_messages(
        self, line: int, messages: list[Any], roles: frozenset[str], method: str, collect: bool = True
    ) -> Facts:
        """Check each message, and (with `collect`) gather its texts for the token formula on the way."""
        add = self.findings.add
        facts = Facts()
        for number, message in enumerate(messages, 1):
            if self._plain_message(message, roles, facts, collect):
                continue
            if not isinstance(message, dict):
                add(line, "data_type_message", message=number, kind=json_kind(message))
                continue
            if collect:
                more, found, trained = message_texts(message)
                facts.fixed += more
                facts.texts.extend(found)
                facts.learned.extend(trained)
            check_message(read_message(line, number, message, roles=roles, method=method, facts=facts, add=add))
        facts.images = facts.image_count > 0
        run(MESSAGE_LIST_RULES, Conversation(line, {}, facts, self.target, add))
        return facts

    def _plain_message(self, message: object, roles: frozenset[str], facts: Facts, collect: bool) -> bool:
        """Take the common message, {"role": ..., "content": "clean text"}, on a short path: no rule can
        find anything in it, and its text is queued inline, because this runs for nearly every message."""
        if type(message) is not dict or len(message) != 2:
            return False
        role = message.get("role")
        content = message.get("content")
        if not (
            type(content) is str
            and content
            and len(content) <= PIECE_CHARS
            and type(role) is str
            and role in roles
            and role in PLAIN_ROLES
            and not content[0].isspace()
            and not content[-1].isspace()
        ):
            return False
        facts.fixed += self.role_cost[role]
        facts.last_role = role
        if role in ("system", "developer"):
            facts.system = facts.system or role == "system"
            if facts.system_prompt is None and role == "system":
                facts.system_prompt = content
            if collect:
                self._queue_repeated(content, facts)
            return True
        if collect:
            slot_of, queued = self.batch.slot_of, self.batch.texts
            slot = slot_of.get(content)
            if slot is None:
                slot = slot_of[content] = len(queued)
                queued.append(content)
            facts.slots.append(slot)
            if role == "assistant":
                facts.learned_slots.append(slot)
        if role == "assistant":
            facts.assistants += 1
            facts.trained += 1
        else:
            facts.user = True
        return True

    # --- DPO, legacy prompt/completion

    def _check_dpo(self, line: int, example: dict[str, Any]) -> None:
        add = self.findings.add
        source = example.get("input")
        messages = source.get("messages") if isinstance(source, dict) else None
        if not isinstance(messages, list) or not messages:
            add(line, "dpo_missing_input")
            messages = None
        else:
            facts = self.check_messages(line, messages, CHAT_ROLES, "dpo", collect=False)
            if facts.last_role != "user" and facts.last_role is not None:
                add(line, "dpo_input_ends_with_assistant", role=facts.last_role)
        outputs = []
        for key, missing in (
            ("preferred_output", "dpo_missing_preferred_output"),
            ("non_preferred_output", "dpo_missing_non_preferred_output"),
        ):
            output = example.get(key)
            if not isinstance(output, list) or not output:
                add(line, missing)
                continue
            outputs.append(output)
            only = output[0] if len(output) == 1 else None
            if not isinstance(only, dict) or only.get("role") != "assistant":
                add(line, "dpo_output_not_assistant", key=key)
            else:
                self.check_messages(line, output, CHAT_ROLES, "dpo", collect=False)
        if len(outputs) == 2 and outputs[0] == outputs[1]:
            add(line, "dpo_identical_outputs")
        if messages is not None and isinstance(example.get("preferred_output"), list):
            self.measure(line, example)

    def _check_prompt_completion(self, line: int, example: dict[str, Any]) -> None:
        for key in ("prompt", "completion"):
            value = example.get(key)
            if not isinstance(value, str) or (key == "completion" and not value.strip()):
                self.findings.add(line, "prompt_completion_invalid", key=key)
        self.measure(line, example)


def _kind(example: object) -> str | None:
    """chat, dpo or prompt_completion by the example's keys; None when it is no known kind."""
    if not isinstance(example, dict):
        return None
    if "messages" in example:
        return "chat"
    if "input" in example or "preferred_output" in example or "non_preferred_output" in example:
        return "dpo"
    if "prompt" in example or "completion" in example:
        return "prompt_completion"
    return None


def _chat_kind(example: Mapping[str, Any], facts: Facts) -> str:
    if facts.images:
        return "chat_images"
    if "tools" in example or facts.tool_calls:
        return "chat_tools"
    if "functions" in example or facts.function_calls:
        return "chat_functions"
    return "chat"
