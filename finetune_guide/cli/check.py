"""`finetune-guide check FILE`: validate and measure a fine-tuning dataset in a terminal or in CI."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from finetune_guide import datasets
from finetune_guide.cli import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE_INPUT
from finetune_guide.datasets import DatasetReport, Distribution, Issue, Severity

# Readable output lists this many issues per severity; --json lists what the report keeps.
SHOWN_PER_SEVERITY = 50
_READ_BYTES = 1 << 20


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="validate a JSONL fine-tuning dataset and count its tokens",
        description=(
            "Validate a JSONL fine-tuning dataset for a model and method, and report its tokens and "
            "estimated billed training tokens. Exit status: 0 no errors, 1 errors found, 2 unusable input."
        ),
    )
    parser.add_argument("file", help="the .jsonl file to check ('-' reads standard input)")
    parser.add_argument("--model", default=None, help="the model to fine-tune (default: gpt-4o-mini-2024-07-18)")
    parser.add_argument(
        "--method",
        default="supervised",
        choices=("supervised", "dpo", "reinforcement"),
        help="the fine-tuning method (default: supervised)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a readable report")
    parser.set_defaults(handler=run)


def _blocks(handle: BinaryIO) -> Iterator[bytes]:
    yield from iter(partial(handle.read, _READ_BYTES), b"")


def _fail(message: str) -> int:
    print(f"finetune-guide check: {message}", file=sys.stderr)
    return EXIT_UNUSABLE_INPUT


def run(args: argparse.Namespace) -> int:
    model = args.model or datasets.DEFAULT_MODEL
    try:
        if args.file == "-":
            report = datasets.analyze(_blocks(sys.stdin.buffer), model=model, method=args.method, keep_measures=False)
        else:
            path = Path(args.file)
            if not path.exists():
                return _fail(f"{args.file}: no such file")
            if path.is_dir():
                return _fail(f"{args.file}: is a directory, not a file")
            with path.open("rb") as handle:
                report = datasets.analyze(_blocks(handle), model=model, method=args.method, keep_measures=False)
    except PermissionError:
        return _fail(f"{args.file}: permission denied")
    except OSError as exc:
        return _fail(f"{args.file}: cannot read ({exc.strerror or exc.__class__.__name__})")
    if not report.usable:
        first = next(issue for issue in report.issues if issue.code in datasets.UNUSABLE_CODES)
        return _fail(f"{args.file}: {first.message} {first.hint}")
    if args.json:
        print(json.dumps(report_json(args.file, report), ensure_ascii=False))
    else:
        print(readable(args.file, report))
    return EXIT_OK if report.ok else EXIT_FINDINGS


def _distribution(distribution: Distribution) -> dict[str, int | float]:
    return {
        "total": distribution.total,
        "min": distribution.min,
        "max": distribution.max,
        "mean": round(distribution.mean, 2),
        "p10": distribution.p10,
        "p50": distribution.p50,
        "p90": distribution.p90,
    }


def report_json(file: str, report: DatasetReport) -> dict[str, Any]:
    """The --json object; its keys are a contract other tools rely on."""
    stats = report.stats
    assert stats is not None  # an unusable report exits before this

    def listed(issues: tuple[Issue, ...]) -> list[dict[str, Any]]:
        return [{"line": issue.line, "code": issue.code, "message": issue.message} for issue in issues]

    return {
        "file": file,
        "format": report.format,
        "model": report.model,
        "encoding": report.encoding,
        "examples": report.examples,
        "errors": listed(report.errors),
        "error_counts": report.counts_for("error"),
        "warnings": listed(report.warnings),
        "warning_counts": report.counts_for("warning"),
        "tokens": _distribution(stats.tokens),
        "assistant_tokens": _distribution(stats.assistant_tokens),
        "max_tokens_per_example": stats.max_tokens_per_example,
        "too_long_examples": stats.too_long_examples,
        "billing_tokens_per_epoch": stats.billing_tokens_per_epoch,
        "default_epochs": stats.default_epochs,
        "billed_training_tokens": stats.billed_training_tokens,
    }


def readable(file: str, report: DatasetReport) -> str:
    """The report for a person: what the file is, what is wrong and how to fix it, then the numbers."""
    stats = report.stats
    assert stats is not None
    out = [
        f"{file}: {report.format}, {report.examples:,} examples, for {report.model} "
        f"({report.method}, tokenizer {report.encoding})",
    ]
    sections: tuple[tuple[str, Severity], ...] = (
        ("errors", "error"),
        ("warnings", "warning"),
        ("suggestions", "suggestion"),
    )
    for title, severity in sections:
        counts = report.counts_for(severity)
        if not counts:
            continue
        total = sum(counts.values())
        summary = ", ".join(f"{code} ×{n:,}" for code, n in counts.items())
        out += ["", f"{title} ({total:,}): {summary}"]
        shown = [issue for issue in report.issues if issue.severity == severity][:SHOWN_PER_SEVERITY]
        for issue in shown:
            where = f"line {issue.line}" if issue.line else "file"
            out.append(f"  {where:>10}  {issue.code}: {issue.message}")
            out.append(f"  {'':>10}  fix: {issue.hint}")
        if total > len(shown):
            out.append(f"  … and {total - len(shown):,} more (--json lists up to 1,000 per code)")
    tokens, assistant = stats.tokens, stats.assistant_tokens
    out += [
        "",
        "tokens per example:   "
        f"min {tokens.min:,} · p10 {tokens.p10:,.0f} · median {tokens.p50:,.0f} · mean {tokens.mean:,.1f} · "
        f"p90 {tokens.p90:,.0f} · max {tokens.max:,} · total {tokens.total:,}",
        "assistant tokens:     "
        f"min {assistant.min:,} · median {assistant.p50:,.0f} · mean {assistant.mean:,.1f} · "
        f"max {assistant.max:,} · total {assistant.total:,}",
        f"over the limit:       {stats.too_long_examples:,} examples over "
        f"{stats.max_tokens_per_example:,} tokens (truncated in training)",
        f"billed training:      {stats.default_epochs} epochs × {stats.billing_tokens_per_epoch:,} tokens "
        f"= {stats.billed_training_tokens:,} tokens",
        "",
    ]
    errors = sum(report.counts_for("error").values())
    out.append(
        f"Result: {errors:,} errors; fix them before uploading." if errors else "Result: no errors; ready to upload."
    )
    return "\n".join(out)
