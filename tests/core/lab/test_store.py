"""The lab's SQLite store: files and jobs that outlive the process, and transactions that never half-write.

- files and jobs (request, error, flags, timestamps) read back the same from a new LabStore on the same file
- each owner sees only their own records; jobs filter by status and come oldest first
- a write that raises inside a transaction leaves nothing behind, and the store keeps working
- a duplicate id or an unknown column is refused without changing what was stored
- write_atomically replaces a file whole and leaves no temporary file
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from finetune_guide.lab.store import FileRecord, JobRecord, LabStore, write_atomically

REQUEST = {"model": "tiny", "settings": {"n_epochs": 2}, "seed": 7, "metadata": None}


def a_file(file_id: str = "file-1", owner: str = "alice") -> FileRecord:
    return FileRecord(file_id, owner, "train.jsonl", "fine-tune", 123, 1_800_000_000, f"/lab/files/{file_id}")


def a_job(job_id: str = "ftjob-1", owner: str = "alice", created_at: int = 1_800_000_000) -> JobRecord:
    return JobRecord(job_id, owner, created_at, REQUEST, "queued")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "lab" / "lab.sqlite"


def test_records_survive_a_new_store_on_the_same_file(path: Path) -> None:
    store = LabStore(path)
    store.add_file(a_file())
    store.add_job(a_job())
    error = {"code": "worker_crashed", "message": "stopped", "param": None}
    store.update_job("ftjob-1", status="failed", started_at=5, finished_at=9, pid=4321, error=error, cancel_requested=1)
    store.close()

    again = LabStore(path)
    try:
        assert again.files("alice") == [a_file()]
        assert again.file("alice", "file-1") == a_file()
        job = again.job("ftjob-1")
        assert job == JobRecord(
            "ftjob-1", "alice", 1_800_000_000, REQUEST, "failed", started_at=5, finished_at=9, pid=4321,
            error=error, cancel_requested=True,
        )  # fmt: skip
    finally:
        again.close()


def test_each_owner_sees_only_their_own_records(path: Path) -> None:
    store = LabStore(path)
    store.add_file(a_file("file-a", "alice"))
    store.add_file(a_file("file-b", "bob"))
    store.add_job(a_job("ftjob-a", "alice"))
    store.add_job(a_job("ftjob-b", "bob"))
    assert [f.id for f in store.files("alice")] == ["file-a"]
    assert store.file("bob", "file-a") is None
    assert store.job("ftjob-a", "bob") is None and store.job("ftjob-a", "alice") is not None
    assert [j.id for j in store.jobs("bob")] == ["ftjob-b"]
    assert [j.id for j in store.jobs()] == ["ftjob-a", "ftjob-b"]
    store.delete_file("bob", "file-a")  # not bob's: nothing happens
    assert store.file("alice", "file-a") is not None
    store.close()


def test_jobs_filter_by_status_and_come_oldest_first(path: Path) -> None:
    store = LabStore(path)
    store.add_job(a_job("ftjob-late", created_at=20))
    store.add_job(a_job("ftjob-early", created_at=10))
    store.add_job(a_job("ftjob-done", created_at=15))
    store.update_job("ftjob-done", status="succeeded")
    assert [j.id for j in store.jobs()] == ["ftjob-early", "ftjob-done", "ftjob-late"]
    assert [j.id for j in store.jobs(statuses=("queued",))] == ["ftjob-early", "ftjob-late"]
    assert [j.id for j in store.jobs("alice", statuses=("succeeded", "running"))] == ["ftjob-done"]
    store.close()


def test_a_write_that_raises_inside_a_transaction_leaves_nothing_behind(path: Path) -> None:
    store = LabStore(path)
    with pytest.raises(RuntimeError, match="half way"), store._transaction() as db:
        db.execute("INSERT INTO files VALUES ('file-x', 'alice', 'x.jsonl', 'fine-tune', 1, 1, '/x')")
        db.execute(
            "INSERT INTO jobs (id, owner, created_at, request, status) VALUES ('ftjob-x', 'alice', 1, '{}', 'q')"
        )
        raise RuntimeError("half way")
    assert store.files("alice") == [] and store.jobs() == []
    store.add_file(a_file())  # the lock and the connection are free again
    store.close()
    again = LabStore(path)
    assert [f.id for f in again.files("alice")] == ["file-1"] and again.jobs() == []
    again.close()


def test_a_duplicate_id_or_an_unknown_column_changes_nothing(path: Path) -> None:
    store = LabStore(path)
    store.add_job(a_job())
    with pytest.raises(sqlite3.IntegrityError):
        store.add_job(JobRecord("ftjob-1", "mallory", 1, {}, "running"))
    with pytest.raises(sqlite3.OperationalError):
        store.update_job("ftjob-1", status="running", no_such_column=1)
    assert store.job("ftjob-1") == a_job()
    store.update_job("ftjob-1")  # no changes: nothing to write
    assert store.job("ftjob-1") == a_job()
    store.close()


def test_write_atomically_replaces_a_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "file.bin"
    write_atomically(target, b"old")
    write_atomically(target, b"new content")
    assert target.read_bytes() == b"new content"
    assert [p.name for p in target.parent.iterdir()] == ["file.bin"]
