"""Benchmark: `finetune-guide check --json` against the cookbook's loop on a generated 50,000-example file.

Run with `python -m bench.check_speed` (or `make bench`, which runs every benchmark). It writes
bench/.data/chat-50k.jsonl once (about 88 MB, deterministic, git-ignored), then times whole processes,
alternating: the reference, bench/check_reference.py (the OpenAI cookbook's data-prep code: json.loads per
line, its seven format checks, tiktoken encode per message value and again per assistant reply, numpy
statistics), and `python -m finetune_guide check FILE --json`. It prints a table with the medians and the peak
memory of each process, whether the targets hold (at least 2x faster; peak memory at most 4x the file) and
whether both count the same tokens. Nothing here is asserted by the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(__file__).resolve().parent / ".data"
EXAMPLES = 50_000
SPEEDUP_TARGET = 2.0
MEMORY_TARGET = 4.0

_VOCABULARY = (
    "the a to of and in is it you that for on with as are this be can your we our will if not have at or "
    "order account refund delivery parcel payment card invoice password reset login email address shipping "
    "return policy week day hours store team product issue problem solved sorry understand check update "
    "status tracking number customer service warranty replacement model version app browser error message "
    "screen button settings profile subscription plan monthly annual price discount code receipt courier "
    "warehouse address label size colour exchange voucher balance transfer statement branch weekend "
    "zamówienie przesyłka zwrot faktura hasło konto płatność dostawa reklamacja gwarancja "
    "2024 2025 3 5 7 14 30 €19.99 $4.50 PL-00-950 #A1234 (see below) — e.g. i.e. OK"
)
_WORDS = _VOCABULARY.split()
_SYSTEM_PROMPTS = 8


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 20))]
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice((".", ".", ".", "?", "!"))


def _paragraph(rng: random.Random, low: int, high: int) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(low, high)))


def generate(path: Path, examples: int = EXAMPLES, seed: int = 2026) -> None:
    """A support-chat dataset: a few long system prompts, one to three user/assistant turns per example."""
    rng = random.Random(seed)
    prompts = [
        f"You are the support assistant of shop number {n}. " + _paragraph(rng, 5, 9) for n in range(_SYSTEM_PROMPTS)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    with temporary.open("w", encoding="utf-8") as out:
        for _ in range(examples):
            messages = [{"role": "system", "content": rng.choice(prompts)}]
            for _turn in range(rng.choice((1, 1, 2, 3))):
                messages.append({"role": "user", "content": _paragraph(rng, 1, 4)})
                messages.append({"role": "assistant", "content": _paragraph(rng, 2, 7)})
            out.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")
    temporary.replace(path)


def _measured(command: list[str]) -> tuple[float, float, bytes]:
    """Run a command and return wall seconds, peak RSS in MB (from wait4) and its stdout."""
    read_end, write_end = os.pipe()
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # child: stdout into the pipe, stderr discarded, then exec
        os.close(read_end)
        os.dup2(write_end, 1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.chdir(ROOT)
        os.execv(command[0], command)
    os.close(write_end)
    chunks = []
    while True:
        chunk = os.read(read_end, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_end)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise RuntimeError(f"{' '.join(command[:5])} exited with {code}")
    return elapsed, usage.ru_maxrss / 1024, b"".join(chunks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each side (default 3)")
    parser.add_argument("--examples", type=int, default=EXAMPLES)
    args = parser.parse_args(argv)

    path = DATA_DIR / f"chat-{args.examples // 1000}k.jsonl"
    if not path.exists():
        print(f"generating {path.relative_to(ROOT)} ...", flush=True)
        generate(path, args.examples)
    size_mb = path.stat().st_size / 2**20
    python = sys.executable
    reference_cmd = [python, str(Path(__file__).with_name("check_reference.py")), str(path)]
    check_cmd = [python, "-m", "finetune_guide", "check", str(path), "--json"]

    reference: list[tuple[float, float]] = []
    check: list[tuple[float, float]] = []
    reference_out = check_out = b""
    for _ in range(args.rounds):
        seconds, peak, reference_out = _measured(reference_cmd)
        reference.append((seconds, peak))
        seconds, peak, check_out = _measured(check_cmd)
        check.append((seconds, peak))

    ours = json.loads(check_out)
    theirs = json.loads(reference_out)
    same_tokens = ours["tokens"]["total"] == theirs["tokens_total"]
    same_assistant = ours["assistant_tokens"]["total"] == theirs["assistant_total"]
    ref_s = statistics.median(s for s, _ in reference)
    chk_s = statistics.median(s for s, _ in check)
    ref_mb = max(m for _, m in reference)
    chk_mb = max(m for _, m in check)
    speedup = ref_s / chk_s
    memory_ratio = chk_mb / size_mb

    print()
    print(
        f"file: {path.relative_to(ROOT)} ({args.examples:,} examples, {size_mb:.1f} MB); "
        f"{args.rounds} alternating rounds, median wall time; {os.cpu_count()} CPUs"
    )
    print()
    print("| run | wall time (s) | all runs (s) | peak memory (MB) | peak / file size |")
    print("| --- | ---: | --- | ---: | ---: |")
    for name, runs, seconds, peak in (
        ("reference loop (cookbook)", reference, ref_s, ref_mb),
        ("finetune-guide check --json", check, chk_s, chk_mb),
    ):
        all_runs = ", ".join(f"{s:.2f}" for s, _ in runs)
        print(f"| {name} | {seconds:.2f} | {all_runs} | {peak:.0f} | {peak / size_mb:.2f}x |")
    print()
    verdict = "met" if speedup >= SPEEDUP_TARGET else "NOT met"
    print(f"speed-up: {speedup:.2f}x (target >= {SPEEDUP_TARGET:.0f}x): {verdict}")
    print(
        f"check's peak memory: {memory_ratio:.2f}x the file (target <= {MEMORY_TARGET:.0f}x): "
        f"{'met' if memory_ratio <= MEMORY_TARGET else 'NOT met'}"
    )
    print(
        f"same token totals as the reference: tokens {'yes' if same_tokens else 'NO'}, "
        f"assistant tokens {'yes' if same_assistant else 'NO'} "
        f"({ours['tokens']['total']:,} / {ours['assistant_tokens']['total']:,})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
