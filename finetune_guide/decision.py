"""Should I fine-tune? Answers in, an explained recommendation out, in language-neutral codes."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml

from finetune_guide.content import CONTENT_DIR

DEFAULT_GUIDE_PATH = CONTENT_DIR / "decision" / "questions.yaml"

Outcome = Literal["prompt_first", "rag", "sft", "dpo", "rft", "rag_and_ft", "not_ready"]
OUTCOMES: tuple[Outcome, ...] = ("prompt_first", "rag", "sft", "dpo", "rft", "rag_and_ft", "not_ready")
DIMENSIONS: tuple[str, ...] = ("use_case", "baseline", "data", "evaluation", "budget_access")
MAX_SCORE = 100

# The rules below read these signals; the data may give only these, so a typo in the YAML fails on load.
SIGNALS = frozenset(
    {
        "behaviour_gap", "tool_use", "reasoning_task", "cost_only", "knowledge_gap", "no_use_case",
        "needs_knowledge", "knowledge_unsure",
        "nothing_tried", "has_sft_model",
        "no_baseline", "baseline_unmeasured",
        "no_evaluation", "manual_evaluation", "grader_available",
        "no_data", "little_data",
        "preference_pairs", "gradable_examples", "needs_formatting", "documents_only",
        "azure_customer", "openai_customer", "new_customer", "history_unsure",
        "openai_active", "openai_closed", "azure", "open_models", "provider_undecided",
        "small_budget", "budget_unknown", "no_budget",
    }
)  # fmt: skip

# Each blocker is raised by one signal; together they are what stands between the learner and a first job.
BLOCKER_SIGNALS: tuple[tuple[str, str], ...] = (
    ("no_use_case", "no_use_case"),
    ("no_baseline", "no_baseline"),
    ("baseline_unmeasured", "baseline_unmeasured"),
    ("no_evaluation", "no_evaluation"),
    ("no_data", "no_data"),
    ("too_little_data", "little_data"),
    ("documents_not_examples", "documents_only"),
    ("no_budget", "no_budget"),
)
BLOCKERS: tuple[str, ...] = ("unanswered", *(blocker for blocker, _ in BLOCKER_SIGNALS))

# Every reason and piece of provider advice the rules can give; each has a text in decide.toml.
REASONS: tuple[str, ...] = (
    "unanswered", "no_use_case", "knowledge_gap", "nothing_tried", "cost_only", "distillation",
    "blockers_first", "preferences_after_sft", "then_dpo", "gradable_task", "behaviour_gap",
    "rft_needs_grader", "knowledge_and_behaviour", "add_retrieval_too", "check_knowledge",
    "documents_for_retrieval", "tool_use", "continue_from_model", "manual_evaluation", "needs_formatting",
    "small_budget",
)  # fmt: skip
ADVICE: tuple[str, ...] = (
    "openai_active", "openai_closed", "openai_status", "openai_ended", "azure_tiers", "azure_new", "open_models",
    "rft_where", "dpo_where",
)  # fmt: skip

LESSON_IDS = frozenset(
    {
        "what-is-fine-tuning", "when-to-fine-tune", "landscape-2026", "preparing-data", "what-it-costs",
        "running-a-job", "evaluating", "function-calling", "continuous-dpo-rft", "deploying-and-operating",
        "open-model-lora",
    }
)  # fmt: skip
PAGE_PATHS = frozenset({"learn", "studio", "calculator", "token-lab", "jobs", "compare"})

# Anything longer than this in a shared link is not a set of answers; reading stops there.
MAX_LINK_CHARS = 1_000
_CODE = re.compile(r"^[a-z0-9_]{1,40}$")

StepKind = Literal["lesson", "page"]
Translate = Callable[..., str]


@dataclass(frozen=True, slots=True)
class Answer:
    id: str
    effects: tuple[tuple[str, int], ...]
    signals: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    answers: tuple[Answer, ...]

    def answer(self, answer_id: str) -> Answer | None:
        return next((answer for answer in self.answers if answer.id == answer_id), None)


@dataclass(frozen=True, slots=True)
class Step:
    """A next step: a lesson (opened on the Learn page) or a page of the app, by its url_path."""

    code: str
    kind: StepKind
    target: str


@dataclass(frozen=True, slots=True)
class ProviderDates:
    as_of: date
    openai_new_orgs_closed: date
    openai_inactive_orgs_closed: date
    openai_jobs_end: date
    openai_base_models_shutdown: date
    openai_rft_model_shutdown: date
    azure_training_gpt4o_until: date
    azure_training_gpt41_until: date
    azure_training_o4mini_until: date
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Guide:
    questions: tuple[Question, ...]
    steps: Mapping[str, Step]
    outcome_steps: Mapping[str, tuple[str, ...]]
    blocker_steps: Mapping[str, tuple[str, ...]]
    signal_steps: Mapping[str, tuple[str, ...]]
    providers: ProviderDates

    def question(self, question_id: str) -> Question | None:
        return next((question for question in self.questions if question.id == question_id), None)


@dataclass(frozen=True, slots=True)
class Driver:
    """One answer that moved a dimension, and by how many points."""

    question: str
    answer: str
    points: int


@dataclass(frozen=True, slots=True)
class DimensionScore:
    dimension: str
    score: int
    drivers: tuple[Driver, ...]


@dataclass(frozen=True, slots=True)
class ProviderAdvice:
    """A piece of advice about where to train; values fill the text's placeholders (dates as ISO strings)."""

    code: str
    values: tuple[tuple[str, str], ...] = ()

    @property
    def params(self) -> dict[str, str]:
        return dict(self.values)


