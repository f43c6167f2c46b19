"""jobs.metrics: loss and accuracy from events and results files, and progress."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st
from openai.types.fine_tuning import FineTuningJobEvent

from finetune_guide import jobs
from tests.support.jobs import sdk_job


def test_progress_is_steps_over_total_while_running_and_one_when_done() -> None:
    points = (jobs.MetricPoint(step=5, total_steps=20), jobs.MetricPoint(step=10, total_steps=20))
    assert jobs.progress_fraction(jobs.job_view(sdk_job()), points) == 0.5
    assert jobs.progress_fraction(jobs.job_view(sdk_job(status="queued")), points) == 0.0
    assert jobs.progress_fraction(jobs.job_view(sdk_job(status="succeeded")), ()) == 1.0
    assert jobs.progress_fraction(jobs.job_view(sdk_job()), ()) == 0.0


def _metrics_event(step: int, loss: float) -> FineTuningJobEvent:
    return FineTuningJobEvent.model_validate(
        {
            "id": f"ev-{step}",
            "created_at": 1_700_000_000 + step,
            "level": "info",
            "message": f"Step {step}/10: training loss={loss}",
            "object": "fine_tuning.job.event",
            "type": "metrics",
            "data": {"step": step, "train_loss": loss, "total_steps": 10, "train_mean_token_accuracy": 0.5},
        }
    )


def test_metrics_come_from_metrics_events_sorted_by_step() -> None:
    message = FineTuningJobEvent.model_validate(
        {
            "id": "m",
            "created_at": 1,
            "level": "info",
            "message": "Job started",
            "object": "fine_tuning.job.event",
        }
    )
    points = jobs.metrics_from_events([_metrics_event(2, 0.8), message, _metrics_event(1, 1.2)])
    assert [(p.step, p.train_loss, p.train_accuracy, p.total_steps) for p in points] == [
        (1, 1.2, 0.5, 10),
        (2, 0.8, 0.5, 10),
    ]


def test_results_csv_with_openai_column_names() -> None:
    text = "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n1,1.5,0.4,1.6,0.38\n2,1.1,0.5,,\n"
    points = jobs.metrics_from_results_csv(text)
    assert points[0] == jobs.MetricPoint(1, train_loss=1.5, valid_loss=1.6, train_accuracy=0.4, valid_accuracy=0.38)
    assert points[1].valid_loss is None


def test_results_csv_with_azure_column_names_and_base64_encoding() -> None:
    text = (
        "step,train_loss,train_mean_token_accuracy,valid_loss,validation_mean_token_accuracy,"
        "full_valid_loss,full_valid_mean_token_accuracy\n3,0.9,0.7,1.0,0.66,1.05,0.65\n"
    )
    points = jobs.metrics_from_results_csv(base64.b64encode(text.encode()))
    assert points == (
        jobs.MetricPoint(
            3,
            train_loss=0.9,
            valid_loss=1.0,
            full_valid_loss=1.05,
            train_accuracy=0.7,
            valid_accuracy=0.66,
            full_valid_accuracy=0.65,
        ),
    )


@given(st.text(max_size=300))
def test_results_parser_never_crashes_on_any_text(text: str) -> None:
    assert isinstance(jobs.metrics_from_results_csv(text), tuple)


def test_merge_fills_gaps_from_a_later_source() -> None:
    merged = jobs.merge_metrics([jobs.MetricPoint(1, train_loss=1.0)], [jobs.MetricPoint(1, valid_loss=2.0)])
    assert merged == (jobs.MetricPoint(1, train_loss=1.0, valid_loss=2.0),)
