"""An evaluation run, advanced a few cases at a time so it can be cancelled between them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import openai

from finetune_guide.evaluation.cases import EvalCase, comparable_text
from finetune_guide.evaluation.chat import ask
from finetune_guide.evaluation.contenders import Contender
from finetune_guide.evaluation.judge import Judge, judge_messages, parse_judge_score
from finetune_guide.evaluation.prices import call_cost_usd
from finetune_guide.evaluation.scoring import CaseResult, Outcome, score_reply
from finetune_guide.jobs import describe_exception

MAX_EXAMPLES = 500

RunStatus = Literal["running", "cancelled", "done"]


@dataclass(frozen=True, slots=True)
class EvalRun:
    """An evaluation in progress or finished: what is compared, on which cases, and the results so far."""

    contenders: tuple[Contender, ...]
    cases: tuple[EvalCase, ...]
    judge: Judge | None = None
    results: tuple[CaseResult, ...] = ()
    status: RunStatus = "running"
    temperature: float | None = 0.0

    @property
    def done_count(self) -> int:
        return len(self.results)

    @property
    def total(self) -> int:
        return len(self.cases)

    @property
    def finished(self) -> bool:
        return self.status != "running"

    def cancelled(self) -> EvalRun:
        return self if self.finished else replace(self, status="cancelled")

    def with_result(self, result: CaseResult) -> EvalRun:
        results = (*self.results, result)
        return replace(self, results=results, status="done" if len(results) >= self.total else "running")


def start_run(
    cases: Sequence[EvalCase],
    contenders: Sequence[Contender],
    *,
    limit: int,
    judge: Judge | None = None,
) -> EvalRun:
    """A new run over the first `limit` cases (1..MAX_EXAMPLES)."""
    count = max(1, min(limit, MAX_EXAMPLES, len(cases)))
    chosen = tuple(cases[:count])
    return EvalRun(tuple(contenders), chosen, judge, status="running" if chosen else "done")


def evaluate_case(client: openai.OpenAI, run: EvalRun, case: EvalCase, secrets: Sequence[str] = ()) -> CaseResult:
    """Ask every contender (and the judge, if any) about one case; a failed call is recorded, not raised."""
    outcomes = []
    for contender in run.contenders:
        try:
            reply = ask(client, contender.model, case.messages, tools=case.tools, temperature=run.temperature)
        except (openai.APIError, OSError) as error:
            problem = describe_exception(error, secrets)
            outcomes.append(Outcome(contender.model, problem=problem.kind, problem_detail=problem.detail))
            continue
        outcome = score_reply(case, reply, contender)
        if run.judge is not None:
            outcome = _judged(client, run.judge, case, outcome, secrets)
        outcomes.append(outcome)
    return CaseResult(case, tuple(outcomes))


def _judged(client: openai.OpenAI, judge: Judge, case: EvalCase, outcome: Outcome, secrets: Sequence[str]) -> Outcome:
    answer = comparable_text(outcome.answer, outcome.tool_calls)
    try:
        reply = ask(client, judge.model, judge_messages(judge.rubric, case, answer), temperature=0.0)
    except (openai.APIError, OSError) as error:
        return replace(outcome, judge_problem=describe_exception(error, secrets).kind)
    score = parse_judge_score(reply.text)
    return replace(
        outcome,
        judge_score=score,
        judge_problem=None if score is not None else "no_score",
        judge_cost_usd=call_cost_usd(reply.input_tokens, reply.output_tokens, judge.price),
    )


def advance(client: openai.OpenAI, run: EvalRun, *, cases: int = 1, secrets: Sequence[str] = ()) -> EvalRun:
    """The run after evaluating up to `cases` more cases; a finished or cancelled run comes back unchanged."""
    for _ in range(max(0, cases)):
        if run.finished:
            break
        run = run.with_result(evaluate_case(client, run, run.cases[run.done_count], secrets))
    return run
