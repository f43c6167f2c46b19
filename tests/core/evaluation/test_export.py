"""evaluation.export: the results CSV."""

from __future__ import annotations

import csv
import io

from finetune_guide import evaluation as ev
from tests.support.evaluation import chat_line, contenders, numbered


def test_results_csv_has_a_row_per_case_and_model_and_defuses_formulas(sandbox: tuple) -> None:
    client, tuned, base = sandbox
    cases = ev.eval_cases(numbered([chat_line("=HYPERLINK(1)", "Oslo"), chat_line("Q2", "Bergen")])).cases
    run = ev.advance(client, ev.start_run(cases, contenders(tuned, base), limit=2), cases=2)
    rows = list(csv.DictReader(io.StringIO(ev.results_csv(run))))
    assert len(rows) == 4 and set(rows[0]) == set(ev.CSV_COLUMNS)
    assert rows[0]["question"] == "'=HYPERLINK(1)"
