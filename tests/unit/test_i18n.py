"""String catalogs: both languages complete, placeholders consistent, language choice rules."""

import re
import string
from pathlib import Path

import pytest

from finetune_guide import i18n


def test_every_key_exists_in_every_language() -> None:
    assert i18n.missing_keys() == {}


def test_placeholders_match_across_languages() -> None:
    english = i18n.load_strings("en")
    polish = i18n.load_strings("pl")
    formatter = string.Formatter()

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in formatter.parse(text) if name}

    mismatched = {key for key in english if fields(english[key]) != fields(polish.get(key, ""))}
    assert mismatched == set()


def test_no_catalog_string_is_empty() -> None:
    for language in i18n.LANGUAGES:
        empty = [key for key, text in i18n.load_strings(language).items() if not text.strip()]
        assert empty == [], language


def test_missing_keys_reports_a_key_present_in_one_language_only(tmp_path: Path) -> None:
    for language in i18n.LANGUAGES:
        (tmp_path / language).mkdir()
        (tmp_path / language / "page.toml").write_text('title = "x"\n', encoding="utf-8")
    (tmp_path / "en" / "page.toml").write_text('title = "x"\nextra = "only English"\n', encoding="utf-8")
    assert i18n.missing_keys(tmp_path) == {"pl": {"page.extra"}}


def test_nested_tables_flatten_to_dotted_keys(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "home.toml").write_text('[steps.learn]\ntitle = "Learn"\n', encoding="utf-8")
    assert i18n.load_strings("en", tmp_path) == {"home.steps.learn.title": "Learn"}


def test_a_non_string_value_is_rejected_with_its_key(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "bad.toml").write_text("count = 3\n", encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape("bad.count")):
        i18n.load_strings("en", tmp_path)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("pl", "pl"), ("pl-PL", "pl"), ("PL", "pl"), ("en_GB", "en"), ("de-DE", None), ("", None), (None, None)],
)
def test_language_codes_normalise_to_a_supported_language(raw: str | None, expected: str | None) -> None:
    assert i18n.normalise_language(raw) == expected


def test_a_missing_key_shows_itself_instead_of_crashing() -> None:
    assert i18n.translate({}, "nowhere.key") == "nowhere.key"


def test_placeholders_are_filled() -> None:
    assert i18n.translate({"a.b": "{n} of {m}"}, "a.b", n=1, m=2) == "1 of 2"
