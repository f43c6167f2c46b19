"""The sandbox's make-believe: pacing, ids, loss curves, results CSV and the catalogue of simulated models."""

from __future__ import annotations

import csv
import io
import math
import random
import secrets
import string
from dataclasses import dataclass
from typing import Literal

Speed = Literal["demo", "fast", "instant"]
SPEEDS: tuple[Speed, ...] = ("demo", "fast", "instant")
Dialect = Literal["openai", "azure"]

Scenario = Literal["normal", "refused_403", "rate_limited_429", "server_error_500", "slow_queue", "fail_mid_training"]
SCENARIOS: tuple[Scenario, ...] = (
    "normal",
    "refused_403",
    "rate_limited_429",
    "server_error_500",
    "slow_queue",
    "fail_mid_training",
)


@dataclass(frozen=True, slots=True)
class Pacing:
    """How long each phase of a simulated job lasts, in seconds of the service's clock."""

    validate_s: float
    queue_s: float
    slow_queue_s: float
    requeue_s: float  # after a resume, the job waits for a machine again
    step_s: float
    min_train_s: float
    max_train_s: float

    def train_s(self, total_steps: int) -> float:
        return min(self.max_train_s, max(self.min_train_s, total_steps * self.step_s))


# "demo" is a show you can watch: a 10-example job (100 steps) takes 4 + 6 + 35 = 45 s.
PACINGS: dict[Speed, Pacing] = {
    "demo": Pacing(validate_s=4, queue_s=6, slow_queue_s=60, requeue_s=3, step_s=0.35, min_train_s=20, max_train_s=45),
    "fast": Pacing(
        validate_s=0.4,
        queue_s=0.4,
        slow_queue_s=8,
        requeue_s=0.3,
        step_s=0.03,
        min_train_s=1.5,
        max_train_s=3,
    ),
    "instant": Pacing(validate_s=0, queue_s=0, slow_queue_s=0, requeue_s=0, step_s=0, min_train_s=0, max_train_s=0),
}


@dataclass(frozen=True, slots=True)
class HostedModel:
    """A model the sandbox pretends to host."""

    id: str
    methods: tuple[str, ...]  # fine-tuning methods it accepts; empty = chat only
    owned_by: str = "system"


BASE_MODELS: tuple[HostedModel, ...] = (
    HostedModel("gpt-4o-mini-2024-07-18", ("supervised", "dpo")),
    HostedModel("gpt-4o-2024-08-06", ("supervised", "dpo")),
    HostedModel("gpt-4.1-2025-04-14", ("supervised", "dpo")),
    HostedModel("gpt-4.1-mini-2025-04-14", ("supervised", "dpo")),
    HostedModel("gpt-4.1-nano-2025-04-14", ("supervised", "dpo")),
    HostedModel("gpt-3.5-turbo-0125", ("supervised",)),
    HostedModel("babbage-002", ("supervised",)),
    HostedModel("davinci-002", ("supervised",)),
    HostedModel("o4-mini-2025-04-16", ("reinforcement",)),
    HostedModel("gpt-4o-mini", ()),
    HostedModel("gpt-4o", ()),
    HostedModel("gpt-4.1", ()),
    HostedModel("gpt-4.1-mini", ()),
    HostedModel("gpt-4.1-nano", ()),
)
# The API accepts a family alias and trains its pinned snapshot.
MODEL_ALIASES: dict[str, str] = {
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4.1": "gpt-4.1-2025-04-14",
    "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14",
    "gpt-3.5-turbo": "gpt-3.5-turbo-0125",
    "o4-mini": "o4-mini-2025-04-16",
}
BASE_MODEL_IDS = frozenset(model.id for model in BASE_MODELS)

# --- ids ---------------------------------------------------------------------------------------------------

_ALNUM = string.ascii_letters + string.digits


