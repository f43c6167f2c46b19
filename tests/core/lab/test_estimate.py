"""How long a local run takes and whether it fits in memory, from the catalog or this machine's own runs.

- time = trained tokens (per epoch × epochs) × the catalog's seconds per 1k tokens, on the device's figure
- a figure the catalog marks as an estimate says so (basis "estimated"); a measured one says "measured"
- a speed measured on this machine wins over the catalog (basis "calibrated"), for catalog and unknown models
- fits is False when the run needs more memory than is free, True when it fits, None when either is unknown
- tiny's figures come from the catalog like any model's; an unknown model has no time and basis "unknown"
- the free memory is read from the system as a positive number of GB (or None)
"""

from __future__ import annotations

import pytest

from finetune_guide.lab.estimate import available_memory_gb, estimate_run
from finetune_guide.lab.models import LabModel, find_model

SMOLLM = "HuggingFaceTB/SmolLM2-135M-Instruct"


def catalog(model_id: str) -> LabModel:
    entry = find_model(model_id)
    assert entry is not None, model_id
    return entry


def test_time_comes_from_the_catalogs_seconds_per_1k_tokens() -> None:
    entry = catalog(SMOLLM)
    assert entry.cpu_seconds_per_1k_tokens and not entry.is_estimate("cpu_seconds_per_1k_tokens")
    found = estimate_run(entry, tokens_per_epoch=2_000, epochs=3, device="cpu", available_memory_gb=64)
    assert found.tokens == 6_000
    assert found.seconds == pytest.approx(6 * entry.cpu_seconds_per_1k_tokens)
    assert (found.peak_memory_gb, found.basis, found.fits) == (entry.ram_gb, "measured", True)


def test_a_gpu_uses_the_gpu_figure() -> None:
    entry = catalog(SMOLLM)
    found = estimate_run(entry, tokens_per_epoch=1_000, epochs=1, device="cuda", available_memory_gb=None)
    if entry.gpu_seconds_per_1k_tokens is None:
        assert (found.seconds, found.basis) == (None, "unknown")
    else:
        assert found.seconds == pytest.approx(entry.gpu_seconds_per_1k_tokens)


def test_a_figure_the_catalog_estimated_is_labelled_estimated() -> None:
    entry = next(
        m
        for m in (catalog(i) for i in ("HuggingFaceTB/SmolLM2-360M-Instruct", "Qwen/Qwen2.5-0.5B-Instruct"))
        if m.is_estimate("cpu_seconds_per_1k_tokens")
    )
    found = estimate_run(entry, tokens_per_epoch=1_000, epochs=1, device="cpu", available_memory_gb=None)
    assert found.basis == "estimated" and found.seconds == pytest.approx(entry.cpu_seconds_per_1k_tokens)


def test_a_speed_measured_here_wins_over_the_catalog() -> None:
    entry = catalog(SMOLLM)
    found = estimate_run(
        entry, tokens_per_epoch=1_000, epochs=2, device="cpu", available_memory_gb=64, measured_tokens_per_s=400
    )
    assert (found.seconds, found.basis) == (pytest.approx(5.0), "calibrated")
    unknown = estimate_run(
        None, tokens_per_epoch=1_000, epochs=1, device="cpu", available_memory_gb=None, measured_tokens_per_s=100
    )
    assert (unknown.seconds, unknown.basis) == (pytest.approx(10.0), "calibrated")


@pytest.mark.parametrize(("free", "fits"), [(0.1, False), (1_000.0, True), (None, None)])
def test_fits_compares_the_peak_with_the_free_memory(free: float | None, fits: bool | None) -> None:
    entry = catalog("Qwen/Qwen2.5-0.5B-Instruct")
    found = estimate_run(entry, tokens_per_epoch=100, epochs=1, device="cpu", available_memory_gb=free)
    assert found.fits is fits
    assert found.available_memory_gb == free


def test_tinys_figures_come_from_the_catalog() -> None:
    entry = catalog("tiny")
    assert entry.cpu_seconds_per_1k_tokens is not None
    found = estimate_run(entry, tokens_per_epoch=10_000, epochs=2, device="cpu", available_memory_gb=8)
    assert found.seconds == pytest.approx(20 * entry.cpu_seconds_per_1k_tokens)
    assert (found.peak_memory_gb, found.fits) == (entry.ram_gb, True)


def test_an_unknown_model_has_no_time_and_basis_unknown() -> None:
    found = estimate_run(None, tokens_per_epoch=1_000, epochs=1, device="cpu", available_memory_gb=8)
    assert (found.seconds, found.peak_memory_gb, found.basis, found.fits) == (None, None, "unknown", None)


def test_negative_or_zero_counts_do_not_go_below_nothing() -> None:
    found = estimate_run(catalog("tiny"), tokens_per_epoch=-5, epochs=0, device="cpu", available_memory_gb=None)
    assert (found.tokens, found.seconds) == (0, 0.0)


def test_the_free_memory_is_read_from_the_system() -> None:
    free = available_memory_gb()
    assert free is None or free > 0
