"""What a run would send, receive and cost, before anything is sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from finetune_guide import tokens
from finetune_guide.evaluation.cases import EvalCase
from finetune_guide.evaluation.contenders import Contender
from finetune_guide.evaluation.judge import JUDGE_OUTPUT_TOKENS, Judge, judge_messages
from finetune_guide.evaluation.prices import call_cost_usd, prompt_tokens


@dataclass(frozen=True, slots=True)
class CallEstimate:
    """What one model (or the judge) would be sent and would answer over a run, and what that would cost."""

    model: str
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None


@dataclass(frozen=True, slots=True)
class RunEstimate:
    examples: int
    models: tuple[CallEstimate, ...]
    judge: CallEstimate | None = None

    @property
    def lines(self) -> tuple[CallEstimate, ...]:
        return (*self.models, self.judge) if self.judge else self.models

    @property
    def calls(self) -> int:
        return sum(line.calls for line in self.lines)

    @property
    def cost_usd(self) -> float:
        """The sum of the priced lines (see `unpriced` for lines without a price)."""
        return sum(line.cost_usd or 0.0 for line in self.lines)

    @property
    def unpriced(self) -> tuple[str, ...]:
        return tuple(line.model for line in self.lines if line.cost_usd is None)


def estimate_run(cases: Sequence[EvalCase], contenders: Sequence[Contender], judge: Judge | None = None) -> RunEstimate:
    """Input tokens are the prompts as sent; output tokens are assumed to be as long as the references."""
    lines = []
    for contender in contenders:
        tokens_in = sum(prompt_tokens(c.messages, contender.model, c.tools) for c in cases)
        tokens_out = sum(_text_tokens(c.reference_text, contender.model) for c in cases)
        cost = call_cost_usd(tokens_in, tokens_out, contender.price)
        lines.append(CallEstimate(contender.model, len(cases), tokens_in, tokens_out, cost))
    judged = None
    if judge is not None and contenders:
        per_call = [prompt_tokens(judge_messages(judge.rubric, c, c.reference_text), judge.model) for c in cases]
        calls = len(cases) * len(contenders)
        tokens_in = sum(per_call) * len(contenders)
        tokens_out = JUDGE_OUTPUT_TOKENS * calls
        judged = CallEstimate(
            judge.model, calls, tokens_in, tokens_out, call_cost_usd(tokens_in, tokens_out, judge.price)
        )
    return RunEstimate(len(cases), tuple(lines), judged)


def _text_tokens(text: str, model: str) -> int:
    return tokens.count_tokens(text, tokens.encoding_name_for_model(model))
