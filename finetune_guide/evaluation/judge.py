"""The model-as-judge: its request (rubric plus a fixed score format) and reading its score back."""

from __future__ import annotations

import re
from dataclasses import dataclass

from finetune_guide.evaluation.cases import EvalCase
from finetune_guide.evaluation.metrics import without_simulation_label
from finetune_guide.evaluation.prices import UNKNOWN_PRICE, Price

JUDGE_MIN_SCORE = 1

JUDGE_MAX_SCORE = 5

# The judge is asked for a short reason and a score line; this is what the cost estimate assumes it writes.
JUDGE_OUTPUT_TOKENS = 60

# The format line the app appends to any rubric, so the score can be read back whatever the rubric says.
JUDGE_FORMAT_INSTRUCTION = (
    "Give one short sentence of reasoning, then end your reply with a line of the form "
    f"'Score: N', where N is a whole number from {JUDGE_MIN_SCORE} to {JUDGE_MAX_SCORE}."
)

_SCORE_LINE = re.compile(r"(?:score|ocena|wynik)\s*[:=]?\s*\**\s*(\d+(?:[.,]\d+)?)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Judge:
    model: str
    rubric: str
    price: Price = UNKNOWN_PRICE


def judge_messages(rubric: str, case: EvalCase, answer: str) -> list[dict[str, str]]:
    """The judge's request: rubric plus the fixed score format, then question, reference and answer."""
    system = f"{rubric.strip()}\n\n{JUDGE_FORMAT_INSTRUCTION}"
    user = f"Question:\n{case.question}\n\nReference answer:\n{case.reference_text}\n\nAnswer to grade:\n{answer}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def parse_judge_score(text: str) -> int | None:
    """The score from the judge's reply ("Score: 4", or a bare "4"); None when it gave none in range."""
    cleaned = without_simulation_label(text)
    matches = _SCORE_LINE.findall(cleaned)
    candidate = matches[-1] if matches else cleaned.strip()
    try:
        value = float(candidate.replace(",", "."))
    except ValueError:
        return None
    if value != int(value) or not JUDGE_MIN_SCORE <= value <= JUDGE_MAX_SCORE:
        return None
    return int(value)
