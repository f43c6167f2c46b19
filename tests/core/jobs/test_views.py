"""jobs.views: job, event and checkpoint views read from SDK objects."""

from __future__ import annotations

from openai.types.fine_tuning.jobs import FineTuningJobCheckpoint

from finetune_guide import jobs
from tests.support.jobs import sdk_job


def test_job_view_reads_an_sdk_job_with_method_hyperparameters() -> None:
    job = sdk_job(
        method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.2, "n_epochs": 2}}},
        user_provided_suffix="support",
        metadata={jobs.REQUEST_TAG: "r1"},
    )
    view = jobs.job_view(job)
    assert (view.id, view.status, view.method, view.n_epochs, view.beta) == (
        "ftjob-abc",
        "running",
        "dpo",
        2,
        0.2,
    )
    assert view.suffix == "support"
    assert dict(view.metadata) == {jobs.REQUEST_TAG: "r1"}
    assert not view.terminal


def test_job_view_keeps_an_unknown_status_such_as_paused() -> None:
    # The SDK parses responses leniently (construct), so a status outside its Literal arrives as is.
    view = jobs.job_view(sdk_job().model_copy(update={"status": "paused"}))
    assert view.status == "paused"
    assert [s.state for s in jobs.status_timeline("paused")] == ["done", "done", "paused", "pending"]


def test_job_view_carries_the_error_of_a_failed_job() -> None:
    job = sdk_job(
        status="failed",
        error={"code": "invalid_training_file", "message": "Line 3 bad", "param": "training_file"},
    )
    view = jobs.job_view(job)
    assert view.error == jobs.JobError("invalid_training_file", "Line 3 bad", "training_file")
    assert view.terminal


def test_checkpoints_are_read_with_their_metrics_by_step() -> None:
    checkpoint = FineTuningJobCheckpoint.model_validate(
        {
            "id": "ftckpt_1",
            "created_at": 1,
            "fine_tuned_model_checkpoint": "ft:gpt-4.1-mini:org::abc:ckpt-step-10",
            "fine_tuning_job_id": "ftjob-abc",
            "metrics": {"step": 10, "train_loss": 0.5, "valid_loss": 0.6},
            "object": "fine_tuning.job.checkpoint",
            "step_number": 10,
        }
    )
    (view,) = jobs.checkpoint_views([checkpoint])
    assert (view.step, view.train_loss, view.valid_loss) == (10, 0.5, 0.6)


def test_fine_tuned_model_ids_of_both_providers_are_recognised() -> None:
    assert jobs.is_fine_tuned_model("ft:gpt-4o-mini-2024-07-18:org:x:abc")
    assert jobs.is_fine_tuned_model("gpt-4.1-2025-04-14.ft-0123abcd")
    assert not jobs.is_fine_tuned_model("gpt-4.1-2025-04-14")
