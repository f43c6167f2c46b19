"""Comparing models on held-out examples: one module per concern, every public name re-exported here."""

from __future__ import annotations

from finetune_guide.evaluation.cases import (
    CaseSet,
    EvalCase,
    SkippedLine,
    SkipReason,
    ToolCall,
    comparable_text,
    eval_cases,
    tool_calls_of,
)
from finetune_guide.evaluation.chat import ModelReply, accepts_temperature, ask, reply_from_completion
from finetune_guide.evaluation.contenders import Contender, Role, last_checkpoints
from finetune_guide.evaluation.estimates import CallEstimate, RunEstimate, estimate_run
from finetune_guide.evaluation.export import CSV_COLUMNS, results_csv
from finetune_guide.evaluation.judge import (
    JUDGE_FORMAT_INSTRUCTION,
    JUDGE_MAX_SCORE,
    JUDGE_MIN_SCORE,
    JUDGE_OUTPUT_TOKENS,
    Judge,
    judge_messages,
    parse_judge_score,
)
from finetune_guide.evaluation.metrics import (
    NO_FORMAT,
    FormatCheck,
    FormatKind,
    answer_tokens,
    exact_match,
    format_check,
    json_container,
    normalize_answer,
    token_f1,
    without_simulation_label,
    word_count,
)
from finetune_guide.evaluation.prices import (
    TOKENS_PER_MILLION,
    UNKNOWN_PRICE,
    Price,
    call_cost_usd,
    catalog_price,
    prompt_tokens,
)
from finetune_guide.evaluation.run import MAX_EXAMPLES, EvalRun, RunStatus, advance, evaluate_case, start_run
from finetune_guide.evaluation.scoring import CaseResult, Outcome, score_reply
from finetune_guide.evaluation.summary import ModelSummary, mean_reference_words, summarize
from finetune_guide.evaluation.verdict import F1_TIE_MARGIN, FEW_EXAMPLES, Basis, Decision, Verdict, verdict

__all__ = [
    "CSV_COLUMNS",
    "F1_TIE_MARGIN",
    "FEW_EXAMPLES",
    "JUDGE_FORMAT_INSTRUCTION",
    "JUDGE_MAX_SCORE",
    "JUDGE_MIN_SCORE",
    "JUDGE_OUTPUT_TOKENS",
    "MAX_EXAMPLES",
    "NO_FORMAT",
    "TOKENS_PER_MILLION",
    "UNKNOWN_PRICE",
    "Basis",
    "CallEstimate",
    "CaseResult",
    "CaseSet",
    "Contender",
    "Decision",
    "EvalCase",
    "EvalRun",
    "FormatCheck",
    "FormatKind",
    "Judge",
    "ModelReply",
    "ModelSummary",
    "Outcome",
    "Price",
    "Role",
    "RunEstimate",
    "RunStatus",
    "SkipReason",
    "SkippedLine",
    "ToolCall",
    "Verdict",
    "accepts_temperature",
    "advance",
    "answer_tokens",
    "ask",
    "call_cost_usd",
    "catalog_price",
    "comparable_text",
    "estimate_run",
    "eval_cases",
    "evaluate_case",
    "exact_match",
    "format_check",
    "json_container",
    "judge_messages",
    "last_checkpoints",
    "mean_reference_words",
    "normalize_answer",
    "parse_judge_score",
    "prompt_tokens",
    "reply_from_completion",
    "results_csv",
    "score_reply",
    "start_run",
    "summarize",
    "token_f1",
    "tool_calls_of",
    "verdict",
    "without_simulation_label",
    "word_count",
]
