"""Each contender's results over a run, aggregated."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from finetune_guide.evaluation.contenders import Role
from finetune_guide.evaluation.metrics import word_count
from finetune_guide.evaluation.run import EvalRun


@dataclass(frozen=True, slots=True)
class ModelSummary:
    """One contender's results over the cases of a run."""

    model: str
    role: Role
    step: int | None
    examples: int
    answered: int
    exact_matches: int
    mean_f1: float | None
    format_applicable: int
    format_valid: int
    mean_answer_words: float | None
    mean_latency_ms: float | None
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    judged: int
    mean_judge_score: float | None
    problems: Mapping[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return self.examples - self.answered

    @property
    def exact_match_rate(self) -> float | None:
        return self.exact_matches / self.answered if self.answered else None

    @property
    def format_valid_rate(self) -> float | None:
        return self.format_valid / self.format_applicable if self.format_applicable else None


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarize(run: EvalRun) -> tuple[ModelSummary, ...]:
    summaries = []
    for index, contender in enumerate(run.contenders):
        outcomes = [result.outcomes[index] for result in run.results if index < len(result.outcomes)]
        answered = [o for o in outcomes if o.answered]
        checked = [o for o in answered if o.format.applies]
        judged = [o.judge_score for o in answered if o.judge_score is not None]
        costs = [o.cost_usd for o in answered]
        problems = Counter(o.problem for o in outcomes if o.problem)
        summaries.append(
            ModelSummary(
                model=contender.model,
                role=contender.role,
                step=contender.step,
                examples=len(outcomes),
                answered=len(answered),
                exact_matches=sum(o.exact_match for o in answered),
                mean_f1=_mean([o.f1 for o in answered]),
                format_applicable=len(checked),
                format_valid=sum(bool(o.format.ok) for o in checked),
                mean_answer_words=_mean([float(o.answer_words) for o in answered]),
                mean_latency_ms=_mean([o.latency_ms for o in answered if o.latency_ms is not None]),
                input_tokens=sum(o.input_tokens or 0 for o in answered),
                output_tokens=sum(o.output_tokens or 0 for o in answered),
                cost_usd=None if any(c is None for c in costs) else sum(c or 0.0 for c in costs),
                judged=len(judged),
                mean_judge_score=_mean([float(s) for s in judged]),
                problems=dict(problems),
            )
        )
    return tuple(summaries)


def mean_reference_words(run: EvalRun) -> float | None:
    return _mean([float(word_count(r.case.reference_text)) for r in run.results])
