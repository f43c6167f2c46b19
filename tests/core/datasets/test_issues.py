"""The issue catalog and its texts: both languages give every text id a message and a hint, with the same
placeholders, and nothing is read from the page's string files."""

from __future__ import annotations

import string
import tomllib

from finetune_guide.datasets import issues


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_text_id_has_a_message_and_hint_in_both_languages() -> None:
    for language in ("en", "pl"):
        assert set(issues.issue_texts(language)) == set(issues.CATALOG)


def test_placeholders_match_across_languages() -> None:
    english, polish = issues.issue_texts("en"), issues.issue_texts("pl")
    for text_id, (message, hint) in english.items():
        assert _fields(message) == _fields(polish[text_id][0]), text_id
        assert _fields(hint) == _fields(polish[text_id][1]), text_id


def test_the_texts_live_in_the_core_data_file_and_not_in_the_page_strings() -> None:
    assert issues.ISSUE_TEXTS_DIR.name == "issues"
    for language in ("en", "pl"):
        studio = tomllib.loads((issues.ISSUE_TEXTS_DIR.parent.parent / "i18n" / language / "studio.toml").read_text())
        assert "issues" not in studio


def test_a_missing_language_falls_back_to_english() -> None:
    assert issues.issue_text("empty_file", {}, "xx") == issues.issue_text("empty_file", {}, "en")
