"""The fix registry: every fix the studio offers is registered, has texts, and applies the right function."""

from __future__ import annotations

import tomllib
from pathlib import Path

from finetune_guide.datasets import fixes
from finetune_guide.i18n import LANGUAGES
from tests.support.datasets import MODEL, jsonl

DATA = jsonl({"messages": [{"role": "user", "content": " hi "}, {"role": "assistant", "content": "ok"}]}) * 2


def test_every_fix_has_a_title_and_help_in_every_language() -> None:
    for language in LANGUAGES:
        texts = tomllib.loads(Path(f"content/i18n/{language}/studio.toml").read_text(encoding="utf-8"))
        assert set(texts["fixes"]) == set(fixes.FIX_IDS)


def test_each_registered_fix_gives_what_its_function_gives() -> None:
    params = {
        "drop_invalid": {},
        "strip": {},
        "dedupe": {},
        "system_prompt": {"prompt": "Be kind.", "replace": False},
        "legacy": {"system": "", "separator": "###", "stop": "END"},
        "split": {"ratio": 0.5, "seed": 1},
    }
    direct = {
        "drop_invalid": fixes.drop_invalid_lines(DATA, model=MODEL, method="supervised"),
        "strip": fixes.strip_whitespace(DATA),
        "dedupe": fixes.remove_duplicates(DATA),
        "system_prompt": fixes.add_system_prompt(DATA, "Be kind.", method="supervised"),
        "legacy": fixes.prompt_completion_to_chat(DATA, prompt_separator="###", stop_sequence="END"),
        "split": fixes.split_train_validation(DATA, validation_ratio=0.5, seed=1),
    }
    assert set(params) == set(fixes.FIX_IDS)
    for fix_id in fixes.FIX_IDS:
        assert fixes.apply_fix(fix_id, DATA, params[fix_id], model=MODEL, method="supervised") == direct[fix_id]
