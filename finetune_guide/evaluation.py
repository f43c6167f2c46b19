"""Comparing models on held-out examples: cases, SQuAD-style metrics, format checks, judge, cost, verdict."""

from __future__ import annotations

import csv
import io
import json
import re
import string
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import openai

from finetune_guide import catalog as price_catalog
from finetune_guide import tokens
from finetune_guide.jobs import CheckpointView, describe_exception
from finetune_guide.sandbox.replies import SIMULATED_LABEL, content_text

TOKENS_PER_MILLION = 1_000_000
# Below this difference in mean F1 two models are even: over tens of examples, a few hundredths is noise.
F1_TIE_MARGIN = 0.05
# Fewer examples than this and the verdict carries a warning that it is a hint, not evidence.
FEW_EXAMPLES = 10
MAX_EXAMPLES = 500
JUDGE_MIN_SCORE = 1
JUDGE_MAX_SCORE = 5
# The judge is asked for a short reason and a score line; this is what the cost estimate assumes it writes.
JUDGE_OUTPUT_TOKENS = 60
# The format line the app appends to any rubric, so the score can be read back whatever the rubric says.
JUDGE_FORMAT_INSTRUCTION = (
    "Give one short sentence of reasoning, then end your reply with a line of the form "
    f"'Score: N', where N is a whole number from {JUDGE_MIN_SCORE} to {JUDGE_MAX_SCORE}."
)

Role = Literal["fine_tuned", "base", "checkpoint"]
SkipReason = Literal["not_an_object", "no_reference", "unknown_format"]
FormatKind = Literal["json", "tool"]
RunStatus = Literal["running", "cancelled", "done"]

# Keys a chat message may carry in a request; dataset-only keys (such as `weight`) are dropped before sending.
_MESSAGE_KEYS = ("role", "content", "name", "tool_calls", "tool_call_id", "function_call")
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_SCORE_LINE = re.compile(r"(?:score|ocena|wynik)\s*[:=]?\s*\**\s*(\d+(?:[.,]\d+)?)", re.IGNORECASE)
# Spreadsheet programs run a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# --- cases -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A function the model (or the reference) called, with its arguments as the JSON text it sent."""

    name: str
    arguments: str = "{}"


@dataclass(frozen=True, slots=True)
class EvalCase:
    """One held-out example: the conversation up to the answer, and the answer it should produce."""

    line: int
    messages: tuple[Mapping[str, Any], ...]
    reference: str
    reference_tool_calls: tuple[ToolCall, ...] = ()
    tools: tuple[Mapping[str, Any], ...] = ()

    @property
    def question(self) -> str:
        """The last user turn, which is what a reader of the results table wants to see."""
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return content_text(message.get("content"))
        return ""

    @property
    def reference_text(self) -> str:
        """What the metrics compare against: the reply text, or the tool calls written out."""
        return comparable_text(self.reference, self.reference_tool_calls)


@dataclass(frozen=True, slots=True)
class SkippedLine:
    line: int
    reason: SkipReason


@dataclass(frozen=True, slots=True)
class CaseSet:
    cases: tuple[EvalCase, ...]
    skipped: tuple[SkippedLine, ...]


def eval_cases(records: Iterable[tuple[int, object]]) -> CaseSet:
    """Cases from (line, parsed JSON) pairs of a chat, DPO or prompt/completion file.

    The last assistant message is the reference and everything before it is the prompt; a DPO example
    is scored against its preferred output; lines without an answer to compare against are skipped.
    """
    cases: list[EvalCase] = []
    skipped: list[SkippedLine] = []
    for line, record in records:
        if not isinstance(record, Mapping):
            skipped.append(SkippedLine(line, "not_an_object"))
            continue
        case = _case(line, record)
        if isinstance(case, EvalCase):
            cases.append(case)
        else:
            skipped.append(SkippedLine(line, case))
    return CaseSet(tuple(cases), tuple(skipped))


def _case(line: int, record: Mapping[str, Any]) -> EvalCase | SkipReason:
    if isinstance(record.get("prompt"), str) and isinstance(record.get("completion"), str):
        prompt: tuple[Mapping[str, Any], ...] = ({"role": "user", "content": record["prompt"]},)
        return EvalCase(line, prompt, record["completion"].strip())
    tools = _tools(record.get("tools"))
    if isinstance(record.get("input"), Mapping):
        source = record["input"]
        preferred = record.get("preferred_output")
        messages = source.get("messages")
        if not isinstance(messages, list) or not isinstance(preferred, list):
            return "unknown_format"
        answer = _last_assistant(preferred)
        if answer is None:
            return "no_reference"
        return _built(line, messages, answer[1], _tools(source.get("tools")) or tools)
    messages = record.get("messages")
    if not isinstance(messages, list):
        return "unknown_format"
    last = _last_assistant(messages)
    if last is None:
        return "no_reference"
    return _built(line, messages[: last[0]], last[1], tools)


