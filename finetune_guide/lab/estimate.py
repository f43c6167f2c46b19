"""How long a local run will take and how much memory it needs, from the catalog or this machine's own runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from finetune_guide.lab.models import LabModel

Basis = Literal["calibrated", "measured", "estimated", "unknown"]
GIB = 1024**3


@dataclass(frozen=True, slots=True)
class RunEstimate:
    """`seconds` and `peak_memory_gb` are None when nothing is known about the model on this kind of device."""

    tokens: int
    seconds: float | None
    peak_memory_gb: float | None
    available_memory_gb: float | None
    basis: Basis

    @property
    def fits(self) -> bool | None:
        """False when the run would need more memory than the machine has free; None when unknown."""
        if self.peak_memory_gb is None or self.available_memory_gb is None:
            return None
        return self.peak_memory_gb <= self.available_memory_gb


def estimate_run(
    entry: LabModel | None,
    *,
    tokens_per_epoch: int,
    epochs: int,
    device: str,
    available_memory_gb: float | None,
    measured_tokens_per_s: float | None = None,
    measured_peak_memory_gb: float | None = None,
) -> RunEstimate:
    """Time = trained tokens × seconds per token; a speed measured on this machine beats the catalog's."""
    tokens = max(0, tokens_per_epoch) * max(1, epochs)
    gpu = device in {"cuda", "mps"}
    per_1k: float | None
    memory: float | None
    basis: Basis
    if entry is not None:
        per_1k = entry.gpu_seconds_per_1k_tokens if gpu else entry.cpu_seconds_per_1k_tokens
        memory = entry.ram_gb
        figure = "gpu_seconds_per_1k_tokens" if gpu else "cpu_seconds_per_1k_tokens"
        basis = "estimated" if entry.is_estimate(figure) else "measured"
    else:
        per_1k, memory, basis = None, None, "unknown"
    if measured_tokens_per_s:
        per_1k, basis = 1000 / measured_tokens_per_s, "calibrated"
    if measured_peak_memory_gb:
        # A probe's peak holds for the whole run: LoRA's memory does not grow with the number of steps.
        memory = measured_peak_memory_gb
    seconds = tokens / 1000 * per_1k if per_1k is not None else None
    return RunEstimate(tokens, seconds, memory, available_memory_gb, basis if per_1k is not None else "unknown")


def available_memory_gb() -> float | None:
    """Memory free for a new process now (psutil's `available`), or None where it cannot be read."""
    try:
        import psutil  # noqa: PLC0415 - psutil comes with accelerate; a light install may lack it

        return float(psutil.virtual_memory().available) / GIB
    except (ImportError, OSError):
        return None