def random_alnum(length: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


def new_id(kind: Literal["file", "job", "event", "checkpoint", "request"], dialect: Dialect) -> str:
    """Ids shaped like each service's own: OpenAI uses base62 tails, Azure 32 hex digits."""
    if dialect == "azure":
        tail = secrets.token_hex(16)
        prefix = {
            "file": "file-",
            "job": "ftjob-",
            "event": "ftevent-",
            "checkpoint": "ftchkpt-",
            "request": "",
        }[kind]
        return prefix + tail
    if kind == "file":
        return "file-" + random_alnum(22)
    if kind == "job":
        return "ftjob-" + random_alnum(24)
    if kind == "event":
        return "ftevent-" + random_alnum(24)
    if kind == "checkpoint":
        return "ftckpt_" + random_alnum(24)
    return "req_" + secrets.token_hex(16)


def fine_tuned_model_id(*, base_model: str, job_id: str, suffix: str, dialect: Dialect) -> str:
    """`ft:<base>:sandbox:<suffix>:<id>` on OpenAI, `<base>.ft-<32 hex>` on Azure."""
    root = root_model(base_model)
    if dialect == "azure":
        return f"{root}.ft-{job_id.removeprefix('ftjob-')[-32:]}"
    return f"ft:{root}:sandbox:{suffix}:{job_id.removeprefix('ftjob-')[:8]}"


def root_model(model: str) -> str:
    """The base snapshot under a fine-tuned model (continued fine-tuning keeps the root)."""
    if model.startswith("ft:"):
        return model.split(":")[1]
    if ".ft-" in model:
        return model.split(".ft-", maxsplit=1)[0]
    return MODEL_ALIASES.get(model, model)


# --- hyperparameters ---------------------------------------------------------------------------------------


def auto_batch_size(examples: int) -> int:
    # OpenAI picks roughly 0.2 % of the examples, between 1 and 256.
    return max(1, min(256, round(examples * 0.002)))


def auto_learning_rate_multiplier(batch_size: int) -> float:
    return 1.8 if batch_size <= 4 else 1.0


# --- metrics ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StepMetrics:
    step: int
    train_loss: float
    train_mean_token_accuracy: float
    valid_loss: float | None
    valid_mean_token_accuracy: float | None
    full_valid_loss: float | None = None
    full_valid_mean_token_accuracy: float | None = None


@dataclass(frozen=True, slots=True)
class Curve:
    """The shape of one job's learning curves, drawn once from its seed."""

    seed: int
    start_loss: float
    floor_loss: float
    start_accuracy: float
    end_accuracy: float

    @classmethod
    def for_seed(cls, seed: int) -> Curve:
        rng = random.Random(seed)  # noqa: S311 - simulated noise, not security
        return cls(
            seed=seed,
            start_loss=rng.uniform(1.6, 2.4),
            floor_loss=rng.uniform(0.08, 0.25),
            start_accuracy=rng.uniform(0.42, 0.55),
            end_accuracy=rng.uniform(0.88, 0.96),
        )

    def at(self, step: int, total_steps: int, *, validation: bool, epoch_end: bool = False) -> StepMetrics:
        progress = step / max(1, total_steps)
        # Each step gets its own generator so a step's values never depend on which steps were asked before.
        rng = random.Random(self.seed * 1_000_003 + step)  # noqa: S311 - simulated noise
        decay = math.exp(-4.0 * progress)
        clean_loss = self.floor_loss + (self.start_loss - self.floor_loss) * decay
        clean_accuracy = self.start_accuracy + (self.end_accuracy - self.start_accuracy) * (1 - decay)
        noise = 0.12 * (1 - 0.6 * progress)
        train_loss = max(0.005, clean_loss + rng.gauss(0, noise))
        train_accuracy = _unit(clean_accuracy + rng.gauss(0, 0.03))
        valid_loss = valid_accuracy = full_loss = full_accuracy = None
        if validation:
            # Validation lags training and the gap widens as the model starts to memorise.
            gap = 0.04 + 0.12 * progress
            valid_loss = max(0.005, clean_loss + gap + rng.gauss(0, noise * 1.3))
            valid_accuracy = _unit(clean_accuracy - gap / 3 + rng.gauss(0, 0.04))
            if epoch_end:
                full_loss = clean_loss + gap
                full_accuracy = _unit(clean_accuracy - gap / 3)
        return StepMetrics(
            step=step,
            train_loss=round(train_loss, 5),
            train_mean_token_accuracy=round(train_accuracy, 5),
            valid_loss=_rounded(valid_loss),
            valid_mean_token_accuracy=_rounded(valid_accuracy),
            full_valid_loss=_rounded(full_loss),
            full_valid_mean_token_accuracy=_rounded(full_accuracy),
        )


def _unit(value: float) -> float:
    return min(1.0, max(0.0, value))


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 5)


def metrics_event_data(metrics: StepMetrics, total_steps: int) -> dict[str, float | int]:
    data: dict[str, float | int] = {
        "step": metrics.step,
        "train_loss": metrics.train_loss,
        "train_mean_token_accuracy": metrics.train_mean_token_accuracy,
        "total_steps": total_steps,
    }
    optional = {
        "valid_loss": metrics.valid_loss,
        "valid_mean_token_accuracy": metrics.valid_mean_token_accuracy,
        "full_valid_loss": metrics.full_valid_loss,
        "full_valid_mean_token_accuracy": metrics.full_valid_mean_token_accuracy,
    }
    data.update({key: value for key, value in optional.items() if value is not None})
    return data


def metrics_message(metrics: StepMetrics, total_steps: int) -> str:
    parts = [f"Step {metrics.step}/{total_steps}: training loss={metrics.train_loss:.2f}"]
    if metrics.valid_loss is not None:
        parts.append(f"validation loss={metrics.valid_loss:.2f}")
    if metrics.full_valid_loss is not None:
        parts.append(f"full validation loss={metrics.full_valid_loss:.2f}")
    return ", ".join(parts)


# The two services name the same columns differently; the Jobs page parses both by header.
OPENAI_RESULT_COLUMNS = ("step", "train_loss", "train_accuracy", "valid_loss", "valid_mean_token_accuracy")
AZURE_RESULT_COLUMNS = (
    "step",
    "train_loss",
    "train_mean_token_accuracy",
    "valid_loss",
    "validation_mean_token_accuracy",
    "full_valid_loss",
    "full_valid_mean_token_accuracy",
)


def results_csv(rows: list[StepMetrics], dialect: Dialect) -> bytes:
    """The per-step results file a finished job links in `result_files`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if dialect == "azure":
        writer.writerow(AZURE_RESULT_COLUMNS)
        for row in rows:
            writer.writerow(
                [
                    row.step,
                    row.train_loss,
                    row.train_mean_token_accuracy,
                    _cell(row.valid_loss),
                    _cell(row.valid_mean_token_accuracy),
                    _cell(row.full_valid_loss),
                    _cell(row.full_valid_mean_token_accuracy),
                ]
            )
    else:
        writer.writerow(OPENAI_RESULT_COLUMNS)
        for row in rows:
            writer.writerow(
                [
                    row.step,
                    row.train_loss,
                    row.train_mean_token_accuracy,
                    _cell(row.valid_loss),
                    _cell(row.valid_mean_token_accuracy),
                ]
            )
    return buffer.getvalue().encode("utf-8")


def _cell(value: float | None) -> str:
    return "" if value is None else str(value)