def _built(
    line: int, prompt: Sequence[Any], answer: Mapping[str, Any], tools: tuple[Mapping[str, Any], ...]
) -> EvalCase | SkipReason:
    messages = tuple(_request_message(m) for m in prompt if isinstance(m, Mapping))
    if not messages:
        return "no_reference"
    calls = tool_calls_of(answer)
    text = content_text(answer.get("content")).strip()
    if not text and not calls:
        return "no_reference"
    return EvalCase(line, messages, text, calls, tools)


def _last_assistant(messages: Sequence[Any]) -> tuple[int, Mapping[str, Any]] | None:
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if isinstance(message, Mapping) and message.get("role") == "assistant":
            return index, message
    return None


def _request_message(message: Mapping[str, Any]) -> dict[str, Any]:
    return {key: message[key] for key in _MESSAGE_KEYS if key in message}


def _tools(value: object) -> tuple[Mapping[str, Any], ...]:
    if not isinstance(value, list):
        return ()
    return tuple(tool for tool in value if isinstance(tool, Mapping))


def tool_calls_of(message: Mapping[str, Any]) -> tuple[ToolCall, ...]:
    """The tool calls of a message as a dataset writes them (also the legacy `function_call`)."""
    calls: list[ToolCall] = []
    raw_calls = message.get("tool_calls")
    if isinstance(raw_calls, list):
        for raw in raw_calls:
            function = raw.get("function") if isinstance(raw, Mapping) else None
            if isinstance(function, Mapping) and isinstance(function.get("name"), str):
                calls.append(ToolCall(function["name"], _arguments_text(function.get("arguments"))))
    legacy = message.get("function_call")
    if isinstance(legacy, Mapping) and isinstance(legacy.get("name"), str):
        calls.append(ToolCall(legacy["name"], _arguments_text(legacy.get("arguments"))))
    return tuple(calls)


def _arguments_text(arguments: object) -> str:
    if isinstance(arguments, str):
        return arguments
    if arguments is None:
        return "{}"
    return json.dumps(arguments, ensure_ascii=False)


# --- metrics -----------------------------------------------------------------------------------------------


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


def comparable_text(text: str, calls: Sequence[ToolCall]) -> str:
    """The text the metrics see: the reply, followed by each tool call as `name {canonical arguments}`."""
    written = [f"{call.name} {_canonical_json(call.arguments)}" for call in calls]
    return "\n".join(part for part in (text, *written) if part)


def _canonical_json(text: str) -> str:
    try:
        return json.dumps(json.loads(text), sort_keys=True, ensure_ascii=False)
    except ValueError:
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


# --- calling a model (the only I/O in this module) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModelReply:
    """One chat completion reduced to what the comparison shows."""

    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: float = 0.0
    finish_reason: str | None = None


def reply_from_completion(completion: object, latency_ms: float) -> ModelReply:
    """Read an SDK `ChatCompletion` into a ModelReply; a missing field reads as empty, not an error."""
    choices = getattr(completion, "choices", None) or []
    message = getattr(choices[0], "message", None) if choices else None
    text = getattr(message, "content", None) or ""
    calls: list[ToolCall] = []
    for call in getattr(message, "tool_calls", None) or []:
        function = getattr(call, "function", None)
        name = getattr(function, "name", None)
        if isinstance(name, str):
            calls.append(ToolCall(name, _arguments_text(getattr(function, "arguments", None))))
    legacy = getattr(message, "function_call", None)
    if legacy is not None and isinstance(getattr(legacy, "name", None), str):
        calls.append(ToolCall(legacy.name, _arguments_text(getattr(legacy, "arguments", None))))
    usage = getattr(completion, "usage", None)
    return ModelReply(
        text=text if isinstance(text, str) else "",
        tool_calls=tuple(calls),
        input_tokens=_int_or_none(getattr(usage, "prompt_tokens", None)),
        output_tokens=_int_or_none(getattr(usage, "completion_tokens", None)),
        latency_ms=round(latency_ms, 1),
        finish_reason=getattr(choices[0], "finish_reason", None) if choices else None,
    )


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# Reasoning models accept only the default temperature and answer a request that sets one with a 400.
_DEFAULT_TEMPERATURE_ONLY = ("o1", "o3", "o4", "gpt-5")


