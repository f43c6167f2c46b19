"""One tenant's state (its stored objects, settings and clock) that every part of the sandbox service shares."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from finetune_guide.sandbox import replies
from finetune_guide.sandbox.checks import FileCheck
from finetune_guide.sandbox.records import Job, StoredFile, TunedModel
from finetune_guide.sandbox.simulation import SCENARIOS, SPEEDS, Scenario, Speed


@dataclass(slots=True)
class TenantState:
    """Everything one tenant holds; callers take `lock` around any read or change."""

    clock: Callable[[], float]
    speed: Speed
    scenario: Scenario
    lock: threading.RLock = field(default_factory=threading.RLock)
    files: dict[str, StoredFile] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    models: dict[str, TunedModel] = field(default_factory=dict)
    checkpoint_models: dict[str, tuple[replies.Example, ...]] = field(default_factory=dict)
    checks: dict[tuple[str, str, str, str], FileCheck] = field(default_factory=dict)  # files never change

    def now(self) -> float:
        return float(self.clock())


def checked_speed(value: str) -> Speed:
    if value not in SPEEDS:
        raise ValueError(f"speed must be one of {', '.join(SPEEDS)}, not {value!r}")
    return value


def checked_scenario(value: str) -> Scenario:
    if value not in SCENARIOS:
        raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}, not {value!r}")
    return value
