"""The sample datasets shipped under content/datasets/<language>/, as listed in samples.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from finetune_guide.content import CONTENT_DIR
from finetune_guide.datasets.targets import DEFAULT_MODEL

SAMPLES_DIR: Final = CONTENT_DIR / "datasets"


@dataclass(frozen=True, slots=True)
class Sample:
    """A sample dataset under content/datasets/<language>/, with the method and model it is meant for."""

    id: str
    file: str
    method: str
    model: str

    def path(self, language: str) -> Path:
        return SAMPLES_DIR / language / self.file

    @property
    def is_table(self) -> bool:
        return self.file.endswith((".csv", ".xlsx"))


@cache
def samples() -> tuple[Sample, ...]:
    """The samples listed in content/datasets/samples.toml, in order; none if the file is missing."""
    try:
        with (SAMPLES_DIR / "samples.toml").open("rb") as handle:
            listed = tomllib.load(handle).get("samples", [])
    except (OSError, tomllib.TOMLDecodeError):
        return ()
    return tuple(
        Sample(
            str(item["id"]),
            str(item["file"]),
            str(item.get("method", "supervised")),
            str(item.get("model", DEFAULT_MODEL)),
        )
        for item in listed
        if isinstance(item, dict) and "id" in item and "file" in item
    )
