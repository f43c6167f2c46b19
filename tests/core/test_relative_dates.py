"""Relative dates are computed when shown, from the catalog's dates, never written by hand (issue 17).

A frozen clock (`today` passed in) checks the phrases before, on and after OpenAI's 2027-01-06 (no new jobs)
and 2027-01-14 (base models shut down), in English and Polish, in the core function and in the shipped text."""

from __future__ import annotations

import re
from datetime import date

import pytest

from finetune_guide import content, i18n, relative_dates
from finetune_guide.catalog import load_catalog, resolve_model
from finetune_guide.relative_dates import DatePlaceholderError, days_until, expand, long_date, polish_plural, relative

JOBS_END = date(2027, 1, 6)
SHUTDOWN = date(2027, 1, 14)
NAMED = relative_dates.catalog_dates(load_catalog())
LESSONS = {lang: content.load_lessons(lang) for lang in i18n.LANGUAGES}
STRINGS = {lang: i18n.load_strings(lang) for lang in i18n.LANGUAGES}


# --- the phrases ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "en", "pl"),
    [
        (date(2026, 12, 8), "in 29 days", "za 29 dni"),
        (date(2027, 1, 4), "in 2 days", "za 2 dni"),
        (date(2027, 1, 5), "tomorrow", "jutro"),
        (date(2027, 1, 6), "today", "dzisiaj"),
        (date(2027, 1, 7), "yesterday", "wczoraj"),
        (date(2027, 1, 13), "7 days ago", "7 dni temu"),
        (date(2027, 2, 1), "26 days ago", "26 dni temu"),
    ],
)
def test_days_until_2027_01_06_before_on_and_after(today: date, en: str, pl: str) -> None:
    assert days_until(JOBS_END, today, "en") == en
    assert days_until(JOBS_END, today, "pl") == pl


@pytest.mark.parametrize(
    ("today", "en", "pl"),
    [
        (date(2026, 12, 8), "in about 5 weeks", "za mniej więcej 5 tygodni"),
        (date(2026, 12, 10), "in 5 weeks", "za 5 tygodni"),
        (date(2026, 12, 24), "in 3 weeks", "za 3 tygodnie"),
        (date(2027, 1, 1), "in 13 days", "za 13 dni"),
        (date(2027, 1, 13), "tomorrow", "jutro"),
        (date(2027, 1, 14), "today", "dzisiaj"),
        (date(2027, 1, 15), "yesterday", "wczoraj"),
        (date(2027, 2, 11), "4 weeks ago", "4 tygodnie temu"),
        (date(2027, 4, 1), "about 3 months ago", "mniej więcej 3 miesiące temu"),
        (date(2026, 6, 1), "in about 7 months", "za mniej więcej 7 miesięcy"),
    ],
)
def test_relative_to_2027_01_14_rounds_to_weeks_and_months(today: date, en: str, pl: str) -> None:
    assert relative(SHUTDOWN, today, "en") == en
    assert relative(SHUTDOWN, today, "pl") == pl


@pytest.mark.parametrize(
    ("count", "form"),
    [(1, "tydzień"), (2, "tygodnie"), (4, "tygodnie"), (5, "tygodni"), (12, "tygodni"), (14, "tygodni"),
     (21, "tygodni"), (22, "tygodnie"), (104, "tygodnie"), (112, "tygodni")],
)  # fmt: skip
def test_polish_plural_forms(count: int, form: str) -> None:
    assert polish_plural(count, "tydzień", "tygodnie", "tygodni") == form


def test_long_dates_in_both_languages() -> None:
    assert long_date(JOBS_END, "en") == "6 January 2027"
    assert long_date(JOBS_END, "pl") == "6 stycznia 2027"
    assert long_date(date(2027, 10, 16), "pl") == "16 października 2027"


# --- the placeholders -------------------------------------------------------------------------------------