def accepts_temperature(model: str) -> bool:
    """False for the reasoning families (o1, o3, o4-mini, gpt-5…), also when fine-tuned."""
    return not price_catalog.base_model_name(model).startswith(_DEFAULT_TEMPERATURE_ONLY)


def ask(
    client: openai.OpenAI,
    model: str,
    messages: Sequence[Mapping[str, Any]],
    *,
    tools: Sequence[Mapping[str, Any]] = (),
    temperature: float | None = None,
) -> ModelReply:
    """Send one chat request and time it; SDK errors propagate for the caller to explain."""
    options: dict[str, Any] = {}
    if tools:
        options["tools"] = list(tools)
    if temperature is not None and accepts_temperature(model):
        options["temperature"] = temperature
    started = time.perf_counter()
    completion = client.chat.completions.create(model=model, messages=list(messages), **options)  # type: ignore[arg-type]
    return reply_from_completion(completion, (time.perf_counter() - started) * 1000)


# --- prices and costs --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Price:
    """Per-1M-token prices a model is billed at; None where the catalog has no figure and none was entered."""

    input_per_1m_usd: float | None = None
    output_per_1m_usd: float | None = None
    as_of: str = ""
    flagged: bool = False  # the catalog figure is not checked against a primary source

    @property
    def known(self) -> bool:
        return self.input_per_1m_usd is not None and self.output_per_1m_usd is not None


UNKNOWN_PRICE = Price()


def catalog_price(
    book: price_catalog.Catalog, base_model: str, *, fine_tuned: bool, provider: str | None = None
) -> Price:
    """The catalog's inference price for a base model, or for a model fine-tuned from it."""
    entry = price_catalog.find_model(book, base_model, provider) or price_catalog.find_model(book, base_model)
    if entry is None:
        return UNKNOWN_PRICE
    table = entry.finetuned_per_1m_usd if fine_tuned else entry.base_per_1m_usd
    tokens_in, tokens_out = table.get("input"), table.get("output")
    if tokens_in is None or tokens_out is None:
        return UNKNOWN_PRICE
    return Price(
        tokens_in.value,
        tokens_out.value,
        as_of=max(tokens_in.as_of, tokens_out.as_of).isoformat(),
        flagged=tokens_in.flagged or tokens_out.flagged,
    )


def call_cost_usd(input_tokens: int | None, output_tokens: int | None, price: Price) -> float | None:
    if not price.known or input_tokens is None or output_tokens is None:
        return None
    assert price.input_per_1m_usd is not None and price.output_per_1m_usd is not None
    return (input_tokens * price.input_per_1m_usd + output_tokens * price.output_per_1m_usd) / TOKENS_PER_MILLION


def prompt_tokens(messages: Sequence[Mapping[str, Any]], model: str, tools: Sequence[Any] = ()) -> int:
    """Input tokens as the OpenAI cookbook counts them: 3 per message plus its text, 3 to prime the reply."""
    encoding = tokens.encoding_name_for_model(model)
    total = 3
    for message in messages:
        total += 3
        for key, value in message.items():
            text = content_text(value) if key == "content" else value if isinstance(value, str) else ""
            if key == "tool_calls" and value:
                text = json.dumps(value, ensure_ascii=False)
            if text:
                total += tokens.count_tokens(text, encoding)
            if key == "name":
                total += 1
    if tools:
        total += tokens.count_tokens(json.dumps(list(tools), ensure_ascii=False), encoding)
    return total


# --- models under comparison ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Contender:
    """A model in a comparison: the id sent as `model`, its role, and the price it is billed at."""

    model: str
    role: Role
    price: Price = UNKNOWN_PRICE
    step: int | None = None  # checkpoints: the training step


def last_checkpoints(checkpoints: Sequence[CheckpointView], count: int = 3) -> tuple[CheckpointView, ...]:
    """The `count` latest checkpoints by step, oldest first (OpenAI keeps those of the last three epochs)."""
    ordered = sorted((c for c in checkpoints if c.model), key=lambda c: c.step)
    return tuple(ordered[-count:]) if count > 0 else ()


# --- judge -------------------------------------------------------------------------------------------------


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


# --- estimates ---------------------------------------------------------------------------------------------


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


# --- scoring one answer ------------------------------------------------------------------------------------


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


