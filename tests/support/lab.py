"""A `finetune-guide lab serve` on loopback in a thread, for the tests that talk to the lab over HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from finetune_guide.lab.server import server
from finetune_guide.lab.service import LabService
from tests.support import free_port, wait_for


@dataclass(frozen=True)
class Served:
    lab: LabService
    url: str  # ends in /v1
    port: int


@contextmanager
def served_lab(folder: Path) -> Iterator[Served]:
    """The lab server with a lab folder of its own; on exit, running jobs are stopped and the thread has ended."""
    lab = LabService(folder, threads=1)
    port = free_port()
    running: uvicorn.Server = server(lab, "127.0.0.1", port)
    thread = threading.Thread(target=running.run, name="lab-server", daemon=True)
    thread.start()
    wait_for(lambda: running.started, timeout=30, what="the lab server to start")
    try:
        yield Served(lab, f"http://127.0.0.1:{port}/v1", port)
    finally:
        running.should_exit = True
        thread.join(timeout=15)
        for job in lab.store.jobs(statuses=("running",)):
            lab.stop_now(job)
        lab.close()
    assert not thread.is_alive()
