"""The models under comparison: fine-tuned, base or checkpoint, each with the price it is billed at."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from finetune_guide.evaluation.prices import UNKNOWN_PRICE, Price
from finetune_guide.jobs import CheckpointView

Role = Literal["fine_tuned", "base", "checkpoint"]


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
