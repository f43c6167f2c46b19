"""evaluation.contenders: which checkpoints are compared."""

from __future__ import annotations

from finetune_guide import evaluation as ev
from finetune_guide.jobs import CheckpointView


def test_last_three_checkpoints_are_the_three_latest_steps_oldest_first() -> None:
    views = [CheckpointView(id=f"c{s}", step=s, model=f"m:ckpt-step-{s}", created_at=s) for s in (30, 10, 40, 20)]
    assert [c.step for c in ev.last_checkpoints(views)] == [20, 30, 40]