TENSE = (
    "{{after:openai.new_jobs_until|stopped on {{date:openai.new_jobs_until}}|stops {{relative:openai.new_jobs_until}}}}"
)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 12, 8), "OpenAI stops in about 4 weeks."),
        (date(2027, 1, 5), "OpenAI stops tomorrow."),
        (date(2027, 1, 6), "OpenAI stopped on 2027-01-06."),
        (date(2027, 1, 14), "OpenAI stopped on 2027-01-06."),
    ],
)
def test_after_switches_tense_on_the_date_and_placeholders_nest(today: date, expected: str) -> None:
    assert expand(f"OpenAI {TENSE}.", "en", today, NAMED) == expected


def test_catalog_names_resolve_to_the_catalog_dates() -> None:
    today = date(2026, 12, 8)
    assert expand("{{date:openai.new_jobs_until}}", "en", today, NAMED) == "2027-01-06"
    assert expand("{{date:openai:gpt-4o-mini.base_model_retirement}}", "en", today, NAMED) == "2027-01-14"
    assert expand("{{day:azure:o4-mini.training_retirement}}", "pl", today, NAMED) == "16 kwietnia 2027"
    assert expand("{{date:azure:o4-mini-2025-04-16.deployment_retirement}}", "en", today, NAMED) == "2027-10-16"


def test_a_broken_placeholder_fails_in_strict_mode_and_stays_readable_otherwise() -> None:
    with pytest.raises(DatePlaceholderError, match="no-such-date"):
        expand("{{relative:no-such-date}}", "en", date(2026, 12, 8), NAMED)
    with pytest.raises(DatePlaceholderError, match="two texts"):
        expand("{{after:2027-01-06|only one}}", "en", date(2026, 12, 8), NAMED)
    assert expand("ends {{relative:no-such-date}}", "en", date(2026, 12, 8), NAMED, strict=False) == (
        "ends no-such-date"
    )


def test_text_without_placeholders_and_format_braces_are_left_alone() -> None:
    text = 'JSON: {{"role": "user"}} and {count} items'
    assert expand(text, "pl", date(2026, 12, 8), NAMED) == text


# --- the shipped content ----------------------------------------------------------------------------------

FROZEN_DAYS = (
    date(2026, 12, 8),
    date(2027, 1, 5),
    date(2027, 1, 6),
    date(2027, 1, 7),
    date(2027, 1, 13),
    date(2027, 1, 14),
    date(2027, 1, 15),
)


def _texts(lang: str) -> dict[str, str]:
    texts = {f"lesson {lesson.id}": lesson.body for lesson in LESSONS[lang]}
    texts |= {f"objective {lesson.id}": " ".join(lesson.objectives) for lesson in LESSONS[lang]}
    texts |= {f"string {key}": value for key, value in STRINGS[lang].items()}
    return texts


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_placeholder_in_lessons_and_strings_resolves_on_any_day(lang: str) -> None:
    used = 0
    for where, text in _texts(lang).items():
        for today in FROZEN_DAYS:
            expanded = expand(text, lang, today, NAMED)
            assert not re.search(r"\{\{(" + "|".join(relative_dates.KINDS) + r"):", expanded), where
        used += bool(relative_dates.references(text))
    assert used >= 10, "the lessons and strings should date themselves through placeholders"


HAND_WRITTEN = re.compile(
    r"from today|as of November 2026|about seven weeks|\bin \d+ (?:days|weeks)\b|\bweeks? from now"
    r"|od dziś|licząc od dziś|stan(?:u)? na listopad|około siedmiu tygodni|\bza \d+ (?:dni|tygodni)",
    re.IGNORECASE,
)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_no_relative_date_is_written_by_hand(lang: str) -> None:
    found = [where for where, text in _texts(lang).items() if HAND_WRITTEN.search(text)]
    assert found == []


