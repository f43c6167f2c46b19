"""Bad input for `finetune-guide check`: each case as a whole process, with its exit code, time and peak memory.

Run with `python -m bench.check_bad_input`. The files are written once under bench/.data/bad/ (git-ignored):
an empty file, binary data, a 200 MB file, a 50 MB single line (with and without spaces), deep nesting,
invalid UTF-8 in the middle, NaN and Infinity, duplicate keys and huge numbers. The table shows that every
case ends with a clear result (exit 1 with findings, or 2 with one line on stderr), never a traceback, and
that memory follows the largest line, not the file. Reported, never asserted.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.check_speed import DATA_DIR, ROOT, generate

BAD_DIR = DATA_DIR / "bad"
GOOD = {
    "messages": [{"role": "user", "content": "Where is my parcel?"}, {"role": "assistant", "content": "On its way."}]
}


def _lines_with(middle: bytes, count: int = 20) -> bytes:
    good = [json.dumps({**GOOD, "n": n}).encode() for n in range(count)]
    return b"\n".join([*good[: count // 2], middle, *good[count // 2 :]]) + b"\n"


def _single_line(path: Path, spaces: bool) -> None:
    rng = random.Random(5)
    words = ["the", "order", "parcel", "refund", "zamówienie", "dostawa", "42", "€19.99", "hello", "world"]
    text = " ".join(rng.choice(words) for _ in range(7_200_000)) if spaces else "x" * 50_000_000
    example = {"messages": [{"role": "user", "content": text}, {"role": "assistant", "content": "ok"}]}
    path.write_text(json.dumps(example, ensure_ascii=False) + "\n", encoding="utf-8")


CASES: dict[str, Callable[[Path], None]] = {
    "empty file": lambda path: path.write_bytes(b""),
    "binary data": lambda path: path.write_bytes(os.urandom(1 << 20)),
    "200 MB file": lambda path: generate(path, 114_000, seed=7),
    "50 MB single line": lambda path: _single_line(path, spaces=True),
    "50 MB single line, no spaces": lambda path: _single_line(path, spaces=False),
    "deep nesting": lambda path: path.write_bytes(_lines_with(b"[" * 200_000 + b"]" * 200_000)),
    "invalid UTF-8 mid-file": lambda path: path.write_bytes(_lines_with(b'{"messages": "caf\xe9 \xff\xfe"}')),
    "NaN and Infinity": lambda path: path.write_bytes(_lines_with(b'{"messages": [], "a": NaN, "b": -Infinity}')),
    "duplicate keys": lambda path: path.write_bytes(_lines_with(b'{"messages": [], "messages": []}')),
    "huge numbers": lambda path: path.write_bytes(_lines_with(b'{"messages": [], "n": ' + b"9" * 100_000 + b"}")),
}


def _measured(command: list[str]) -> tuple[int, float, float, bytes, bytes]:
    """Exit code, wall seconds, peak RSS (MB), stdout and stderr of one process."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.chdir(ROOT)
        os.execv(command[0], command)
    os.close(out_w)
    os.close(err_w)
    streams = {out_r: bytearray(), err_r: bytearray()}
    for fd in (out_r, err_r):
        while chunk := os.read(fd, 1 << 16):
            streams[fd] += chunk
        os.close(fd)
    _, status, usage = os.wait4(pid, 0)
    return (
        os.waitstatus_to_exitcode(status),
        time.perf_counter() - started,
        usage.ru_maxrss / 1024,
        bytes(streams[out_r]),
        bytes(streams[err_r]),
    )


def main(argv: list[str] | None = None) -> int:
    del argv
    BAD_DIR.mkdir(parents=True, exist_ok=True)
    print("| case | file size | exit | wall time (s) | peak memory (MB) | result |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for name, make in CASES.items():
        path = BAD_DIR / (name.replace(" ", "-").replace(",", "") + ".jsonl")
        if not path.exists():
            make(path)
        code, seconds, peak, out, err = _measured(
            [sys.executable, "-m", "finetune_guide", "check", str(path), "--json"]
        )
        if code == 2:
            result = "stderr: " + err.decode(errors="replace").strip().split(": ", 2)[-1]
        else:
            report = json.loads(out)
            result = ", ".join(f"{code} ×{n}" for code, n in {**report["error_counts"]}.items()) or "no errors"
        if b"Traceback" in err:
            result = "TRACEBACK: " + err.decode(errors="replace")[-200:]
        size = path.stat().st_size / 2**20
        print(f"| {name} | {size:,.1f} MB | {code} | {seconds:.2f} | {peak:.0f} | {result[:140]} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
