"""Training and chat run in processes of their own: starting them, the one-training-per-machine lock, and stopping."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

WORKER_MODULE = "finetune_guide.lab.worker"
LOCK_FILE = "trainer.lock"
CHAT_TIMEOUT_S = 600.0  # the first request loads a model (SmolLM2 from its GGUF file: ~20 s on 2 cores)


def default_threads() -> int:
    """One thread per core but one: the app, the browser and the chat worker keep a core.

    Measured here on 2 cores: with both cores given to training and the machine busy, a run was about 25x slower
    than with one thread (FACTS §0.1 item 8 saw 12-20x).
    """
    return max(1, (os.cpu_count() or 1) - 1)


def worker_environment(threads: int) -> dict[str, str]:
    """The worker's environment: one BLAS thread pool sized once, and no telemetry calls home."""
    env = dict(os.environ)
    count = str(threads or default_threads())
    env.setdefault("OMP_NUM_THREADS", count)
    env.setdefault("MKL_NUM_THREADS", count)
    env["HF_HUB_DISABLE_TELEMETRY"] = "1"
    env["TOKENIZERS_PARALLELISM"] = "false"
    env["PYTHONUNBUFFERED"] = "1"
    return env


class MachineLock:
    """An exclusive lock on the lab folder, held while a training runs: one training per machine at a time.

    The lock is an flock on a file, so it also holds between two app servers or `lab serve` processes sharing
    the folder, and the operating system releases it if the holder dies.
    """

    def __init__(self, home: Path) -> None:
        self._path = home / LOCK_FILE
        self._handle: IO[bytes] | None = None

    def acquire(self) -> bool:
        if self._handle is not None:
            return True
        handle = self._path.open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def start_training(run_dir: Path, *, threads: int, command: Sequence[str] | None = None) -> subprocess.Popen[bytes]:
    """Start `python -m finetune_guide.lab.worker train RUN_DIR` in its own session, logging to worker.log."""
    argv = [*(command or (sys.executable, "-m", WORKER_MODULE)), "train", str(run_dir)]
    log = (run_dir / "worker.log").open("ab")
    try:
        # A session of its own: a Ctrl-C meant for the app does not reach it, and "stop now" can end the whole
        # process group (tokenizer and data-loader helpers included).
        return subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=worker_environment(threads),
            start_new_session=True,
        )
    finally:
        log.close()


def stop_now(pid: int) -> None:
    """End a training process group at once (SIGKILL); nothing is saved after the last checkpoint."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def exit_description(returncode: int | None) -> str:
    """Why a process ended, in words a learner can act on."""
    if returncode is not None and returncode < 0:
        number = -returncode
        name = signal.Signals(number).name if number in signal.Signals._value2member_map_ else str(number)
        if number == signal.SIGKILL:
            return (
                f"The training process was stopped by the system ({name}). On a small machine this usually means "
                "it ran out of memory: choose a smaller model, a smaller batch size or a shorter max length."
            )
        return f"The training process was stopped by a signal ({name})."
    return (
        f"The training process ended unexpectedly (exit code {returncode}) before it reported a result; "
        "its log is worker.log in the run folder."
    )


class ChatWorker:
    """One long-lived `worker chat` process that keeps up to two models loaded; requests go one at a time."""

    def __init__(self, *, threads: int, command: Sequence[str] | None = None) -> None:
        self._threads = threads
        self._command = tuple(command or (sys.executable, "-m", WORKER_MODULE))
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self._counter = 0

    def ask(self, request: Mapping[str, Any], *, timeout_s: float = CHAT_TIMEOUT_S) -> dict[str, Any]:
        """Send one request and wait for its answer; a dead or stuck worker is restarted for the next one."""
        with self._lock:
            process = self._running()
            self._counter += 1
            message = {**request, "id": self._counter}
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(json.dumps(message) + "\n")
                process.stdin.flush()
            except (BrokenPipeError, OSError):
                self._discard()
                return _worker_error("The chat process stopped; try again.")
            answer = _read_answer(process, self._counter, timeout_s)
            if answer is None:
                self._discard()
                return _worker_error("The chat process stopped or did not answer in time; try again.")
            return answer

    def close(self) -> None:
        with self._lock:
            self._discard()

    def _running(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
                [*self._command, "chat"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                env=worker_environment(self._threads),
                start_new_session=True,
            )
        return self._process

    def _discard(self) -> None:
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait(timeout=10)
            self._process = None


def _read_answer(process: subprocess.Popen[str], wanted: int, timeout_s: float) -> dict[str, Any] | None:
    found: list[dict[str, Any]] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            try:
                answer = json.loads(line)
            except ValueError:
                continue
            if isinstance(answer, dict) and answer.get("id") == wanted:
                found.append(answer)
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout_s)
    return found[0] if found else None


def _worker_error(message: str) -> dict[str, Any]:
    return {"error": {"code": "worker_unavailable", "message": message}}
