"""Where the Local lab keeps its models, uploaded files, runs and job store on this machine."""

from __future__ import annotations

import os
from pathlib import Path

HOME_VARIABLE = "FINETUNE_GUIDE_LAB_HOME"


def lab_home() -> Path:
    """The lab's folder: $FINETUNE_GUIDE_LAB_HOME, else ~/.cache/finetune-guide/lab (created on demand)."""
    configured = os.environ.get(HOME_VARIABLE, "").strip()
    folder = Path(configured).expanduser() if configured else Path.home() / ".cache" / "finetune-guide" / "lab"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def models_dir(home: Path | None = None) -> Path:
    """Models the lab builds or converts itself (tiny, the packaged SmolLM2), one folder each."""
    return _sub(home, "models")


def runs_dir(home: Path | None = None) -> Path:
    """One folder per training job: spec.json, progress.jsonl, checkpoints, the adapter."""
    return _sub(home, "runs")


def files_dir(home: Path | None = None) -> Path:
    """Uploaded training and validation files, by file id."""
    return _sub(home, "files")


def _sub(home: Path | None, name: str) -> Path:
    folder = (home or lab_home()) / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
