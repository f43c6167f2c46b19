"""`python -m bench` (make bench): run every benchmark, then print all their figures in one table.

The benchmarks: `bench.check_speed` (the Dataset studio's analysis against the cookbook's loop, whole
processes), `bench.app_speed` (cold start against `streamlit hello`, widget reruns, the calculator) and
`bench.lab_speed` (the Local lab's training against a plain TRL script, its time to the first step, page reruns
while a job trains), in that order; each prints its own details as it goes. Timings are reported, never asserted:
the 2-core machine is shared, so read a figure together with the load average printed under the table. The
multi-user load test is separate (`make load-test`, `python -m bench.load_test`).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys

from bench import app_speed, check_speed, lab_speed
from bench.app_speed import Figure


def check_speed_figures(rounds: int) -> list[Figure]:
    """Run bench.check_speed (echoing its report) and lift its headline figures into the summary."""
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        check_speed.main(["--rounds", str(rounds)])
    report = captured.getvalue()
    print(report, flush=True)
    figures = []
    for label, pattern in (
        ("check --json vs reference loop (speed-up)", r"speed-up: ([\d.]+x) \(target ([^)]*)\): (.*)"),
        (
            "check's peak memory / file size",
            r"check's peak memory: ([\d.]+x) the file \(target ([^)]*)\): (.*)",
        ),
    ):
        found = re.search(pattern, report)
        if found:
            figures.append(Figure("dataset analysis", label, found[1], f"target {found[2]}: {found[3]}"))
    for name in ("reference loop (cookbook)", "finetune-guide check --json"):
        row = re.search(rf"^\| {re.escape(name)} \| ([\d.]+) \| [^|]* \| (\d+) \|", report, re.MULTILINE)
        if row:
            figures.append(Figure("dataset analysis", f"{name}: wall time (s)", row[1], f"peak {row[2]} MB"))
    if not figures:
        figures.append(Figure("dataset analysis", "(report not recognised)", "—", "see its output above"))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each timed comparison (default 3)")
    parser.add_argument("--skip-big", action="store_true", help="leave out the ~80 MB studio rerun")
    parser.add_argument("--skip-lab", action="store_true", help="leave out the Local lab's training (~6 min)")
    args = parser.parse_args(argv)

    figures: list[Figure] = []
    failures: list[str] = []
    steps = (
        ("bench.check_speed", lambda: check_speed_figures(args.rounds)),
        ("bench.app_speed", lambda: app_speed.run(args.rounds, skip_big=args.skip_big)),
        *((("bench.lab_speed", lab_speed.run),) if not args.skip_lab else ()),
    )
    for name, step in steps:
        print(f"== {name}", flush=True)
        try:
            figures += step()
        except Exception as error:  # one broken benchmark must not hide the others' figures
            failures.append(f"{name}: {type(error).__name__}: {error}")
            figures.append(Figure(name, "(failed)", "—", str(error)[:200]))

    print()
    print(f"== all figures ({os.cpu_count()} CPUs, load average {', '.join(f'{v:.1f}' for v in os.getloadavg())})")
    print()
    app_speed.print_table(figures)
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
