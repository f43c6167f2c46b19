"""What one sandbox tenant stores: files, jobs, their events and checkpoints, and fine-tuned models."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from finetune_guide.sandbox import replies
from finetune_guide.sandbox.params import Method
from finetune_guide.sandbox.simulation import Curve, Dialect, Pacing, StepMetrics

ORGANIZATION_ID = "org-sandbox"


@dataclass(slots=True)
class StoredFile:
    id: str
    filename: str
    purpose: str
    data: bytes
    created_at: int

    def to_json(self) -> dict[str, Any]:
        return {
            "object": "file",
            "id": self.id,
            "purpose": self.purpose,
            "filename": self.filename,
            "bytes": len(self.data),
            "created_at": self.created_at,
            "expires_at": None,
            "status": "processed",
            "status_details": None,
        }


@dataclass(slots=True)
class Event:
    id: str
    created_at: int
    level: str
    message: str
    type: str
    data: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "object": "fine_tuning.job.event",
            "id": self.id,
            "created_at": self.created_at,
            "level": self.level,
            "message": self.message,
            "data": self.data,
            "type": self.type,
        }


@dataclass(slots=True)
class Checkpoint:
    id: str
    created_at: int
    job_id: str
    model: str
    metrics: StepMetrics

    def to_json(self) -> dict[str, Any]:
        metrics = {
            "step": self.metrics.step,
            "train_loss": self.metrics.train_loss,
            "train_mean_token_accuracy": self.metrics.train_mean_token_accuracy,
            "valid_loss": self.metrics.valid_loss,
            "valid_mean_token_accuracy": self.metrics.valid_mean_token_accuracy,
            "full_valid_loss": self.metrics.full_valid_loss,
            "full_valid_mean_token_accuracy": self.metrics.full_valid_mean_token_accuracy,
        }
        return {
            "object": "fine_tuning.job.checkpoint",
            "id": self.id,
            "created_at": self.created_at,
            "fine_tuned_model_checkpoint": self.model,
            "fine_tuning_job_id": self.job_id,
            "metrics": {key: value for key, value in metrics.items() if value is not None},
            "step_number": self.metrics.step,
        }


@dataclass(slots=True)
class TunedModel:
    id: str
    created_at: int
    job_id: str
    examples: tuple[replies.Example, ...]

    def to_json(self) -> dict[str, Any]:
        return {"object": "model", "id": self.id, "created": self.created_at, "owned_by": ORGANIZATION_ID}


@dataclass(slots=True)
class Job:
    id: str
    dialect: Dialect
    model: str
    created_at: float
    training_file: str
    validation_file: str | None
    suffix: str
    seed: int
    method: Method
    requested: dict[str, Any]
    metadata: dict[str, str] | None
    training_type: str | None
    pacing: Pacing
    slow_queue: bool
    fail_mid_training: bool
    check_error: dict[str, Any] | None
    examples: tuple[replies.Example, ...]
    n_epochs: int
    batch_size: int
    learning_rate_multiplier: float
    beta: float | None
    steps_per_epoch: int
    total_steps: int
    billed_tokens: int
    curve: Curve
    status: str = "validating_files"
    phase_started_at: float = 0.0
    queue_s: float = 0.0
    progress_at_phase_start: float = 0.0
    emitted_step: int = 0
    finished_at: int | None = None
    fine_tuned_model: str | None = None
    trained_tokens: int | None = None
    error: dict[str, Any] | None = None
    result_files: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    checkpoints: list[Checkpoint] = field(default_factory=list)

    @property
    def step_s(self) -> float:
        return self.pacing.train_s(self.total_steps) / max(1, self.total_steps)

    @property
    def fail_step(self) -> int | None:
        return max(1, self.total_steps // 2) if self.fail_mid_training else None

    def metrics_every(self) -> int:
        # About a hundred metrics events per job, whatever its length, keeps the event log readable.
        return max(1, math.ceil(self.total_steps / 100))
