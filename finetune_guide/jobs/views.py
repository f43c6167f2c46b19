"""What the jobs page shows about a job, its events and its checkpoints, read from SDK objects."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from finetune_guide.jobs.fields import float_or_none, int_or_none, read_field, setting_value
from finetune_guide.jobs.timeline import is_terminal


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
    method_obj = read_field(job, "method")
    method = str(read_field(method_obj, "type") or "supervised") if method_obj is not None else "supervised"
    hyper = read_field(read_field(method_obj, method), "hyperparameters") if method_obj is not None else None
    if hyper is None:
        hyper = read_field(job, "hyperparameters")
    error_obj = read_field(job, "error")
    error = None
    if error_obj is not None and (read_field(error_obj, "code") or read_field(error_obj, "message")):
        error = JobError(
            code=str(read_field(error_obj, "code") or ""),
            message=str(read_field(error_obj, "message") or ""),
            param=read_field(error_obj, "param"),
        )
    metadata = read_field(job, "metadata") or {}
    # Fields outside the SDK model (Azure's trainingType, user_provided_suffix) land in model_extra.
    extra = getattr(job, "model_extra", None) or {}
    suffix = read_field(job, "user_provided_suffix") or extra.get("user_provided_suffix")
    training_type = read_field(job, "trainingType") or extra.get("trainingType")
    return JobView(
        id=str(read_field(job, "id") or ""),
        status=str(read_field(job, "status") or "unknown"),
        model=str(read_field(job, "model") or ""),
        created_at=int_or_none(read_field(job, "created_at")) or 0,
        fine_tuned_model=read_field(job, "fine_tuned_model"),
        finished_at=int_or_none(read_field(job, "finished_at")),
        estimated_finish=int_or_none(read_field(job, "estimated_finish")),
        trained_tokens=int_or_none(read_field(job, "trained_tokens")),
        training_file=str(read_field(job, "training_file") or ""),
        validation_file=read_field(job, "validation_file"),
        result_files=tuple(str(f) for f in (read_field(job, "result_files") or ())),
        method=method,
        n_epochs=setting_value(read_field(hyper, "n_epochs")),
        batch_size=setting_value(read_field(hyper, "batch_size")),
        learning_rate_multiplier=setting_value(read_field(hyper, "learning_rate_multiplier")),
        beta=setting_value(read_field(hyper, "beta")),
        seed=int_or_none(read_field(job, "seed")),
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
            id=str(read_field(e, "id") or ""),
            created_at=int_or_none(read_field(e, "created_at")) or 0,
            level=str(read_field(e, "level") or "info"),
            message=str(read_field(e, "message") or ""),
            type=str(read_field(e, "type") or "message"),
        )
        for e in events
    ]
    return tuple(sorted(views, key=lambda v: (v.created_at, v.id)))


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
        metrics = read_field(ckpt, "metrics") or {}
        views.append(
            CheckpointView(
                id=str(read_field(ckpt, "id") or ""),
                step=int_or_none(read_field(ckpt, "step_number")) or 0,
                model=str(read_field(ckpt, "fine_tuned_model_checkpoint") or ""),
                created_at=int_or_none(read_field(ckpt, "created_at")) or 0,
                train_loss=float_or_none(read_field(metrics, "train_loss")),
                valid_loss=float_or_none(read_field(metrics, "valid_loss")),
                full_valid_loss=float_or_none(read_field(metrics, "full_valid_loss")),
                train_accuracy=float_or_none(read_field(metrics, "train_mean_token_accuracy")),
                valid_accuracy=float_or_none(read_field(metrics, "valid_mean_token_accuracy")),
            )
        )
    return tuple(sorted(views, key=lambda v: v.step))


def is_fine_tuned_model(model_id: str) -> bool:
    """OpenAI names fine-tuned models `ft:…`; Azure `<base>.ft-<hex>`."""
    return model_id.startswith("ft:") or ".ft-" in model_id
