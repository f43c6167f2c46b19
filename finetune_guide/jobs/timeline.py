"""Where a job stands: terminal statuses, the four-step timeline, and how often to look again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from finetune_guide.providers import ProviderKind

TERMINAL_STATUSES = frozenset({"succeeded", "failed", "cancelled"})

# The happy path a job walks; "paused" and the two unhappy endings are drawn on top of it.
TIMELINE_STATUSES: tuple[str, ...] = ("validating_files", "queued", "running", "succeeded")

StepState = Literal["done", "current", "pending", "failed", "cancelled", "paused", "skipped"]


def is_terminal(status: str) -> bool:
    return status in TERMINAL_STATUSES


@dataclass(frozen=True, slots=True)
class TimelineStep:
    status: str
    state: StepState


def status_timeline(status: str, *, reached_running: bool = False) -> tuple[TimelineStep, ...]:
    """The four steps of a job with where it stands; a failed or cancelled job ends in that step instead.

    A job that failed or was cancelled does not say where it stopped, so `reached_running` (metrics were seen)
    decides whether training was reached.
    """
    if status in {"failed", "cancelled"}:
        ending: StepState = "failed" if status == "failed" else "cancelled"
        reached = ("validating_files", "queued", "running") if reached_running else ("validating_files",)
        steps = [TimelineStep(s, "done" if s in reached else "skipped") for s in TIMELINE_STATUSES[:3]]
        return (*steps, TimelineStep(status, ending))
    current = "running" if status == "paused" else status
    if current not in TIMELINE_STATUSES:
        return tuple(TimelineStep(s, "pending") for s in TIMELINE_STATUSES)
    position = TIMELINE_STATUSES.index(current)
    steps = []
    for index, step in enumerate(TIMELINE_STATUSES):
        if index < position or (index == position and current == "succeeded"):
            steps.append(TimelineStep(step, "done"))
        elif index == position:
            steps.append(TimelineStep(step, "paused" if status == "paused" else "current"))
        else:
            steps.append(TimelineStep(step, "pending"))
    return tuple(steps)


def poll_interval_s(provider: ProviderKind) -> float:
    """How often a running job is checked: the sandbox and the lab are free to ask, a real service is not."""
    return {"sandbox": 1.0, "local": 2.0}.get(provider, 10.0)
