"""SQuAD-style answer metrics (exact match, token F1) and the format check of JSON and tool-call answers."""

from __future__ import annotations

import json
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from finetune_guide.evaluation.cases import EvalCase, ToolCall
from finetune_guide.sandbox.replies import SIMULATED_LABEL

FormatKind = Literal["json", "tool"]

_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize_answer(text: str) -> str:
    """SQuAD's normalisation: lower case, no punctuation (any script), no English articles, single spaces."""
    lowered = text.lower()
    no_punctuation = "".join(
        " " if unicodedata.category(char).startswith("P") or char in string.punctuation else char for char in lowered
    )
    return " ".join(_ARTICLES.sub(" ", no_punctuation).split())


def answer_tokens(text: str) -> list[str]:
    return normalize_answer(text).split()


def exact_match(prediction: str, reference: str) -> bool:
    return normalize_answer(prediction) == normalize_answer(reference)


def token_f1(prediction: str, reference: str) -> float:
    """Harmonic mean of token precision and recall after normalisation (1.0 when both are empty)."""
    predicted = answer_tokens(prediction)
    expected = answer_tokens(reference)
    if not predicted or not expected:
        return 1.0 if predicted == expected else 0.0
    common = sum((Counter(predicted) & Counter(expected)).values())
    if common == 0:
        return 0.0
    precision = common / len(predicted)
    recall = common / len(expected)
    return 2 * precision * recall / (precision + recall)


def word_count(text: str) -> int:
    return len(text.split())


def without_simulation_label(text: str) -> str:
    """The answer without the sandbox's "[simulated]" marker: it labels the answer, it is not part of it."""
    stripped = text.lstrip()
    if stripped.startswith(SIMULATED_LABEL):
        return stripped[len(SIMULATED_LABEL) :].lstrip()
    return text


def json_container(text: str) -> type | None:
    """dict or list when the text (stripped) is a JSON object or array; None for anything else."""
    stripped = text.strip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        value = json.loads(stripped)
    except ValueError:
        return None
    return type(value) if isinstance(value, dict | list) else None


@dataclass(frozen=True, slots=True)
class FormatCheck:
    """Whether the answer has the reference's shape; `kind` is None when the reference has no set shape."""

    kind: FormatKind | None
    ok: bool | None

    @property
    def applies(self) -> bool:
        return self.kind is not None


NO_FORMAT = FormatCheck(None, None)


def format_check(case: EvalCase, text: str, calls: Sequence[ToolCall]) -> FormatCheck:
    """Same tools called (with JSON arguments) when the reference calls tools; else valid JSON of the same
    kind (object or array) when the reference is JSON; else not applicable."""
    if case.reference_tool_calls:
        wanted = sorted(call.name for call in case.reference_tool_calls)
        made = sorted(call.name for call in calls)
        arguments_ok = all(json_container(call.arguments) is dict for call in calls)
        return FormatCheck("tool", made == wanted and arguments_ok)
    expected = json_container(case.reference)
    if expected is None:
        return NO_FORMAT
    return FormatCheck("json", not calls and json_container(text) is expected)