@pytest.mark.parametrize(
    ("lang", "before", "after"),
    [
        (
            "en",
            "from **6 January 2027** (in about 4 weeks) **no one can start new jobs**",
            "since **6 January 2027 no one",
        ),
        (
            "pl",
            "od **6 stycznia 2027** (za mniej więcej 4 tygodnie) **nikt nie uruchomi",
            "od **6 stycznia 2027 nikt nie uruchomi",
        ),
    ],
)
def test_the_home_note_on_openai_changes_with_the_date(lang: str, before: str, after: str) -> None:
    text = STRINGS[lang]["home.landscape_openai"]
    assert before in expand(text, lang, date(2026, 12, 8), NAMED)
    assert after in expand(text, lang, date(2027, 1, 6), NAMED)
    shutdown = {
        "en": "shut down on 14 January 2027 (in about 5 weeks)",
        "pl": "zostaną wyłączone 14 stycznia 2027 (za mniej więcej 5 tygodni)",
    }
    done = {"en": "shut down on 14 January 2027,", "pl": "wyłączono 14 stycznia 2027,"}
    assert shutdown[lang] in expand(text, lang, date(2026, 12, 8), NAMED)
    assert done[lang] in expand(text, lang, date(2027, 1, 14), NAMED)


@pytest.mark.parametrize(
    ("lang", "before", "after"),
    [
        ("en", "stop answering in 37 days", "have therefore already stopped answering"),
        ("pl", "przestanie więc odpowiadać za 37 dni", "już więc przestała odpowiadać"),
    ],
)
def test_the_deployment_lesson_counts_down_to_2027_01_14(lang: str, before: str, after: str) -> None:
    body = next(lesson.body for lesson in LESSONS[lang] if lesson.id == "deploying-and-operating")
    assert before in expand(body, lang, date(2026, 12, 8), NAMED)
    assert after in expand(body, lang, date(2027, 1, 14), NAMED)
    assert after not in expand(body, lang, date(2027, 1, 13), NAMED)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_landscape_lesson_dates_come_from_the_catalog(lang: str) -> None:
    body = next(lesson.body for lesson in LESSONS[lang] if lesson.id == "landscape-2026")
    december = expand(body, lang, date(2026, 12, 8), NAMED)
    phrase = {"en": ("2027-01-06 (in about 4 weeks)", "2027-04-16 (in about 4 months)"),
              "pl": ("2027-01-06 (za mniej więcej 4 tygodnie)", "2027-04-16 (za mniej więcej 4 miesiące)")}  # fmt: skip
    for expected in phrase[lang]:
        assert expected in december
    january = expand(body, lang, date(2027, 1, 7), NAMED)
    assert {"en": "2027-01-06 (yesterday)", "pl": "2027-01-06 (wczoraj)"}[lang] in january


# --- the dates themselves (FACTS.md 0 and 0.1) ------------------------------------------------------------


def test_openai_dates_confirmed_on_its_own_page_are_verified_and_only_2026_10_23_is_reported() -> None:
    book = load_catalog()
    assert book.openai.new_jobs_until.status == "verified"
    for model in ("gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini"):
        figure = resolve_model(book, model, "openai").base_model_retirement
        assert figure is not None and figure.value == SHUTDOWN and figure.status == "verified", model
    for model in ("gpt-4.1-nano", "o4-mini", "gpt-3.5-turbo"):
        figure = resolve_model(book, model, "openai").base_model_retirement
        assert figure is not None and figure.value == date(2026, 10, 23) and figure.status == "third_party", model


@pytest.mark.parametrize(
    ("model", "training", "deployment"),
    [
        ("gpt-4o-mini", date(2027, 4, 1), date(2027, 10, 1)),
        ("gpt-4o", date(2027, 4, 1), date(2027, 10, 1)),
        ("gpt-4.1", date(2027, 4, 14), date(2027, 10, 14)),
        ("gpt-4.1-nano", date(2027, 4, 14), date(2027, 10, 14)),
        ("o4-mini", date(2027, 4, 16), date(2027, 10, 16)),
    ],
)
def test_azure_fine_tuning_dates_are_for_existing_customers_only(model: str, training: date, deployment: date) -> None:
    entry = resolve_model(load_catalog(), model, "azure")
    assert entry.training_retirement is not None and entry.deployment_retirement is not None
    assert (entry.training_retirement.value, entry.deployment_retirement.value) == (training, deployment)
    assert entry.training_retirement.source == "azure-retirement-schedule"
    assert "existing customers only" in entry.training_retirement.note
