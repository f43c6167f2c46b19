"""`finetune-guide estimate`: what a fine-tuning job and its model will cost, from the price catalog."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from finetune_guide import catalog, costs, datasets
from finetune_guide.cli import EXIT_OK, EXIT_UNUSABLE_INPUT

# Dataset files larger than this are not read whole into memory by a cost estimate.
MAX_FILE_BYTES = 512 * 1024 * 1024


def _whole(name: str, maximum: int, *, allow_zero: bool = False) -> Callable[[str], int]:
    """An argparse type: a whole number in range, with a message that says what to enter."""
    lowest = 0 if allow_zero else 1

    def parse(text: str) -> int:
        try:
            value = float(text.replace("_", "").replace(",", ""))
        except ValueError:
            message = f"{text!r} is not a number; enter a whole number ≥ {lowest}"
            raise argparse.ArgumentTypeError(message) from None
        if not math.isfinite(value) or value != int(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; enter one ≥ {lowest}")
        if value < lowest:
            raise argparse.ArgumentTypeError(f"{text} is too small; {name} must be {lowest} or more")
        if value > maximum:
            message = f"{text} is implausibly large; {name} can be at most {maximum:,}"
            raise argparse.ArgumentTypeError(message)
        return int(value)

    return parse


def _epochs(text: str) -> int | None:
    if text.strip().lower() == "auto":
        return None
    try:
        return _whole("epochs", costs.MAX_EPOCHS)(text)
    except argparse.ArgumentTypeError as error:
        raise argparse.ArgumentTypeError(f"{error}; or use auto") from None


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "estimate",
        help="estimate training, inference and hosting cost",
        description=(
            "Estimate what fine-tuning costs: training (billed tokens × price), and with a traffic profile "
            "the monthly inference and (Azure) hosting cost. Prices come from the dated catalog in "
            "content/pricing."
        ),
    )
    parser.add_argument("--model", required=True, metavar="M", help="model snapshot or alias, e.g. gpt-4o-mini")
    parser.add_argument("--provider", choices=catalog.PROVIDERS, default="openai", help="default: openai")
    parser.add_argument(
        "--tier", choices=catalog.TIERS, default="standard", help="Azure training tier (default: standard)"
    )
    data = parser.add_mutually_exclusive_group(required=True)
    data.add_argument("--file", type=Path, metavar="F", help="training data (JSONL) to count exactly")
    data.add_argument(
        "--tokens",
        type=_whole("--tokens", costs.MAX_TRAINING_TOKENS),
        metavar="T",
        help="training tokens per epoch",
    )
    parser.add_argument(
        "--examples",
        type=_whole("--examples", costs.MAX_EXAMPLES),
        metavar="N",
        help="number of examples (with --tokens; lets the auto-epochs rule apply)",
    )
    parser.add_argument("--epochs", type=_epochs, default=None, metavar="N|auto", help="default: auto")
    traffic_help = "traffic profile: give all three to estimate monthly inference"
    parser.add_argument(
        "--requests-per-day",
        type=_whole("--requests-per-day", costs.MAX_REQUESTS_PER_DAY, allow_zero=True),
        metavar="R",
        help=traffic_help,
    )
    parser.add_argument(
        "--input-tokens",
        type=_whole("--input-tokens", costs.MAX_TOKENS_PER_REQUEST, allow_zero=True),
        metavar="I",
        help="input tokens per request",
    )
    parser.add_argument(
        "--output-tokens",
        type=_whole("--output-tokens", costs.MAX_TOKENS_PER_REQUEST, allow_zero=True),
        metavar="O",
        help="output tokens per request",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def _fail(message: str) -> int:
    print(f"finetune-guide estimate: error: {message}", file=sys.stderr)
    return EXIT_UNUSABLE_INPUT


def _from_file(path: Path, model: str, method: str) -> tuple[int, int] | str:
    """(billing tokens per epoch, examples) from the dataset analysis, or a message saying what is wrong."""
    try:
        if not path.is_file():
            return f"{path}: no such file; give the path of a JSONL training file"
        if path.stat().st_size > MAX_FILE_BYTES:
            return f"{path}: larger than 512 MB, the upload limit; split it first"
        data = path.read_bytes()
    except OSError as error:
        return f"{path}: cannot be read ({error.strerror})"
    report = datasets.analyze(data, model=model, method=catalog.analysis_method(method))
    stats = report.stats
    if stats is None or not stats.examples:
        return f"{path}: no usable examples found; check it with `finetune-guide check {path}`"
    return int(stats.billing_tokens_per_epoch), int(stats.examples)


def run(args: argparse.Namespace) -> int:
    book = catalog.load_catalog()
    try:
        entry = catalog.resolve_model(book, args.model, args.provider)
    except catalog.UnknownModelError as error:
        known = ", ".join(error.known)
        return _fail(f"unknown model {error.model!r} for {args.provider}; known models: {known}")
    if args.examples is not None and args.file is not None:
        return _fail("--examples goes with --tokens; with --file the examples are counted")
    traffic_args = (args.requests_per_day, args.input_tokens, args.output_tokens)
    if any(v is not None for v in traffic_args) and any(v is None for v in traffic_args):
        return _fail("a traffic profile needs all of --requests-per-day, --input-tokens and --output-tokens")
    if args.provider == "openai" and args.tier != "standard":
        return _fail("--tier applies to Azure only; add --provider azure or drop --tier")

    method = entry.methods.value[0]
    if args.file is not None:
        counted = _from_file(args.file, entry.snapshot, method)
        if isinstance(counted, str):
            return _fail(counted)
        tokens_per_epoch, examples = counted
    else:
        examples = args.examples
        limit = entry.max_tokens_per_example.value
        tokens_per_epoch = costs.billing_tokens_from_totals(args.tokens, examples, limit)
    traffic = costs.Traffic(*traffic_args) if traffic_args[0] is not None else None
    plan = costs.EstimatePlan(
        model=entry.snapshot,
        provider=entry.provider,
        method=method,
        tier=args.tier,
        billing_tokens_per_epoch=tokens_per_epoch,
        examples=examples,
        epochs=args.epochs,
        traffic=traffic,
    )
    try:
        result = costs.estimate(book, plan, date.today())
    except costs.EstimateInputError as error:
        return _fail(str(error))
    if "tier_not_available" in result.warnings:
        offered = ", ".join(entry.training_tiers.value)
        return _fail(f"{entry.snapshot} on Azure trains in {offered}, not {args.tier}")
    report = to_json(book, result)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(to_text(book, result, report))
    return EXIT_OK


def _source_text(book: catalog.Catalog, figure: catalog.Figure[Any] | None) -> str | None:
    if figure is None:
        return None
    source = book.sources[figure.source]
    flag = "" if figure.status == "verified" else f" [{figure.status.replace('_', ' ')}]"
    return f"{source.title} <{source.url}>{flag}"


def to_json(book: catalog.Catalog, result: costs.Estimate) -> dict[str, Any]:
    """The `--json` object: exactly the keys the command documents."""
    line = result.training_price
    figure = line.figure
    per_token = not result.entry.hourly_training
    report: dict[str, Any] = {
        "provider": result.entry.provider,
        "model": result.entry.snapshot,
        "method": result.method,
        "epochs": result.epochs.epochs,
        "epochs_rule": result.epochs.explain(),
        "billing_tokens_per_epoch": result.billing_tokens_per_epoch,
        "billed_training_tokens": result.billed_training_tokens,
        "training_cost_usd": _money(result.training_cost_usd) if per_token else None,
        "price_per_1m_training_usd": line.value if per_token else None,
        "price_as_of": figure.as_of.isoformat() if figure else None,
        "price_source": _source_text(book, figure),
        "availability": result.availability.summary(result.entry.provider),
    }
    if result.monthly_inference_cost_usd is not None:
        report["monthly_inference_cost_usd"] = _money(result.monthly_inference_cost_usd)
    if result.entry.provider == "azure":
        report["monthly_hosting_cost_usd"] = _money(result.monthly_hosting_cost_usd)
    return report


def _money(value: float | None) -> float | None:
    # Rounded to the cent for output only; the arithmetic keeps full precision.
    return None if value is None else round(value, 2)


def to_text(book: catalog.Catalog, result: costs.Estimate, report: dict[str, Any]) -> str:
    entry = result.entry
    provider = "OpenAI" if entry.provider == "openai" else "Azure OpenAI"
    tier = f", {result.tier} tier" if entry.provider == "azure" else ""
    lines = [
        f"Model               {entry.snapshot} ({provider}, {result.method}{tier})",
        f"Epochs              {result.epochs.explain()}",
        f"Billed tokens       {result.billing_tokens_per_epoch:,} per epoch × {result.epochs.epochs} "
        f"= {result.billed_training_tokens:,}",
    ]
    line = result.training_price
    if entry.hourly_training:
        rate = f"${line.value:,.2f}" if line.value is not None else "no catalog price"
        lines.append(
            f"Training            RFT is billed per hour of training ({rate}/h), not per token; "
            "estimate the hours on the Cost calculator page"
        )
    else:
        lines.append(f"Training price      ${line.value:,.2f} per 1M tokens (as of {report['price_as_of']})")
        lines.append(f"Training cost       ${report['training_cost_usd']:,.2f}  (validation tokens are free)")
    lines.append(f"Price source        {report['price_source']}")
    if "monthly_inference_cost_usd" in report:
        lines.append(f"Monthly inference   ${report['monthly_inference_cost_usd']:,.2f}  (30 days)")
    if "monthly_hosting_cost_usd" in report:
        days = book.azure.inactivity_deletion_days.value
        hosting = report["monthly_hosting_cost_usd"]
        lines.append(
            f"Monthly hosting     ${hosting:,.2f}  ({result.deployment_type} deployment, 720 h; "
            f"deleted after {days} days without calls)"
        )
    lines.append(f"Availability        {report['availability']}")
    return "\n".join(lines)
