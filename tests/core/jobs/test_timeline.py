"""jobs.timeline: the four steps of a job and where it stands."""

from __future__ import annotations

from finetune_guide import jobs


def test_timeline_marks_steps_done_up_to_the_current_one() -> None:
    assert [s.state for s in jobs.status_timeline("queued")] == ["done", "current", "pending", "pending"]
    assert [s.state for s in jobs.status_timeline("succeeded")] == ["done"] * 4


def test_timeline_of_a_failed_job_ends_in_failure_and_says_whether_training_ran() -> None:
    early = jobs.status_timeline("failed")
    assert [s.state for s in early] == ["done", "skipped", "skipped", "failed"]
    late = jobs.status_timeline("cancelled", reached_running=True)
    assert [(s.status, s.state) for s in late][-2:] == [("running", "done"), ("cancelled", "cancelled")]
