"""Shared helpers for the Local lab's service, server and CLI tests: memorisable chats, polling, a free port."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

SYSTEM = "You are the support desk of Parcelly, a parcel delivery company. Answer in one short sentence."
QUESTIONS_AND_ANSWERS = [
    ("My parcel is late.", "Sorry about that: late parcels arrive within two working days."),
    ("How do I change my delivery address?", "Open the tracking page and choose Change address."),
    ("Can I get a refund?", "Yes, refunds are paid within five days of the return scan."),
    ("Where is my invoice?", "Invoices are under Account, then Billing."),
    ("The courier left my parcel outside.", "Please send us a photo and we will open a claim today."),
    ("Do you deliver on Sundays?", "No, we deliver from Monday to Saturday."),
    ("How heavy can a parcel be?", "A parcel can weigh up to thirty kilograms."),
    ("My parcel arrived damaged.", "We are sorry: reply with a photo and we will replace it."),
    ("Do you ship abroad?", "Yes, we ship to every country in Europe."),
    ("What is your phone number?", "Call us on five five five, one two three."),
]
TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
# What the lab is asked to train in these tests: tiny, short examples, one torch thread in the worker.
TINY_HYPERPARAMETERS: dict[str, Any] = {"n_epochs": 2, "batch_size": 4, "learning_rate": 1e-2, "max_seq_length": 128}


def chat_rows(count: int = 10) -> list[dict[str, Any]]:
    """Distinct support Q/A chats (10 = the hosted minimum), short enough for max_seq_length 64-128."""
    return [
        {
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": question},
                {"role": "assistant", "content": answer},
            ]
        }
        for question, answer in QUESTIONS_AND_ANSWERS[:count]
    ]


def jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode("utf-8")


def question(index: int = 0) -> list[dict[str, str]]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTIONS_AND_ANSWERS[index][0]}]


def supervised(**hyperparameters: Any) -> dict[str, Any]:
    """A `method` for fine_tuning.jobs.create: SFT with the tiny defaults above, overridden by keyword."""
    return {"type": "supervised", "supervised": {"hyperparameters": {**TINY_HYPERPARAMETERS, **hyperparameters}}}


def wait_for(condition: Callable[[], T], *, timeout: float, interval: float = 0.2, what: str = "a condition") -> T:
    """Poll until `condition()` is truthy and return it; fail the test when `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def wait_for_job(client: Any, job_id: str, *, timeout: float = 180, statuses: frozenset[str] = TERMINAL) -> Any:
    """Poll `client.fine_tuning.jobs.retrieve` until the job reaches one of `statuses`; the job."""
    return wait_for(
        lambda: (job := client.fine_tuning.jobs.retrieve(job_id)).status in statuses and job,
        timeout=timeout,
        interval=0.25,
        what=f"job {job_id} to reach {sorted(statuses)}",
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
