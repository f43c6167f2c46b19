"""Fine-tuning jobs as the app shows them: views, timeline, metrics, errors explained, code, deployment."""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import math
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import openai

from finetune_guide.providers import AZURE_TRAINING_TYPES, ProviderKind, ProviderSettings, masked, scrub

# --- statuses and timeline -------------------------------------------------------------------------------

TERMINAL_STATUSES = frozenset({"succeeded", "failed", "cancelled"})
# The happy path a job walks; "paused" and the two unhappy endings are drawn on top of it.
TIMELINE_STATUSES: tuple[str, ...] = ("validating_files", "queued", "running", "succeeded")

StepState = Literal["done", "current", "pending", "failed", "cancelled", "paused", "skipped"]


def is_terminal(status: str) -> bool:
    return status in TERMINAL_STATUSES


@dataclass(frozen=True, slots=True)
class TimelineStep:
    status: str
    state: StepState


def status_timeline(status: str, *, reached_running: bool = False) -> tuple[TimelineStep, ...]:
    """The four steps of a job with where it stands; a failed or cancelled job ends in that step instead.

    A job that failed or was cancelled does not say where it stopped, so `reached_running` (metrics were seen)
    decides whether training was reached.
    """
    if status in {"failed", "cancelled"}:
        ending: StepState = "failed" if status == "failed" else "cancelled"
        reached = ("validating_files", "queued", "running") if reached_running else ("validating_files",)
        steps = [TimelineStep(s, "done" if s in reached else "skipped") for s in TIMELINE_STATUSES[:3]]
        return (*steps, TimelineStep(status, ending))
    current = "running" if status == "paused" else status
    if current not in TIMELINE_STATUSES:
        return tuple(TimelineStep(s, "pending") for s in TIMELINE_STATUSES)
    position = TIMELINE_STATUSES.index(current)
    steps = []
    for index, step in enumerate(TIMELINE_STATUSES):
        if index < position or (index == position and current == "succeeded"):
            steps.append(TimelineStep(step, "done"))
        elif index == position:
            steps.append(TimelineStep(step, "paused" if status == "paused" else "current"))
        else:
            steps.append(TimelineStep(step, "pending"))
    return tuple(steps)


# --- view models from SDK objects ------------------------------------------------------------------------


