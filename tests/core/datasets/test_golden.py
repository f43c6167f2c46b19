"""The check's reports stay byte-for-byte what the single-module datasets.py gave before it became a package.

golden/reports.json.gz was taken from that original code: every sample under content/datasets in each setting,
a zoo of hostile messages (tests/support/datasets.py) and every input the older unit and property tests fed
it. Each case holds its input bytes, so the snapshot does not move when a sample or the zoo changes.
"""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from finetune_guide import datasets
from tests.support.datasets import report_snapshot

GOLDEN = Path(__file__).parent / "golden" / "reports.json.gz"


def _cases() -> list[dict[str, Any]]:
    with gzip.open(GOLDEN, "rt", encoding="utf-8") as handle:
        cases: list[dict[str, Any]] = json.load(handle)
    return cases


CASES = _cases()


def _canonical(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot with each run of unrecognized-key findings of one line sorted.

    The original code listed a message's unknown keys in set order, which changes from run to run with the
    string hash seed, so the order within such a run is the one thing the snapshot cannot pin.
    """
    issues: list[Any] = []
    run: list[Any] = []
    for issue in [*snapshot["issues"], None]:
        if issue is not None and issue[1] == "message_unrecognized_key" and (not run or run[0][0] == issue[0]):
            run.append(issue)
            continue
        issues.extend(sorted(run, key=json.dumps))
        run = [issue] if issue is not None and issue[1] == "message_unrecognized_key" else []
        if issue is not None and not run:
            issues.append(issue)
    return {**snapshot, "issues": issues}


def test_the_snapshot_covers_every_sample_and_every_method() -> None:
    names = {case["name"] for case in CASES}
    for path in Path("content/datasets").glob("*/*"):
        if path.suffix in (".jsonl", ".csv"):
            assert str(path) in names
    assert {case["method"] for case in CASES} == set(datasets.METHODS)


@pytest.mark.parametrize("case", CASES, ids=[f"{c['name']}-{c['model']}-{c['method']}-{c['role']}" for c in CASES])
def test_the_report_is_the_one_the_original_code_gave(case: dict[str, Any]) -> None:
    data = base64.b64decode(case["data"])
    report = datasets.analyze(data, model=case["model"], method=case["method"], role=case["role"])
    # A JSON round trip turns tuples into lists, as in the stored snapshot.
    assert _canonical(json.loads(json.dumps(report_snapshot(report)))) == _canonical(case["report"])
    assert sorted(datasets.invalid_lines(data, model=case["model"], method=case["method"])) == case["invalid_lines"]
