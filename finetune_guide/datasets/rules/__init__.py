"""Validation as small rules, one per issue code, in tables whose order is the order of the report."""

from __future__ import annotations

from finetune_guide.datasets.rules.base import Conversation, Facts, ForEach, Rule, Target
from finetune_guide.datasets.rules.calls import CALL_RULES
from finetune_guide.datasets.rules.conversations import CHAT_RULES, MESSAGE_LIST_RULES, RFT_RULES
from finetune_guide.datasets.rules.messages import MESSAGE_RULES, check_message, read_message
from finetune_guide.datasets.rules.parts import PART_RULES

__all__ = [
    "CALL_RULES",
    "CHAT_RULES",
    "MESSAGE_LIST_RULES",
    "MESSAGE_RULES",
    "PART_RULES",
    "RFT_RULES",
    "Conversation",
    "Facts",
    "ForEach",
    "Rule",
    "Target",
    "check_message",
    "read_message",
]