def _get(obj: object, name: str, default: Any = None) -> Any:
    """Read a field from an SDK model or a plain dict, so tests and the sandbox can hand either."""
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _int_or_none(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    return None


def _float_or_none(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _setting(value: object) -> int | float | str | None:
    """A hyperparameter as the API returns it: "auto", a number, or absent."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float | str):
        return value
    return None


@dataclass(frozen=True, slots=True)
class JobError:
    code: str
    message: str
    param: str | None = None


@dataclass(frozen=True, slots=True)
class JobView:
    """What the jobs page shows about one fine-tuning job, read from the provider's job object."""

    id: str
    status: str
    model: str
    created_at: int
    fine_tuned_model: str | None = None
    finished_at: int | None = None
    estimated_finish: int | None = None
    trained_tokens: int | None = None
    training_file: str = ""
    validation_file: str | None = None
    result_files: tuple[str, ...] = ()
    method: str = "supervised"
    n_epochs: int | float | str | None = None
    batch_size: int | float | str | None = None
    learning_rate_multiplier: int | float | str | None = None
    beta: int | float | str | None = None
    seed: int | None = None
    suffix: str | None = None
    error: JobError | None = None
    metadata: tuple[tuple[str, str], ...] = ()
    training_type: str | None = None

    @property
    def terminal(self) -> bool:
        return is_terminal(self.status)


def job_view(job: object) -> JobView:
    """A JobView from an openai `FineTuningJob` (or the same fields as a dict); unknown statuses are kept."""
    method_obj = _get(job, "method")
    method = str(_get(method_obj, "type") or "supervised") if method_obj is not None else "supervised"
    hyper = _get(_get(method_obj, method), "hyperparameters") if method_obj is not None else None
    if hyper is None:
        hyper = _get(job, "hyperparameters")
    error_obj = _get(job, "error")
    error = None
    if error_obj is not None and (_get(error_obj, "code") or _get(error_obj, "message")):
        error = JobError(
            code=str(_get(error_obj, "code") or ""),
            message=str(_get(error_obj, "message") or ""),
            param=_get(error_obj, "param"),
        )
    metadata = _get(job, "metadata") or {}
    # Fields outside the SDK model (Azure's trainingType, user_provided_suffix) land in model_extra.
    extra = getattr(job, "model_extra", None) or {}
    suffix = _get(job, "user_provided_suffix") or extra.get("user_provided_suffix")
    training_type = _get(job, "trainingType") or extra.get("trainingType")
    return JobView(
        id=str(_get(job, "id") or ""),
        status=str(_get(job, "status") or "unknown"),
        model=str(_get(job, "model") or ""),
        created_at=_int_or_none(_get(job, "created_at")) or 0,
        fine_tuned_model=_get(job, "fine_tuned_model"),
        finished_at=_int_or_none(_get(job, "finished_at")),
        estimated_finish=_int_or_none(_get(job, "estimated_finish")),
        trained_tokens=_int_or_none(_get(job, "trained_tokens")),
        training_file=str(_get(job, "training_file") or ""),
        validation_file=_get(job, "validation_file"),
        result_files=tuple(str(f) for f in (_get(job, "result_files") or ())),
        method=method,
        n_epochs=_setting(_get(hyper, "n_epochs")),
        batch_size=_setting(_get(hyper, "batch_size")),
        learning_rate_multiplier=_setting(_get(hyper, "learning_rate_multiplier")),
        beta=_setting(_get(hyper, "beta")),
        seed=_int_or_none(_get(job, "seed")),
        suffix=str(suffix) if suffix else None,
        error=error,
        metadata=tuple(sorted((str(k), str(v)) for k, v in dict(metadata).items())),
        training_type=str(training_type) if training_type else None,
    )


@dataclass(frozen=True, slots=True)
class EventView:
    id: str
    created_at: int
    level: str
    message: str
    type: str


def event_views(events: Iterable[object]) -> tuple[EventView, ...]:
    """Events oldest first (the API lists newest first)."""
    views = [
        EventView(
            id=str(_get(e, "id") or ""),
            created_at=_int_or_none(_get(e, "created_at")) or 0,
            level=str(_get(e, "level") or "info"),
            message=str(_get(e, "message") or ""),
            type=str(_get(e, "type") or "message"),
        )
        for e in events
    ]
    return tuple(sorted(views, key=lambda v: (v.created_at, v.id)))


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
    step = _float_or_none(values.get("step"))
    if step is None:
        return None
    found: dict[str, float | None] = {}
    for name, aliases in _METRIC_ALIASES.items():
        found[name] = next((v for v in (_float_or_none(values.get(alias)) for alias in aliases) if v is not None), None)
    total = _float_or_none(values.get("total_steps"))
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
        data = _get(event, "data")
        if _get(event, "type") != "metrics" and not (isinstance(data, Mapping) and "step" in data):
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


@dataclass(frozen=True, slots=True)
class CheckpointView:
    id: str
    step: int
    model: str
    created_at: int
    train_loss: float | None = None
    valid_loss: float | None = None
    full_valid_loss: float | None = None
    train_accuracy: float | None = None
    valid_accuracy: float | None = None


def checkpoint_views(checkpoints: Iterable[object]) -> tuple[CheckpointView, ...]:
    """Checkpoints by step, newest last."""
    views = []
    for ckpt in checkpoints:
        metrics = _get(ckpt, "metrics") or {}
        views.append(
            CheckpointView(
                id=str(_get(ckpt, "id") or ""),
                step=_int_or_none(_get(ckpt, "step_number")) or 0,
                model=str(_get(ckpt, "fine_tuned_model_checkpoint") or ""),
                created_at=_int_or_none(_get(ckpt, "created_at")) or 0,
                train_loss=_float_or_none(_get(metrics, "train_loss")),
                valid_loss=_float_or_none(_get(metrics, "valid_loss")),
                full_valid_loss=_float_or_none(_get(metrics, "full_valid_loss")),
                train_accuracy=_float_or_none(_get(metrics, "train_mean_token_accuracy")),
                valid_accuracy=_float_or_none(_get(metrics, "valid_mean_token_accuracy")),
            )
        )
    return tuple(sorted(views, key=lambda v: v.step))


def is_fine_tuned_model(model_id: str) -> bool:
    """OpenAI names fine-tuned models `ft:…`; Azure `<base>.ft-<hex>`."""
    return model_id.startswith("ft:") or ".ft-" in model_id


# --- problems: HTTP errors and failed jobs, explained ----------------------------------------------------

ProblemKind = Literal[
    "unauthorized",
    "fine_tuning_closed",
    "forbidden",
    "not_found",
    "bad_request",
    "conflict",
    "rate_limited",
    "quota",
    "server_error",
    "timeout",
    "connection",
    "bad_file",
    "too_few_examples",
    "safety",
    "job_failed",
    "unknown",
]
PROBLEM_KINDS: tuple[str, ...] = ProblemKind.__args__  # type: ignore[attr-defined]

# Words the 2026 refusal uses; a 403 with any of them is the wind-down, not a wrong role.
_CLOSED_CODES = frozenset({"fine_tuning_not_available", "fine_tuning_disabled"})
_CLOSED_HINTS = ("no longer", "new users", "not available", "not eligible", "fine-tuning is", "wind")
# Azure keys are 32 hex digits; the lookarounds spare Azure ids that end in 32 hex (`ftjob-…`, `….ft-…`).
_AZURE_KEY_SHAPE = re.compile(r"(?<![\w\-.])[A-Fa-f0-9]{32}(?![\w\-])")


@dataclass(frozen=True, slots=True)
class Problem:
    """Something went wrong, sorted into a kind the page explains (plain words, a fix) plus the raw facts."""

    kind: ProblemKind
    http_status: int | None = None
    code: str | None = None
    detail: str = ""
    request_id: str | None = None
    param: str | None = None


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every given secret, and anything shaped like an OpenAI or Azure key, masked."""
    return _AZURE_KEY_SHAPE.sub(lambda m: masked(m.group(0)), scrub(text, *secrets))


def _error_body_message(exc: openai.APIError) -> str:
    body = exc.body
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        if isinstance(inner, Mapping) and isinstance(inner.get("message"), str):
            return str(inner["message"])
    return str(exc.message)


def _error_body_field(exc: openai.APIError, name: str) -> str | None:
    """A field of the error body; the SDK unwraps {"error": {...}} but a gateway may not."""
    value = getattr(exc, name, None)
    body = exc.body
    if not value and isinstance(body, Mapping):
        inner = body.get("error", body)
        value = inner.get(name) if isinstance(inner, Mapping) else None
    return str(value) if value else None


def describe_exception(exc: BaseException, secrets: Iterable[str] = ()) -> Problem:
    """Sort an exception from the openai SDK (or the network under it) into a Problem the page can explain."""
    secrets = tuple(secrets)
    if isinstance(exc, openai.APITimeoutError):
        return Problem("timeout", detail=redact(str(exc.message), secrets))
    if isinstance(exc, openai.APIConnectionError):
        return Problem("connection", detail=redact(str(exc.message), secrets))
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        message = redact(_error_body_message(exc), secrets)
        code = _error_body_field(exc, "code")
        kind: ProblemKind
        if status == 401:
            kind = "unauthorized"
        elif status == 403:
            lowered = message.lower()
            closed = code in _CLOSED_CODES or ("fine" in lowered and any(h in lowered for h in _CLOSED_HINTS))
            kind = "fine_tuning_closed" if closed else "forbidden"
        elif status == 404:
            kind = "not_found"
        elif status == 409:
            kind = "conflict"
        elif status in {400, 422}:
            kind = "bad_request"
        elif status == 429:
            kind = "quota" if code == "insufficient_quota" else "rate_limited"
        elif status >= 500:
            kind = "server_error"
        else:
            kind = "unknown"
        # Every field a provider sends back may echo what it received, so each is redacted, not only the message.
        return Problem(
            kind,
            status,
            _redact_optional(code, secrets),
            message,
            _redact_optional(exc.request_id, secrets),
            _redact_optional(_error_body_field(exc, "param"), secrets),
        )
    if isinstance(exc, openai.APIError):
        return Problem("unknown", detail=redact(str(exc.message), secrets))
    if isinstance(exc, TimeoutError):
        return Problem("timeout", detail=redact(str(exc), secrets))
    if isinstance(exc, ConnectionError | OSError):
        return Problem("connection", detail=redact(str(exc), secrets))
    return Problem("unknown", detail=redact(f"{type(exc).__name__}: {exc}", secrets))


def _redact_optional(text: str | None, secrets: tuple[str, ...]) -> str | None:
    return None if text is None else redact(text, secrets)


def describe_job_error(error: JobError) -> Problem:
    """Sort the `error` of a failed job by its code into a kind the page explains."""
    code = error.code.lower()
    kind: ProblemKind
    if error.param in {"training_file", "validation_file"} or "file" in code:
        kind = "bad_file"
    elif "example" in code:
        kind = "too_few_examples"
    elif "quota" in code or "billing" in code:
        kind = "quota"
    elif "moderation" in code or "safety" in code or "policy" in code:
        kind = "safety"
    elif "server" in code or "internal" in code:
        kind = "server_error"
    else:
        kind = "job_failed"
    return Problem(kind, code=error.code or None, detail=error.message, param=error.param)


# --- retry policy ----------------------------------------------------------------------------------------

Action = Literal[
    "test_connection",
    "upload_file",
    "create_job",
    "list_jobs",
    "retrieve_job",
    "list_events",
    "list_checkpoints",
    "download_results",
    "list_models",
    "cancel_job",
    "pause_job",
    "resume_job",
]
READ_ACTIONS = frozenset(
    {
        "test_connection",
        "list_jobs",
        "retrieve_job",
        "list_events",
        "list_checkpoints",
        "download_results",
        "list_models",
    }
)
# These start paid work or store data; a retry after an unclear failure could do it twice.
CREATING_ACTIONS = frozenset({"create_job", "upload_file"})
_TRANSIENT = frozenset({"rate_limited", "server_error", "timeout", "connection"})


def sdk_max_retries(action: Action, default: int = 2) -> int:
    """Retries to let the SDK make on its own: none for a create, whose outcome a retry could duplicate."""
    return 0 if action in CREATING_ACTIONS else default


def may_retry(action: Action, problem: Problem) -> bool:
    """Whether trying `action` again is safe: reads on transient faults; writes only if the server refused
    before doing anything (429); never a create after a fault that might have come after the job started."""
    if problem.kind not in _TRANSIENT:
        return False
    if action in READ_ACTIONS:
        return True
    return problem.kind == "rate_limited" and action not in CREATING_ACTIONS


def outcome_unknown(action: Action, problem: Problem) -> bool:
    """True when a create failed in a way that leaves open whether the job exists (look before retrying)."""
    return action in CREATING_ACTIONS and problem.kind in {"timeout", "connection", "server_error"}


REQUEST_TAG = "finetune_guide_request"


def find_job_by_request(jobs: Iterable[JobView], request_tag: str) -> JobView | None:
    """The job a create with this request tag made, if it did (so an unclear create is never repeated)."""
    return next((j for j in jobs if dict(j.metadata).get(REQUEST_TAG) == request_tag), None)


# --- the job request -------------------------------------------------------------------------------------

Method = Literal["supervised", "dpo"]
OPENAI_SUFFIX_MAX = 64
AZURE_SUFFIX_MAX = 18
SEED_MAX = 2_147_483_647


@dataclass(frozen=True, slots=True)
class JobRequest:
    """Everything a create call needs; None hyperparameters mean "auto"."""

    model: str
    training_file: str
    validation_file: str | None = None
    method: Method = "supervised"
    n_epochs: int | None = None
    batch_size: int | None = None
    learning_rate_multiplier: float | None = None
    beta: float | None = None
    suffix: str = ""
    seed: int | None = None
    training_type: str = ""
    metadata: tuple[tuple[str, str], ...] = field(default=())
    # The Local lab's LoRA settings (ignored by hosted providers); learning_rate is absolute, not a multiplier.
    learning_rate: float | None = None
    lora_rank: int | None = None
    lora_alpha: int | None = None
    max_seq_length: int | None = None


@dataclass(frozen=True, slots=True)
class RequestIssue:
    """A reason the form cannot be sent; `code` names an i18n string, `values` fill its placeholders."""

    code: str
    values: tuple[tuple[str, str | int | float], ...] = ()


_ACTIONS_BY_STATUS: dict[str, tuple[Action, ...]] = {
    "validating_files": ("cancel_job",),
    "queued": ("cancel_job",),
    "running": ("pause_job", "cancel_job"),
    "paused": ("resume_job", "cancel_job"),
}


def allowed_actions(status: str, provider: ProviderKind) -> tuple[Action, ...]:
    """What a job in this status can be asked to do; the Local lab cannot pause a training process."""
    offered = _ACTIONS_BY_STATUS.get(status, ())
    if provider == "local":
        return tuple(action for action in offered if action not in {"pause_job", "resume_job"})
    return offered


def check_job_request(request: JobRequest, provider: ProviderKind) -> tuple[RequestIssue, ...]:
    """Every rule of the create call the API would reject, so the form can say so first."""
    issues: list[RequestIssue] = []
    if not request.model.strip():
        issues.append(RequestIssue("no_model"))
    if not request.training_file.strip():
        issues.append(RequestIssue("no_training_file"))
    limit = AZURE_SUFFIX_MAX if provider == "azure" else OPENAI_SUFFIX_MAX
    if len(request.suffix) > limit:
        issues.append(RequestIssue("suffix_too_long", (("limit", limit), ("length", len(request.suffix)))))
    if provider == "azure" and "." in request.suffix:
        issues.append(RequestIssue("suffix_dot"))
    if request.suffix and not re.fullmatch(r"[A-Za-z0-9_\-.]+", request.suffix):
        issues.append(RequestIssue("suffix_chars"))
    if request.n_epochs is not None and not 1 <= request.n_epochs <= 50:
        issues.append(RequestIssue("epochs_range"))
    if request.batch_size is not None and not 1 <= request.batch_size <= 256:
        issues.append(RequestIssue("batch_range"))
    lr = request.learning_rate_multiplier
    if lr is not None and not (math.isfinite(lr) and lr > 0):
        issues.append(RequestIssue("lr_range"))
    if request.method == "dpo" and request.beta is not None and not (0 < request.beta <= 2):
        issues.append(RequestIssue("beta_range"))
    if request.seed is not None and not 0 <= request.seed <= SEED_MAX:
        issues.append(RequestIssue("seed_range"))
    if provider == "azure" and request.training_type and request.training_type not in AZURE_TRAINING_TYPES:
        issues.append(RequestIssue("training_type"))
    return tuple(issues)


def create_params(request: JobRequest, provider: ProviderKind) -> dict[str, Any]:
    """Keyword arguments for `client.fine_tuning.jobs.create`; the code samples use the same dict."""
    hyper: dict[str, Any] = {}
    if request.n_epochs is not None:
        hyper["n_epochs"] = request.n_epochs
    if request.batch_size is not None:
        hyper["batch_size"] = request.batch_size
    if request.learning_rate_multiplier is not None:
        hyper["learning_rate_multiplier"] = request.learning_rate_multiplier
    if request.method == "dpo" and request.beta is not None:
        hyper["beta"] = request.beta
    if provider == "local":
        lab = {
            "learning_rate": request.learning_rate,
            "lora_rank": request.lora_rank,
            "lora_alpha": request.lora_alpha,
            "max_seq_length": request.max_seq_length,
        }
        hyper.update({name: value for name, value in lab.items() if value is not None})
    params: dict[str, Any] = {"model": request.model, "training_file": request.training_file}
    if request.validation_file:
        params["validation_file"] = request.validation_file
    if request.suffix:
        params["suffix"] = request.suffix
    if request.seed is not None:
        params["seed"] = request.seed
    params["method"] = {"type": request.method, request.method: {"hyperparameters": hyper}}
    if request.metadata:
        params["metadata"] = dict(request.metadata)
    if provider == "azure" and request.training_type:
        params["extra_body"] = {"trainingType": request.training_type}
    return params


# --- "show the code" -------------------------------------------------------------------------------------

SANDBOX_SERVER_URL = "http://127.0.0.1:8765/v1"
LAB_SERVER_URL = "http://127.0.0.1:8766/v1"
_LOCAL_SERVER_URLS = {"sandbox": SANDBOX_SERVER_URL, "local": LAB_SERVER_URL}


@dataclass(frozen=True, slots=True)
class CodeTarget:
    """Where the shown code talks to, with the key already masked (the real key never reaches this module)."""

    kind: ProviderKind
    masked_key: str = ""
    base_url: str = ""
    azure_endpoint: str = ""
    api_version: str = ""
    organization: str = ""
    project: str = ""
    entra: bool = False


@dataclass(frozen=True, slots=True)
class CodeSample:
    python: str
    curl: str


def code_target(settings: ProviderSettings) -> CodeTarget:
    """The code samples' view of a connection: everything but the secret, which is masked."""
    secret = settings.api_key or settings.azure_ad_token
    return CodeTarget(
        kind=settings.kind,
        masked_key=masked(secret) if settings.kind not in {"sandbox", "local"} else "",
        base_url=settings.base_url.strip(),
        azure_endpoint=settings.azure_endpoint.strip(),
        api_version=settings.api_version.strip(),
        organization=settings.organization.strip(),
        project=settings.project.strip(),
        entra=bool(settings.azure_ad_token) and not settings.api_key,
    )


def _py(value: object) -> str:
    """A Python literal for a JSON-like value (repr quotes user text safely)."""
    return repr(value)


def _key_env(target: CodeTarget) -> str:
    if target.kind == "azure":
        return "AZURE_OPENAI_AD_TOKEN" if target.entra else "AZURE_OPENAI_API_KEY"
    if target.kind == "sandbox":
        return "SANDBOX_API_KEY"
    if target.kind == "local":
        return "LAB_API_KEY"
    return "OPENAI_API_KEY"


def _python_client(target: CodeTarget) -> str:
    env = _key_env(target)
    key_comment = f"  # {target.masked_key}" if target.masked_key else ""
    if target.kind == "azure" and not target.base_url:
        auth = "azure_ad_token" if target.entra else "api_key"
        return (
            "import os\n\nfrom openai import AzureOpenAI\n\nclient = AzureOpenAI(\n"
            f"    azure_endpoint={_py(target.azure_endpoint or 'https://<resource>.openai.azure.com')},\n"
            f"    {auth}=os.environ[{_py(env)}],{key_comment}\n"
            f"    api_version={_py(target.api_version)},\n)\n"
        )
    lines = ["import os", "", "from openai import OpenAI", ""]
    if target.kind == "sandbox":
        lines.append("# Start the sandbox first: finetune-guide sandbox --port 8765")
    if target.kind == "local" and not target.base_url:
        lines.append("# Start the lab first: finetune-guide lab serve --port 8766 (any key: it names your work)")
    lines.append("client = OpenAI(")
    lines.append(f"    api_key=os.environ[{_py(env)}],{key_comment}")
    base_url = target.base_url or _LOCAL_SERVER_URLS.get(target.kind, "")
    if base_url:
        lines.append(f"    base_url={_py(base_url)},")
    if target.organization:
        lines.append(f"    organization={_py(target.organization)},")
    if target.project:
        lines.append(f"    project={_py(target.project)},")
    lines.append(")")
    return "\n".join(lines) + "\n"


def _rest_base(target: CodeTarget) -> tuple[str, str]:
    """The URL prefix and the query string every curl call uses."""
    if target.kind == "azure" and not target.base_url:
        endpoint = (target.azure_endpoint or "https://<resource>.openai.azure.com").rstrip("/")
        return f"{endpoint}/openai", f"?api-version={target.api_version}"
    if target.base_url:
        return target.base_url.rstrip("/"), ""
    return _LOCAL_SERVER_URLS.get(target.kind, "https://api.openai.com/v1"), ""


def _curl_auth(target: CodeTarget) -> list[str]:
    env = _key_env(target)
    if target.kind == "azure" and not target.entra and not target.base_url:
        headers = [f'-H "api-key: ${env}"']
    else:
        headers = [f'-H "Authorization: Bearer ${env}"']
    if target.organization:
        headers.append(f"-H {shlex.quote('OpenAI-Organization: ' + target.organization)}")
    if target.project:
        headers.append(f"-H {shlex.quote('OpenAI-Project: ' + target.project)}")
    return headers


def _curl(target: CodeTarget, method: str, path: str, extra: Sequence[str] = ()) -> str:
    base, query = _rest_base(target)
    lines = []
    if target.masked_key:
        lines.append(f"# {_key_env(target)} holds your key ({target.masked_key})")
    parts = ["curl"] + ([f"-X {method}"] if method != "GET" else []) + [shlex.quote(f"{base}{path}{query}")]
    parts += _curl_auth(target)
    parts += list(extra)
    lines.append(" \\\n  ".join(parts))
    return "\n".join(lines) + "\n"


def _python_call(target: CodeTarget, call: str, args: Mapping[str, Any], result: str) -> str:
    if args:
        body = "".join(f"    {name}={_py(value)},\n" for name, value in args.items())
        text = f"{result} = {call}(\n{body})\n"
    else:
        text = f"{result} = {call}()\n"
    return _python_client(target) + "\n" + text


def code_for(action: Action, target: CodeTarget, **values: Any) -> CodeSample:
    """Equivalent Python (openai SDK) and curl for one action of the jobs or connection page.

    Values by action: upload_file(filename), create_job(params = create_params(...)), job actions (job_id),
    download_results(file_id).
    """
    job_id = str(values.get("job_id", "<job-id>"))
    if action in {"test_connection", "list_models"}:
        python = _python_client(target) + "\nfor model in client.models.list():\n    print(model.id)\n"
        return CodeSample(python, _curl(target, "GET", "/models"))
    if action == "upload_file":
        filename = str(values.get("filename", "train.jsonl"))
        python = (
            _python_client(target)
            + f"\nwith open({_py(filename)}, 'rb') as handle:\n"
            + "    uploaded = client.files.create(file=handle, purpose='fine-tune')\nprint(uploaded.id)\n"
        )
        extra = ["-F purpose=fine-tune", f"-F {shlex.quote('file=@' + filename)}"]
        return CodeSample(python, _curl(target, "POST", "/files", extra))
    if action == "create_job":
        params = dict(values.get("params") or {})
        python = _python_call(target, "client.fine_tuning.jobs.create", params, "job") + "print(job.id, job.status)\n"
        body = {k: v for k, v in params.items() if k != "extra_body"}
        body.update(params.get("extra_body") or {})
        extra = ['-H "Content-Type: application/json"', f"-d {shlex.quote(json.dumps(body, indent=2))}"]
        return CodeSample(python, _curl(target, "POST", "/fine_tuning/jobs", extra))
    if action == "list_jobs":
        python = (
            _python_client(target)
            + "\nfor job in client.fine_tuning.jobs.list(limit=20):\n    print(job.id, job.status)\n"
        )
        return CodeSample(python, _curl(target, "GET", "/fine_tuning/jobs"))
    if action == "retrieve_job":
        python = _python_call(target, "client.fine_tuning.jobs.retrieve", {"fine_tuning_job_id": job_id}, "job")
        python += "print(job.status, job.fine_tuned_model)\n"
        return CodeSample(python, _curl(target, "GET", f"/fine_tuning/jobs/{job_id}"))
    if action == "list_events":
        python = (
            _python_client(target)
            + f"\nfor event in client.fine_tuning.jobs.list_events({_py(job_id)}, limit=100):\n"
            + "    print(event.created_at, event.level, event.message)\n"
        )
        return CodeSample(python, _curl(target, "GET", f"/fine_tuning/jobs/{job_id}/events"))
    if action == "list_checkpoints":
        python = (
            _python_client(target)
            + f"\nfor checkpoint in client.fine_tuning.jobs.checkpoints.list({_py(job_id)}):\n"
            + "    print(checkpoint.step_number, checkpoint.fine_tuned_model_checkpoint)\n"
        )
        return CodeSample(python, _curl(target, "GET", f"/fine_tuning/jobs/{job_id}/checkpoints"))
    if action in {"cancel_job", "pause_job", "resume_job"}:
        verb = action.removesuffix("_job")
        python = _python_call(target, f"client.fine_tuning.jobs.{verb}", {"fine_tuning_job_id": job_id}, "job")
        python += "print(job.status)\n"
        return CodeSample(python, _curl(target, "POST", f"/fine_tuning/jobs/{job_id}/{verb}"))
    if action == "download_results":
        file_id = str(values.get("file_id", "<file-id>"))
        python = _python_client(target) + f"\ncontent = client.files.content({_py(file_id)})\nprint(content.text)\n"
        return CodeSample(python, _curl(target, "GET", f"/files/{file_id}/content", ["-o results.csv"]))
    raise ValueError(f"no code sample for {action!r}")


# --- Azure deployment ------------------------------------------------------------------------------------

AZURE_DEPLOY_API_VERSION = "2024-10-21"
HOURS_PER_MONTH = 720
# The catalog's deployment types -> the SKU names the ARM API and az CLI take.
AZURE_DEPLOYMENT_SKUS: Mapping[str, str] = {
    "standard": "Standard",
    "global_standard": "GlobalStandard",
    "developer": "developertier",
}
# Azure's trainingType values -> the catalog's training tiers.
AZURE_TRAINING_TIERS: Mapping[str, str] = {
    "Standard": "standard",
    "GlobalStandard": "global",
    "developerTier": "developer",
}


@dataclass(frozen=True, slots=True)
class DeploymentPlan:
    """How to deploy an Azure fine-tuned model, filled in, with what hosting it costs."""

    model: str
    deployment_name: str
    deployment_type: str
    sku: str
    az_command: str
    rest_url: str
    rest_body: str
    rest_curl: str
    hourly_hosting_usd: float
    monthly_hosting_usd: float
    inactivity_deletion_days: int
    removed_after_hours: int | None


def resource_from_endpoint(endpoint: str) -> str:
    """`https://<resource>.openai.azure.com/…` -> `<resource>`; "" when the address has another shape."""
    match = re.match(r"^https?://([A-Za-z0-9-]+)\.(?:openai|cognitiveservices)\.azure\.com", endpoint.strip())
    return match.group(1) if match else ""


def poll_interval_s(provider: ProviderKind) -> float:
    """How often a running job is checked: the sandbox and the lab are free to ask, a real service is not."""
    return {"sandbox": 1.0, "local": 2.0}.get(provider, 10.0)


def deployment_name_for(model: str, suffix: str | None = None) -> str:
    """A valid deployment name (letters, digits, - _ .; ≤64) derived from the suffix or the model id."""
    base = suffix or model.split(".ft-", maxsplit=1)[0] + "-ft"
    name = re.sub(r"[^A-Za-z0-9_.\-]+", "-", base).strip("-.") or "fine-tuned"
    return name[:64]


def azure_deployment_plan(
    model: str,
    *,
    hourly_hosting_usd: float,
    inactivity_deletion_days: int,
    developer_deployment_hours: int,
    deployment_type: str = "standard",
    deployment_name: str = "",
    capacity: int = 1,
    subscription_id: str = "",
    resource_group: str = "",
    resource_name: str = "",
) -> DeploymentPlan:
    """The `az` command and ARM REST call that deploy `model`, and what hosting it costs.

    The figures (hourly fee, inactivity deletion, developer-tier lifetime) come from the catalog; a
    developer-tier deployment has no hourly fee and is removed after `developer_deployment_hours`.
    """
    sku = AZURE_DEPLOYMENT_SKUS.get(deployment_type, "Standard")
    name = deployment_name or deployment_name_for(model)
    subscription = subscription_id or "<subscription-id>"
    group = resource_group or "<resource-group>"
    resource = resource_name or "<resource-name>"
    developer = deployment_type == "developer"
    hourly = 0.0 if developer else hourly_hosting_usd
    az = " \\\n  ".join(
        [
            "az cognitiveservices account deployment create",
            f"--resource-group {shlex.quote(group)}",
            f"--name {shlex.quote(resource)}",
            f"--deployment-name {shlex.quote(name)}",
            f"--model-name {shlex.quote(model)}",
            "--model-version 1",
            "--model-format OpenAI",
            f"--sku-name {shlex.quote(sku)}",
            f"--sku-capacity {int(capacity)}",
        ]
    )
    url = (
        f"https://management.azure.com/subscriptions/{subscription}/resourceGroups/{group}"
        f"/providers/Microsoft.CognitiveServices/accounts/{resource}/deployments/{name}"
        f"?api-version={AZURE_DEPLOY_API_VERSION}"
    )
    body = {
        "sku": {"name": sku, "capacity": int(capacity)},
        "properties": {"model": {"format": "OpenAI", "name": model, "version": "1"}},
    }
    rest_body = json.dumps(body, indent=2)
    curl = " \\\n  ".join(
        [
            f"curl -X PUT {shlex.quote(url)}",
            '-H "Authorization: Bearer $(az account get-access-token --query accessToken -o tsv)"',
            '-H "Content-Type: application/json"',
            f"-d {shlex.quote(rest_body)}",
        ]
    )
    return DeploymentPlan(
        model=model,
        deployment_name=name,
        deployment_type=deployment_type,
        sku=sku,
        az_command=az,
        rest_url=url,
        rest_body=rest_body,
        rest_curl=curl,
        hourly_hosting_usd=hourly,
        monthly_hosting_usd=round(hourly * HOURS_PER_MONTH, 2),
        inactivity_deletion_days=inactivity_deletion_days,
        removed_after_hours=developer_deployment_hours if developer else None,
    )