# --- a run, advanced a few cases at a time so it can be cancelled between them -----------------------------


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


# --- aggregation and verdict --------------------------------------------------------------------------------


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


Decision = Literal["better", "tie", "only_one", "no_answers"]
Basis = Literal["f1", "format", "exact_match", "judge"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """Which contender did best and on what evidence; `winner`/`runner_up` index the run's contenders."""

    decision: Decision
    winner: int | None
    runner_up: int | None
    basis: Basis | None
    examples: int
    few_examples: bool


def verdict(summaries: Sequence[ModelSummary]) -> Verdict:
    """Mean F1 decides when it differs by F1_TIE_MARGIN or more; else format validity, exact match, judge."""
    ranked = sorted(
        (i for i, s in enumerate(summaries) if s.answered and s.mean_f1 is not None),
        key=lambda i: (summaries[i].mean_f1 or 0.0, summaries[i].format_valid_rate or 0.0),
        reverse=True,
    )
    examples = max((s.examples for s in summaries), default=0)
    few = examples < FEW_EXAMPLES
    if not ranked:
        return Verdict("no_answers", None, None, None, examples, few)
    if len(ranked) == 1:
        return Verdict("only_one", ranked[0], None, None, examples, few)
    best, second = summaries[ranked[0]], summaries[ranked[1]]
    if (best.mean_f1 or 0.0) - (second.mean_f1 or 0.0) >= F1_TIE_MARGIN:
        return Verdict("better", ranked[0], ranked[1], "f1", examples, few)
    for basis, key in _SECONDARY:
        leader = _clear_leader(summaries, ranked[:2], key)
        if leader is not None:
            other = ranked[1] if leader == ranked[0] else ranked[0]
            return Verdict("better", leader, other, basis, examples, few)
    return Verdict("tie", ranked[0], ranked[1], None, examples, few)


def _format_key(summary: ModelSummary) -> float | None:
    return summary.format_valid_rate


def _exact_key(summary: ModelSummary) -> float | None:
    return summary.exact_match_rate


def _judge_key(summary: ModelSummary) -> float | None:
    return None if summary.mean_judge_score is None else summary.mean_judge_score / JUDGE_MAX_SCORE


_SECONDARY: tuple[tuple[Basis, Callable[[ModelSummary], float | None]], ...] = (
    ("format", _format_key),
    ("exact_match", _exact_key),
    ("judge", _judge_key),
)


def _clear_leader(
    summaries: Sequence[ModelSummary], pair: Sequence[int], key: Callable[[ModelSummary], float | None]
) -> int | None:
    # A secondary measure decides only when it separates the two by a clear margin (10 percentage points).
    first, second = key(summaries[pair[0]]), key(summaries[pair[1]])
    if first is None or second is None or abs(first - second) < 0.10:
        return None
    return pair[0] if first > second else pair[1]


# --- export ------------------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "line",
    "model",
    "role",
    "exact_match",
    "f1",
    "answer_words",
    "reference_words",
    "format_check",
    "format_ok",
    "judge_score",
    "judge_cost_usd",
    "input_tokens",
    "output_tokens",
    "latency_ms",
    "cost_usd",
    "error",
    "question",
    "reference",
    "answer",
)


def results_csv(run: EvalRun) -> str:
    """One row per case and model; text cells that a spreadsheet would run as a formula are quoted with '."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for result in run.results:
        for contender, outcome in zip(run.contenders, result.outcomes, strict=False):
            writer.writerow(
                [
                    result.case.line,
                    contender.model,
                    contender.role,
                    _cell(outcome.exact_match if outcome.answered else None),
                    _cell(round(outcome.f1, 4) if outcome.answered else None),
                    _cell(outcome.answer_words if outcome.answered else None),
                    word_count(result.case.reference_text),
                    outcome.format.kind or "",
                    _cell(outcome.format.ok),
                    _cell(outcome.judge_score),
                    _cell(None if outcome.judge_cost_usd is None else round(outcome.judge_cost_usd, 8)),
                    _cell(outcome.input_tokens),
                    _cell(outcome.output_tokens),
                    _cell(outcome.latency_ms),
                    _cell(None if outcome.cost_usd is None else round(outcome.cost_usd, 8)),
                    outcome.problem or "",
                    _safe_text(result.case.question),
                    _safe_text(result.case.reference_text),
                    _safe_text(comparable_text(outcome.answer, outcome.tool_calls)),
                ]
            )
    return buffer.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _safe_text(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text
