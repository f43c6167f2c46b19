"""Loss and accuracy per training step, from metrics events or a results file, and a job's progress."""

from __future__ import annotations

import base64
import binascii
import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from finetune_guide.jobs.fields import float_or_none, read_field
from finetune_guide.jobs.views import JobView


@dataclass(frozen=True, slots=True)
class MetricPoint:
    """One training step's numbers; accuracies are mean token accuracy in 0..1, absent values are None."""

    step: int
    train_loss: float | None = None
    valid_loss: float | None = None
    full_valid_loss: float | None = None
    train_accuracy: float | None = None
    valid_accuracy: float | None = None
    full_valid_accuracy: float | None = None
    total_steps: int | None = None


_METRIC_FIELDS = (
    "train_loss",
    "valid_loss",
    "full_valid_loss",
    "train_accuracy",
    "valid_accuracy",
    "full_valid_accuracy",
)

# The same numbers under each source's names: metrics events, OpenAI's results.csv, Azure's results.csv.
_METRIC_ALIASES: Mapping[str, tuple[str, ...]] = {
    "train_loss": ("train_loss", "training_loss"),
    "valid_loss": ("valid_loss", "validation_loss"),
    "full_valid_loss": ("full_valid_loss", "full_validation_loss"),
    "train_accuracy": ("train_mean_token_accuracy", "train_accuracy", "training_accuracy"),
    "valid_accuracy": (
        "valid_mean_token_accuracy",
        "validation_mean_token_accuracy",
        "valid_accuracy",
        "validation_accuracy",
    ),
    "full_valid_accuracy": (
        "full_valid_mean_token_accuracy",
        "full_validation_mean_token_accuracy",
        "full_valid_accuracy",
    ),
}


def _metric_point(values: Mapping[str, object]) -> MetricPoint | None:
    step = float_or_none(values.get("step"))
    if step is None:
        return None
    found: dict[str, float | None] = {}
    for name, aliases in _METRIC_ALIASES.items():
        found[name] = next((v for v in (float_or_none(values.get(alias)) for alias in aliases) if v is not None), None)
    total = float_or_none(values.get("total_steps"))
    return MetricPoint(step=int(step), total_steps=int(total) if total is not None else None, **found)


def merge_metrics(*series: Iterable[MetricPoint]) -> tuple[MetricPoint, ...]:
    """One point per step, sorted; a later series fills in values the earlier ones lacked."""
    by_step: dict[int, MetricPoint] = {}
    for points in series:
        for point in points:
            old = by_step.get(point.step)
            if old is None:
                by_step[point.step] = point
                continue
            merged = {
                name: getattr(point, name) if getattr(point, name) is not None else getattr(old, name)
                for name in (*_METRIC_FIELDS, "total_steps")
            }
            by_step[point.step] = MetricPoint(step=point.step, **merged)
    return tuple(by_step[step] for step in sorted(by_step))


def metrics_from_events(events: Iterable[object]) -> tuple[MetricPoint, ...]:
    """Loss and accuracy per step from the job's `metrics` events."""
    points = []
    for event in events:
        data = read_field(event, "data")
        if read_field(event, "type") != "metrics" and not (isinstance(data, Mapping) and "step" in data):
            continue
        if isinstance(data, Mapping) and (point := _metric_point(data)) is not None:
            points.append(point)
    return merge_metrics(points)


def _results_text(content: str | bytes) -> str:
    """The CSV text; some results files arrive base64-encoded (the cookbook decodes them), so accept both."""
    raw = content.encode() if isinstance(content, str) else content
    text = raw.decode("utf-8-sig", errors="replace")
    if "," in text.split("\n", 1)[0]:
        return text
    try:
        decoded = base64.b64decode(b"".join(raw.split()), validate=True).decode("utf-8-sig")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return text
    return decoded


def metrics_from_results_csv(content: str | bytes) -> tuple[MetricPoint, ...]:
    """Loss and accuracy per step from a results file, by column name (OpenAI's and Azure's both work)."""
    reader = csv.DictReader(io.StringIO(_results_text(content), newline=""))
    points = []
    try:
        for row in reader:
            cleaned = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
            if (point := _metric_point(cleaned)) is not None:
                points.append(point)
    except csv.Error:
        # A truncated or garbled file still yields the rows read so far.
        pass
    return merge_metrics(points)


def progress_fraction(job: JobView, metrics: Sequence[MetricPoint] = ()) -> float:
    """How far a job is, 0..1: steps done over total steps while running, 1 once it succeeded."""
    if job.status == "succeeded":
        return 1.0
    if job.status in {"validating_files", "queued"} or not metrics:
        return 0.0
    last = max(metrics, key=lambda p: p.step)
    total = next((p.total_steps for p in reversed(metrics) if p.total_steps), None)
    if not total:
        return 0.0
    return max(0.0, min(1.0, last.step / total))
