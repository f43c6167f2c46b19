"""Scoring one model's answer to one case against the case's reference."""

from __future__ import annotations

from dataclasses import dataclass

from finetune_guide.evaluation.cases import EvalCase, ToolCall, comparable_text
from finetune_guide.evaluation.chat import ModelReply
from finetune_guide.evaluation.contenders import Contender
from finetune_guide.evaluation.metrics import (
    NO_FORMAT,
    FormatCheck,
    exact_match,
    format_check,
    token_f1,
    without_simulation_label,
    word_count,
)
from finetune_guide.evaluation.prices import call_cost_usd


@dataclass(frozen=True, slots=True)
class Outcome:
    """One model's answer to one case, scored; `problem` names the error kind when the call failed."""

    model: str
    answer: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    exact_match: bool = False
    f1: float = 0.0
    answer_words: int = 0
    format: FormatCheck = NO_FORMAT
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: float | None = None
    cost_usd: float | None = None
    judge_score: int | None = None
    judge_cost_usd: float | None = None
    judge_problem: str | None = None
    problem: str | None = None
    problem_detail: str = ""

    @property
    def answered(self) -> bool:
        return self.problem is None


def score_reply(case: EvalCase, reply: ModelReply, contender: Contender) -> Outcome:
    """Score one answer against the case's reference (the sandbox's label is removed first)."""
    text = without_simulation_label(reply.text)
    candidate = comparable_text(text, reply.tool_calls)
    return Outcome(
        model=contender.model,
        answer=text,
        tool_calls=reply.tool_calls,
        exact_match=exact_match(candidate, case.reference_text),
        f1=token_f1(candidate, case.reference_text),
        answer_words=word_count(candidate),
        format=format_check(case, text, reply.tool_calls),
        input_tokens=reply.input_tokens,
        output_tokens=reply.output_tokens,
        latency_ms=reply.latency_ms,
        cost_usd=call_cost_usd(reply.input_tokens, reply.output_tokens, contender.price),
    )


@dataclass(frozen=True, slots=True)
class CaseResult:
    case: EvalCase
    outcomes: tuple[Outcome, ...]
