"""Resource search, as a learner types:
- word-based: every word must match, in any order, anywhere in title, description, kind, provider, URL or the
  supporting lesson's title;
- accent- and case-insensitive ("narzedzia" finds "narzędzia", "ł" folds to "l");
- with the Polish/English synonym table ("DPO" finds preference material, "cena" finds prices);
- "DPO" and "azure pricing" find something; nonsense finds nothing; any text at all never raises.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finetune_guide import content
from finetune_guide.i18n import LANGUAGES


@pytest.fixture(scope="module")
def resources() -> tuple[content.Resource, ...]:
    return content.load_resources()


@pytest.fixture(scope="module")
def lesson_titles() -> dict[str, dict[str, str]]:
    return {language: {lesson.id: lesson.title for lesson in content.load_lessons(language)} for language in LANGUAGES}


def _ids(found: tuple[content.Resource, ...]) -> list[str]:
    return [resource.id for resource in found]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("query", ["DPO", "azure pricing"])
def test_the_queries_from_the_review_find_results(
    resources: tuple[content.Resource, ...], lesson_titles: dict[str, dict[str, str]], language: str, query: str
) -> None:
    assert content.search_resources(resources, language, query, lesson_titles=lesson_titles[language])


def test_words_match_in_any_order_and_all_must_match(resources: tuple[content.Resource, ...]) -> None:
    azure_pricing = content.search_resources(resources, "en", "azure pricing")
    assert azure_pricing == content.search_resources(resources, "en", "Pricing,  AZURE!")
    assert all(resource.provider == "Azure" for resource in azure_pricing)
    assert content.search_resources(resources, "en", "azure zzzz-no-such-word") == ()


def test_the_supporting_lessons_title_is_searched(
    resources: tuple[content.Resource, ...], lesson_titles: dict[str, dict[str, str]]
) -> None:
    dpo_lesson = next(title for lesson, title in lesson_titles["en"].items() if lesson == "continuous-dpo-rft")
    assert "DPO" in dpo_lesson
    found = content.search_resources(resources, "en", "DPO", lesson_titles=lesson_titles["en"])
    assert "azure-customize-model-continuous" in _ids(found)


def test_accents_and_case_do_not_matter(resources: tuple[content.Resource, ...]) -> None:
    assert content.fold("ŁÓDŹ Żółć") == "lodz zolc"
    with_accents = content.search_resources(resources, "pl", "narzędzia")
    assert with_accents and with_accents == content.search_resources(resources, "pl", "NARZEDZIA")


def test_polish_inflections_meet_their_base_form(resources: tuple[content.Resource, ...]) -> None:
    # "dostrajanie" must also find descriptions that say "dostrajania" or "dostrajaniu".
    found = content.search_resources(resources, "pl", "dostrajanie ciągłe")
    assert "azure-customize-model-continuous" in _ids(found)


@pytest.mark.parametrize(("polish", "english"), [("cena", "price"), ("wideo", "video"), ("preferencje", "DPO")])
def test_synonyms_work_across_languages(
    resources: tuple[content.Resource, ...],
    lesson_titles: dict[str, dict[str, str]],
    polish: str,
    english: str,
) -> None:
    for language in LANGUAGES:
        titles = lesson_titles[language]
        assert content.search_resources(resources, language, polish, lesson_titles=titles) == (
            content.search_resources(resources, language, english, lesson_titles=titles)
        )
    assert content.search_resources(resources, "pl", polish, lesson_titles=lesson_titles["pl"])


def test_the_kind_label_of_the_page_language_is_searched(resources: tuple[content.Resource, ...]) -> None:
    labels = {"tool": "Narzędzie"}
    found = content.search_resources(
        resources, "pl", "narzędzie", kind_labels=labels, synonyms=content.SearchSynonyms((), frozenset())
    )
    assert {resource.kind for resource in found} >= {"tool"}


def test_short_words_match_whole_words_only(resources: tuple[content.Resource, ...]) -> None:
    # "rag" must not match "storage" or "paragraph"; every hit says RAG or retrieval.
    for resource in content.search_resources(resources, "en", "RAG"):
        text = content.fold(f"{resource.title['en']} {resource.description['en']}")
        assert "rag" in content.words(text) or "retriev" in text, resource.id


def test_filters_and_query_combine(resources: tuple[content.Resource, ...]) -> None:
    found = content.search_resources(resources, "en", "autotrain", kinds=frozenset({"tool"}))
    assert found and all(resource.kind == "tool" and "AutoTrain" in resource.title["en"] for resource in found)


def test_a_query_of_only_filler_words_still_searches(resources: tuple[content.Resource, ...]) -> None:
    assert content.search_resources(resources, "en", "the") != ()


def test_a_synonym_group_of_one_word_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "search_synonyms.yaml").write_text("groups:\n  - [price]\n", encoding="utf-8")
    with pytest.raises(content.ContentError, match="at least two"):
        content.load_search_synonyms(tmp_path)


def test_the_synonym_table_pairs_polish_and_english() -> None:
    table = content.load_search_synonyms()
    by_word = {phrase: group for group in table.groups for phrase in group}
    assert ("preference",) in by_word[("dpo",)]
    assert ("price",) in by_word[("cena",)]
    assert ("fine", "tuning") in by_word[("dostrajanie",)]


@settings(max_examples=200, deadline=None)
@given(query=st.text(), language=st.sampled_from(LANGUAGES))
def test_search_never_raises_on_any_text(resources: tuple[content.Resource, ...], query: str, language: str) -> None:
    found = content.search_resources(resources, language, query)
    assert {resource.id for resource in found} <= {resource.id for resource in resources}
