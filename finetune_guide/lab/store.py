"""The lab's records on disk: files and jobs in SQLite, so a reload, a second tab or a restart finds them again."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, filename TEXT NOT NULL, purpose TEXT NOT NULL,
    bytes INTEGER NOT NULL, created_at INTEGER NOT NULL, path TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, created_at INTEGER NOT NULL, request TEXT NOT NULL,
    status TEXT NOT NULL, started_at INTEGER, finished_at INTEGER, pid INTEGER, fine_tuned_model TEXT,
    trained_tokens INTEGER, error TEXT, result_file TEXT, cancel_requested INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_by_owner ON jobs (owner, created_at);
CREATE TABLE IF NOT EXISTS speeds (
    model TEXT NOT NULL, device TEXT NOT NULL, tokens_per_s REAL NOT NULL, peak_memory_gb REAL,
    measured_at INTEGER NOT NULL, PRIMARY KEY (model, device)
);
CREATE INDEX IF NOT EXISTS files_by_owner ON files (owner, created_at);
"""


@dataclass(frozen=True, slots=True)
class FileRecord:
    id: str
    owner: str
    filename: str
    purpose: str
    bytes: int
    created_at: int
    path: str


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A job as stored; `request` holds the resolved model, method, hyperparameters, files, suffix and seed."""

    id: str
    owner: str
    created_at: int
    request: dict[str, Any]
    status: str
    started_at: int | None = None
    finished_at: int | None = None
    pid: int | None = None
    fine_tuned_model: str | None = None
    trained_tokens: int | None = None
    error: dict[str, Any] | None = None
    result_file: str | None = None
    cancel_requested: bool = False


@dataclass(frozen=True, slots=True)
class MeasuredSpeed:
    """How fast a model trained on this machine, and the memory the worker peaked at (a probe or a real run)."""

    model: str
    device: str
    tokens_per_s: float
    peak_memory_gb: float | None
    measured_at: int


class LabStore:
    """One SQLite file per lab folder; every write is one transaction, so a crash never leaves half a record."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # One connection shared by this process's threads (guarded by the lock); other processes open their own.
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        # WAL lets the app and a `lab serve` read while the other writes; neither statement may run inside a
        # transaction (executescript commits on its own, and the schema is idempotent).
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SCHEMA)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- files -----------------------------------------------------------------------------------------------

    def add_file(self, record: FileRecord) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.owner,
                    record.filename,
                    record.purpose,
                    record.bytes,
                    record.created_at,
                    record.path,
                ),
            )

    def file(self, owner: str, file_id: str) -> FileRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM files WHERE owner = ? AND id = ?", (owner, file_id)).fetchone()
        return FileRecord(**dict(row)) if row else None

    def files(self, owner: str) -> list[FileRecord]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM files WHERE owner = ? ORDER BY created_at, rowid", (owner,))
            return [FileRecord(**dict(row)) for row in rows.fetchall()]

    def delete_file(self, owner: str, file_id: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM files WHERE owner = ? AND id = ?", (owner, file_id))

    # -- jobs ------------------------------------------------------------------------------------------------

    def add_job(self, record: JobRecord) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO jobs (id, owner, created_at, request, status) VALUES (?, ?, ?, ?, ?)",
                (record.id, record.owner, record.created_at, json.dumps(record.request), record.status),
            )

    def update_job(self, job_id: str, **changes: Any) -> None:
        """Set columns of one job; dict values are stored as JSON."""
        if not changes:
            return
        columns = ", ".join(f"{name} = ?" for name in changes)
        values = [json.dumps(v) if isinstance(v, dict) else v for v in changes.values()]
        with self._transaction() as db:
            db.execute(f"UPDATE jobs SET {columns} WHERE id = ?", (*values, job_id))  # noqa: S608 - names are ours

    def job(self, job_id: str, owner: str | None = None) -> JobRecord | None:
        with self._lock:
            if owner is None:
                row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            else:
                row = self._db.execute("SELECT * FROM jobs WHERE id = ? AND owner = ?", (job_id, owner)).fetchone()
        return _job(row) if row else None

    def jobs(self, owner: str | None = None, *, statuses: tuple[str, ...] = ()) -> list[JobRecord]:
        """Jobs oldest first, of one owner or of everyone, optionally only in some statuses."""
        query, args = "SELECT * FROM jobs", []
        clauses = []
        if owner is not None:
            clauses.append("owner = ?")
            args.append(owner)
        if statuses:
            clauses.append(f"status IN ({', '.join('?' for _ in statuses)})")
            args.extend(statuses)
        if clauses:
            query += " WHERE " + " AND ".join(clauses)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY created_at, rowid", args).fetchall()
        return [_job(row) for row in rows]

    # -- measured speeds ---------------------------------------------------------------------------------------

    def record_speed(self, speed: MeasuredSpeed) -> None:
        """Keep the newest measurement of a model on a device: the next estimate is calibrated by it."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO speeds VALUES (?, ?, ?, ?, ?)",
                (speed.model, speed.device, speed.tokens_per_s, speed.peak_memory_gb, speed.measured_at),
            )

    def speed(self, model: str, device: str = "cpu") -> MeasuredSpeed | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM speeds WHERE model = ? AND device = ?", (model, device)).fetchone()
        return MeasuredSpeed(**dict(row)) if row else None


def _job(row: sqlite3.Row) -> JobRecord:
    values = dict(row)
    values["request"] = json.loads(values["request"])
    values["error"] = json.loads(values["error"]) if values["error"] else None
    values["cancel_requested"] = bool(values["cancel_requested"])
    return JobRecord(**values)


def write_atomically(path: Path, data: bytes) -> None:
    """Write a file so that a crash leaves either the old content or the new, never a torn one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
