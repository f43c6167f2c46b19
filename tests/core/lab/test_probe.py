"""The few-step probe that calibrates a run's estimate on this machine:
- a real probe of tiny records tokens per second and peak memory in the store, and leaves no run folder behind;
- the estimate then uses both (basis "calibrated"), and a run that would not fit is seen as such;
- the speed is timed between the first and the last step, so the first step's warm-up does not count;
- a failed probe, or one that ended before a step, says why instead of guessing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from finetune_guide.lab import estimate, models, paths, probe
from finetune_guide.lab.spec import TrainingSpec
from finetune_guide.lab.store import LabStore
from tests.support import chat_rows, jsonl


@pytest.mark.lab
def test_a_probe_of_tiny_records_speed_and_memory_and_cleans_up(tmp_path: Path) -> None:
    home = tmp_path / "lab"
    store = LabStore(home / "lab.sqlite")
    spec = TrainingSpec(model="tiny", training_file="", output_dir="", batch_size=2, max_seq_length=64, threads=1)
    measured = probe.measure(store, spec, data=jsonl(chat_rows()), home=home)
    assert measured.model == "tiny" and measured.device == "cpu"
    assert measured.tokens_per_s > 0
    assert measured.peak_memory_gb is not None and 0.05 < measured.peak_memory_gb < 8
    assert store.speed("tiny") == measured
    assert list(paths.runs_dir(home).iterdir()) == []
    found = estimate.estimate_run(
        models.find_model("tiny"),
        tokens_per_epoch=1000,
        epochs=2,
        device="cpu",
        available_memory_gb=measured.peak_memory_gb / 2,
        measured_tokens_per_s=measured.tokens_per_s,
        measured_peak_memory_gb=measured.peak_memory_gb,
    )
    assert found.basis == "calibrated"
    assert found.seconds == pytest.approx(2000 / measured.tokens_per_s)
    assert found.peak_memory_gb == measured.peak_memory_gb and found.fits is False


def test_the_probe_speed_leaves_out_the_first_steps_warm_up() -> None:
    lines = [
        {"kind": "started", "device": "cpu"},
        {"kind": "step", "step": 1, "tokens": 100, "elapsed_s": 5.0, "peak_rss_mb": 900.0},
        {"kind": "step", "step": 2, "tokens": 200, "elapsed_s": 6.0, "peak_rss_mb": 1100.0},
        {"kind": "step", "step": 4, "tokens": 400, "elapsed_s": 8.0, "peak_rss_mb": 1024.0},
    ]
    measured = probe.speed_from(lines, model="m")
    assert measured.tokens_per_s == 100.0  # 300 tokens in 3 s, not 400 in 8 s
    assert measured.peak_memory_gb == round(1100 / 1024, 2)


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        ([{"kind": "failed", "code": "out_of_memory", "message": "Out of memory: use a smaller batch."}], "smaller"),
        ([{"kind": "loading"}, {"kind": "started"}], "before its first training step"),
        ([{"kind": "step", "tokens": 0, "elapsed_s": 0}], "no tokens"),
    ],
)
def test_a_probe_that_measured_nothing_says_why(lines: list[dict[str, object]], reason: str) -> None:
    with pytest.raises(probe.ProbeError, match=reason):
        probe.speed_from(lines, model="m")
