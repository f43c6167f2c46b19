"""String catalogs: one TOML file per namespace and language under content/i18n/<lang>/."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from finetune_guide.content import CONTENT_DIR

LANGUAGES: tuple[str, ...] = ("en", "pl")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES: Mapping[str, str] = {"en": "English", "pl": "Polski"}


def _flatten(prefix: str, table: Mapping[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        dotted = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            _flatten(dotted, value, out)
        elif isinstance(value, str):
            out[dotted] = value
        else:
            raise ValueError(f"{dotted}: a string catalog holds only strings, got {type(value).__name__}")


def load_strings(language: str, root: Path | None = None) -> dict[str, str]:
    """Every string of one language, keyed "namespace.key" where the namespace is the file name."""
    folder = (root or CONTENT_DIR / "i18n") / language
    strings: dict[str, str] = {}
    for path in sorted(folder.glob("*.toml")):
        with path.open("rb") as handle:
            _flatten(path.stem, tomllib.load(handle), strings)
    return strings


def missing_keys(root: Path | None = None) -> dict[str, set[str]]:
    """Keys that some language has and another lacks, per language that lacks them."""
    catalogs = {lang: set(load_strings(lang, root)) for lang in LANGUAGES}
    every_key = set().union(*catalogs.values())
    return {lang: every_key - keys for lang, keys in catalogs.items() if every_key - keys}


def normalise_language(value: str | None) -> str | None:
    """'pl-PL', 'PL', 'pl' -> 'pl'; anything unsupported -> None."""
    if not value:
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def translate(strings: Mapping[str, str], key: str, **values: object) -> str:
    """Look a key up and fill its {placeholders}; a missing key shows itself rather than crash a page."""
    text = strings.get(key)
    if text is None:
        return key
    return text.format(**values) if values else text