@dataclass(frozen=True, slots=True)
class Recommendation:
    outcome: Outcome
    reasons: tuple[str, ...]
    scores: tuple[DimensionScore, ...]
    blockers: tuple[str, ...]
    next_steps: tuple[Step, ...]
    provider_advice: tuple[ProviderAdvice, ...]
    answers: tuple[tuple[str, str], ...]
    missing: tuple[str, ...]
    facts_as_of: date

    def score(self, dimension: str) -> int:
        return next(item.score for item in self.scores if item.dimension == dimension)


@dataclass(frozen=True, slots=True)
class DecodedAnswers:
    """Answers read from a shared link, and how many parts of it were not understood."""

    answers: dict[str, str]
    ignored: int


# --- loading -------------------------------------------------------------------------------------------


def _fail(where: str, problem: str) -> ValueError:
    return ValueError(f"decision guide, {where}: {problem}")


def _codes(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _fail(where, "expected a list of codes")
    return tuple(value)


def _date(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _fail(where, f"expected a date YYYY-MM-DD, got {value!r}") from None


def _answer(raw: Any, where: str, dimensions: tuple[str, ...]) -> Answer:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not _CODE.match(raw["id"]):
        raise _fail(where, "each answer needs an id of lowercase letters, digits and underscores")
    where = f"{where}.{raw['id']}"
    effects = raw.get("effects", {})
    if not isinstance(effects, dict) or not effects:
        raise _fail(where, "effects must map at least one dimension to points")
    for dimension, points in effects.items():
        if dimension not in dimensions:
            raise _fail(where, f"unknown dimension {dimension!r}")
        if not isinstance(points, int) or isinstance(points, bool) or abs(points) > MAX_SCORE:
            raise _fail(where, f"points for {dimension} must be a whole number from -100 to 100")
    signals = _codes(raw.get("signals", []), f"{where}.signals")
    unknown = sorted(set(signals) - SIGNALS)
    if unknown:
        raise _fail(where, f"unknown signals {unknown}")
    return Answer(raw["id"], tuple(effects.items()), signals)


def _question(raw: Any, where: str, dimensions: tuple[str, ...]) -> Question:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not _CODE.match(raw["id"]):
        raise _fail(where, "each question needs an id of lowercase letters, digits and underscores")
    where = f"question {raw['id']}"
    raw_answers = raw.get("answers")
    if not isinstance(raw_answers, list) or len(raw_answers) < 2:
        raise _fail(where, "needs at least two answers")
    answers = tuple(_answer(item, where, dimensions) for item in raw_answers)
    if len({answer.id for answer in answers}) != len(answers):
        raise _fail(where, "answer ids repeat")
    return Question(raw["id"], answers)


def _step_lists(raw: Any, where: str, steps: Mapping[str, Step], allowed: Iterable[str]) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise _fail(where, "expected a mapping")
    allowed = set(allowed)
    lists: dict[str, tuple[str, ...]] = {}
    for code, value in raw.items():
        if code not in allowed:
            raise _fail(where, f"unknown code {code!r}")
        lists[code] = _codes(value, f"{where}.{code}")
        unknown = sorted(set(lists[code]) - set(steps))
        if unknown:
            raise _fail(f"{where}.{code}", f"unknown steps {unknown}")
    return lists


def _steps(raw: Any) -> dict[str, Step]:
    if not isinstance(raw, dict):
        raise _fail("steps", "expected a mapping")
    steps: dict[str, Step] = {}
    for code, target in raw.items():
        if isinstance(target, dict) and target.keys() == {"lesson"} and target["lesson"] in LESSON_IDS:
            steps[code] = Step(code, "lesson", target["lesson"])
        elif isinstance(target, dict) and target.keys() == {"page"} and target["page"] in PAGE_PATHS:
            steps[code] = Step(code, "page", target["page"])
        else:
            raise _fail(
                f"steps.{code}",
                f"expected {{lesson: <known lesson id>}} or {{page: <url_path>}}, got {target!r}",
            )
    return steps


def _providers(raw: Any) -> ProviderDates:
    if not isinstance(raw, dict):
        raise _fail("providers", "expected a mapping")
    names = [field.name for field in dataclasses.fields(ProviderDates) if field.name != "sources"]
    missing = [name for name in names if name not in raw]
    if missing:
        raise _fail("providers", f"missing {missing}")
    dates = {name: _date(raw[name], f"providers.{name}") for name in names}
    return ProviderDates(**dates, sources=_codes(raw.get("sources", []), "providers.sources"))


def parse_guide(raw: Any) -> Guide:
    """Build and check a guide from its parsed YAML; a ValueError names the first thing that is wrong."""
    if not isinstance(raw, dict):
        raise _fail("top level", "expected a mapping")
    if tuple(raw.get("dimensions", ())) != DIMENSIONS:
        raise _fail("dimensions", f"expected exactly {list(DIMENSIONS)}")
    raw_questions = raw.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise _fail("questions", "expected a non-empty list")
    questions = tuple(_question(item, f"question #{n}", DIMENSIONS) for n, item in enumerate(raw_questions, 1))
    if len({question.id for question in questions}) != len(questions):
        raise _fail("questions", "question ids repeat")
    steps = _steps(raw.get("steps"))
    outcome_steps = _step_lists(raw.get("outcome_steps"), "outcome_steps", steps, OUTCOMES)
    if set(outcome_steps) != set(OUTCOMES):
        raise _fail("outcome_steps", f"every outcome needs steps: {list(OUTCOMES)}")
    return Guide(
        questions=questions,
        steps=steps,
        outcome_steps=outcome_steps,
        blocker_steps=_step_lists(raw.get("blocker_steps", {}), "blocker_steps", steps, BLOCKERS),
        signal_steps=_step_lists(raw.get("signal_steps", {}), "signal_steps", steps, SIGNALS),
        providers=_providers(raw.get("providers")),
    )


def load_guide(path: Path = DEFAULT_GUIDE_PATH) -> Guide:
    with path.open(encoding="utf-8") as handle:
        return parse_guide(yaml.safe_load(handle))


@functools.cache
def default_guide() -> Guide:
    """The shipped guide, read once per process (it is the same for every visitor)."""
    return load_guide()


# --- the recommendation --------------------------------------------------------------------------------


def _chosen(answers: Mapping[str, str], guide: Guide) -> list[tuple[Question, Answer]]:
    chosen = []
    for question in guide.questions:
        answer_id = answers.get(question.id)
        answer = question.answer(answer_id) if isinstance(answer_id, str) else None
        if answer is not None:
            chosen.append((question, answer))
    return chosen


def _scores(chosen: list[tuple[Question, Answer]]) -> tuple[DimensionScore, ...]:
    scores = []
    for dimension in DIMENSIONS:
        drivers = tuple(
            Driver(question.id, answer.id, points)
            for question, answer in chosen
            for effect, points in answer.effects
            if effect == dimension
        )
        total = sum(driver.points for driver in drivers)
        scores.append(DimensionScore(dimension, max(0, min(MAX_SCORE, total)), drivers))
    return tuple(scores)


def _outcome(signals: set[str], blockers: list[str]) -> tuple[Outcome, list[str]]:
    """The ordered rules; the first that fits decides, and says why in reason codes."""
    if "unanswered" in blockers:
        return "not_ready", ["unanswered"]
    if "no_use_case" in signals:
        return "not_ready", ["no_use_case"]
    if "knowledge_gap" in signals:
        return "rag", ["knowledge_gap"]
    if "nothing_tried" in signals:
        return "prompt_first", ["cost_only", "nothing_tried"] if "cost_only" in signals else ["nothing_tried"]
    if "cost_only" in signals:
        # Cost alone is a reason to fine-tune only once a measured baseline and a distillation set exist.
        return ("prompt_first", ["cost_only"]) if blockers else ("sft", ["distillation"])
    if blockers:
        return "not_ready", ["blockers_first"]
    if "preference_pairs" in signals:
        return ("dpo", ["preferences_after_sft"]) if "has_sft_model" in signals else ("sft", ["then_dpo"])
    if "reasoning_task" in signals:
        if signals & {"gradable_examples", "grader_available"}:
            return "rft", ["gradable_task"]
        return "sft", ["behaviour_gap", "rft_needs_grader"]
    if "needs_knowledge" in signals:
        return "rag_and_ft", ["knowledge_and_behaviour"]
    return "sft", ["behaviour_gap"]


def _extra_reasons(outcome: Outcome, signals: set[str]) -> list[str]:
    training = outcome in {"sft", "dpo", "rft", "rag_and_ft"}
    extra = []
    if "needs_knowledge" in signals and outcome in {"prompt_first", "not_ready", "sft", "dpo", "rft"}:
        extra.append("add_retrieval_too")
    if "knowledge_unsure" in signals and outcome != "rag":
        extra.append("check_knowledge")
    if "documents_only" in signals:
        extra.append("documents_for_retrieval")
    if training and "tool_use" in signals:
        extra.append("tool_use")
    if training and "has_sft_model" in signals and outcome != "dpo":
        extra.append("continue_from_model")
    if training and "manual_evaluation" in signals:
        extra.append("manual_evaluation")
    if training and "needs_formatting" in signals:
        extra.append("needs_formatting")
    if training and "small_budget" in signals:
        extra.append("small_budget")
    return extra


def _advice(code: str, **values: date) -> ProviderAdvice:
    return ProviderAdvice(code, tuple((key, value.isoformat()) for key, value in values.items()))


def _provider_advice(outcome: Outcome, signals: set[str], d: ProviderDates, today: date) -> list[ProviderAdvice]:
    """Where the learner can train. Hosted fine-tuning takes existing customers only, so a provider is advised
    only to someone with a history there; everyone else is pointed at Foundry's open models and their own LoRA."""
    openai_open = today < d.openai_jobs_end
    openai_customer = "openai_customer" in signals
    if "azure_customer" in signals:
        azure = _advice(
            "azure_tiers",
            gpt4o=d.azure_training_gpt4o_until,
            gpt41=d.azure_training_gpt41_until,
            o4mini=d.azure_training_o4mini_until,
        )
    else:
        # A new Azure subscription gets gpt-5 RFT by invitation and Foundry's open models, not gpt-4.1 or gpt-4o.
        azure = _advice("azure_new")
    open_models = _advice("open_models")
    closed = _advice("openai_closed", new=d.openai_new_orgs_closed, inactive=d.openai_inactive_orgs_closed)
    found: list[ProviderAdvice] = []
    if "openai_active" in signals and openai_customer and openai_open:
        found += [_advice("openai_active", end=d.openai_jobs_end, models=d.openai_base_models_shutdown)]
        found += [azure, open_models]
    elif "openai_active" in signals and openai_customer:
        found += [_advice("openai_ended", end=d.openai_jobs_end), azure, open_models]
    elif signals & {"openai_active", "openai_closed"}:
        # "Active on OpenAI" without an OpenAI history is a contradiction; the safe reading is the closed door.
        found += [_advice("openai_ended", end=d.openai_jobs_end) if not openai_open else closed, azure, open_models]
    elif "azure" in signals:
        found += [azure] if "azure_customer" in signals else [azure, open_models]
    elif "open_models" in signals:
        found.append(open_models)
    elif openai_customer:
        status = "openai_status" if openai_open else "openai_ended"
        found += [_advice(status, new=d.openai_new_orgs_closed, end=d.openai_jobs_end), azure, open_models]
    else:
        found += [closed if openai_open else _advice("openai_ended", end=d.openai_jobs_end), azure, open_models]
    if outcome == "rft":
        found.append(_advice("rft_where", retired=d.openai_rft_model_shutdown))
    if outcome == "dpo" or (outcome == "sft" and "preference_pairs" in signals):
        found.append(_advice("dpo_where"))
    return found


def _next_steps(guide: Guide, outcome: Outcome, blockers: list[str], signals: set[str]) -> tuple[Step, ...]:
    codes = [code for blocker in blockers for code in guide.blocker_steps.get(blocker, ())]
    codes += guide.outcome_steps[outcome]
    codes += [code for signal in sorted(signals) for code in guide.signal_steps.get(signal, ())]
    unique = dict.fromkeys(code for code in codes if code in guide.steps)
    return tuple(guide.steps[code] for code in unique)


def recommend(answers: Mapping[str, str], guide: Guide | None = None, today: date | None = None) -> Recommendation:
    """Score the readiness dimensions, apply the rules and gather next steps and provider advice.

    Unknown questions or answers are ignored; an unanswered question makes the outcome "not ready".
    """
    guide = guide or default_guide()
    today = today or date.today()
    chosen = _chosen(answers, guide)
    answered = {question.id for question, _ in chosen}
    missing = tuple(question.id for question in guide.questions if question.id not in answered)
    signals = {signal for _, answer in chosen for signal in answer.signals}
    blockers = [blocker for blocker, signal in BLOCKER_SIGNALS if signal in signals]
    if missing:
        blockers.insert(0, "unanswered")
    outcome, reasons = _outcome(signals, blockers)
    reasons += _extra_reasons(outcome, signals)
    return Recommendation(
        outcome=outcome,
        reasons=tuple(dict.fromkeys(reasons)),
        scores=_scores(chosen),
        blockers=tuple(blockers),
        next_steps=_next_steps(guide, outcome, blockers, signals),
        provider_advice=tuple(_provider_advice(outcome, signals, guide.providers, today)),
        answers=tuple((question.id, answer.id) for question, answer in chosen),
        missing=missing,
        facts_as_of=guide.providers.as_of,
    )


# --- sharing -------------------------------------------------------------------------------------------


def encode_answers(answers: Mapping[str, str], guide: Guide | None = None) -> str:
    """Answers as "question:answer,…" in question order, for ?a= in a shareable link; unknown ones dropped."""
    guide = guide or default_guide()
    return ",".join(f"{question.id}:{answer.id}" for question, answer in _chosen(answers, guide))


def decode_answers(raw: str, guide: Guide | None = None) -> DecodedAnswers:
    """Read ?a= from a link; malformed, unknown or repeated parts are counted as ignored, never raised."""
    guide = guide or default_guide()
    answers: dict[str, str] = {}
    ignored = 0
    if len(raw) > MAX_LINK_CHARS:
        raw, ignored = raw[:MAX_LINK_CHARS], 1
    for part in raw.split(","):
        if not part.strip():
            continue
        question_id, _, answer_id = part.partition(":")
        question = guide.question(question_id.strip())
        if question is None or question.id in answers or question.answer(answer_id.strip()) is None:
            ignored += 1
            continue
        answers[question.id] = answer_id.strip()
    return DecodedAnswers(answers, ignored)


def first_unanswered(answers: Mapping[str, str], guide: Guide | None = None) -> int:
    """Index of the first question without a valid answer; len(questions) when all are answered."""
    guide = guide or default_guide()
    for index, question in enumerate(guide.questions):
        if question.answer(answers.get(question.id, "")) is None:
            return index
    return len(guide.questions)


# --- the downloadable summary ----------------------------------------------------------------------------


def summary_markdown(recommendation: Recommendation, text: Translate, share_url: str = "") -> str:
    """The result as a Markdown document; text(key, **values) supplies every word in the reader's language."""
    rec = recommendation
    lines = [
        f"# {text('decide.summary.heading')}",
        "",
        f"## {text(f'decide.outcome.{rec.outcome}.title')}",
        "",
        text(f"decide.outcome.{rec.outcome}.summary"),
        "",
        *(f"- {text(f'decide.reason.{code}')}" for code in rec.reasons),
        "",
        f"## {text('decide.scores_heading')}",
        "",
        "| " + " | ".join(text(f"decide.summary.{column}") for column in ("dimension", "score", "drivers")) + " |",
        "|---|---:|---|",
    ]
    for item in rec.scores:
        drivers = "; ".join(
            f"{text(f'decide.q.{q}.short')}: {text(f'decide.q.{q}.a.{a}')} ({points:+d})"
            for q, a, points in ((d.question, d.answer, d.points) for d in item.drivers)
        )
        lines.append(f"| {text(f'decide.dim.{item.dimension}')} | {item.score} | {drivers or '—'} |")
    if rec.blockers:
        lines += ["", f"## {text('decide.blockers_heading')}", ""]
        lines += [f"- {text(f'decide.blocker.{code}')}" for code in rec.blockers]
    lines += ["", f"## {text('decide.next_steps_heading')}", ""]
    lines += [f"- {text(f'decide.step.{step.code}')}" for step in rec.next_steps]
    lines += ["", f"## {text('decide.provider_heading')}", ""]
    lines += [f"- {text(f'decide.provider.{item.code}', **item.params)}" for item in rec.provider_advice]
    lines += ["", f"## {text('decide.summary.answers')}", ""]
    lines += [
        f"- {text(f'decide.q.{question}.title')} — {text(f'decide.q.{question}.a.{answer}')}"
        for question, answer in rec.answers
    ]
    if share_url:
        lines += ["", f"{text('decide.summary.link')}: {share_url}"]
    lines += ["", text("decide.summary.as_of", date=rec.facts_as_of.isoformat()), ""]
    return "\n".join(lines)
