"""Uploaded data and keys are never written to disk by the web app, except the Local lab's own training data:
- no code the app runs (app.py, app_pages/, finetune_guide/ outside the command-line tools and the Local lab)
  opens a file for writing, writes a path, or makes a temporary file; downloads are built in memory;
- uploads stay in memory: the Dataset studio and the Jobs page keep bytes in session state only;
- the Local lab, which must hand its training files to a worker process, writes only below its own folder
  (FINETUNE_GUIDE_LAB_HOME): a lab job leaves nothing anywhere else, and its store holds no key.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from finetune_guide.lab.service import LabService
from finetune_guide.providers import ProviderSettings, build_client
from tests.site import ROOT
from tests.support import chat_rows, jsonl, wait_for_job

WRITERS = {"write_text", "write_bytes", "mkstemp", "mkdtemp", "NamedTemporaryFile", "TemporaryFile", "to_pickle"}


def app_code() -> list[Path]:
    files = [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]
    files += [
        p
        for p in sorted((ROOT / "finetune_guide").rglob("*.py"))
        if not {"cli", "lab"} & set(p.relative_to(ROOT).parts)
    ]
    return files


def _writes(node: ast.Call) -> str | None:
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    if name in WRITERS:
        return name
    if name == "open":
        # open(path, mode) or Path.open(mode)
        positional = node.args[0:1] if isinstance(node.func, ast.Attribute) else node.args[1:2]
        modes = [a for a in positional if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        modes += [k.value for k in node.keywords if k.arg == "mode" and isinstance(k.value, ast.Constant)]
        for mode in modes:
            if isinstance(mode, ast.Constant) and any(c in str(mode.value) for c in "wax+"):
                return f"open(..., {mode.value!r})"
    if name in {"to_csv", "to_excel", "to_json", "to_parquet"} and node.args:
        target = node.args[0]
        if isinstance(target, ast.Constant) or (isinstance(target, ast.Name) and "path" in target.id.lower()):
            return f"{name}(path)"
    return None


def test_the_app_never_writes_files() -> None:
    found = []
    for path in app_code():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and (what := _writes(node)):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {what}")
    assert not found, "the web app must not write files:\n" + "\n".join(found)


def test_the_scan_recognises_a_write() -> None:
    sample = ast.parse("open('x', 'w'); Path('y').write_bytes(b''); tempfile.mkstemp(); df.to_csv('out.csv')")
    calls = [n for n in ast.walk(sample) if isinstance(n, ast.Call)]
    assert {w for c in calls if (w := _writes(c))} == {"open(..., 'w')", "write_bytes", "mkstemp", "to_csv(path)"}


def test_a_lab_job_writes_only_below_the_lab_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, elsewhere = tmp_path / "lab", tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    lab = LabService(home, threads=1)
    try:
        client = build_client(ProviderSettings(kind="local"), lab=lab.tenant())
        uploaded = client.files.create(file=("train.jsonl", jsonl(chat_rows())), purpose="fine-tune")
        job = client.fine_tuning.jobs.create(
            model="tiny",
            training_file=uploaded.id,
            method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 1, "max_seq_length": 64}}},
        )
        assert wait_for_job(client, job.id).status == "succeeded"
    finally:
        lab.close()
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and home not in p.parents]
    assert outside == [], outside
    assert any(home.rglob("adapter_model.safetensors"))
