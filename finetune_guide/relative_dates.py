"""Dates in content that stay true: placeholders in lessons and strings, filled from today's date when shown.

Content never says "in seven weeks" by hand. It writes a placeholder, and the page expands it on each render:

- ``{{date:REF}}``             the date itself, ISO (2027-01-06);
- ``{{day:REF}}``              the date in words: "6 January 2027" / "6 stycznia 2027";
- ``{{relative:REF}}``         a rounded phrase: "in 29 days", "in about 5 weeks", "3 days ago", "today";
- ``{{days_until:REF}}``       an exact phrase in days: "in 36 days", "tomorrow", "8 days ago";
- ``{{after:REF|TEXT|TEXT}}``  the first text on or after the date, the second before it (tense that changes).

REF is an ISO date (2027-01-06) or the name of a dated figure of the price catalog (see `catalog_dates`), such as
``openai.new_jobs_until`` or ``azure:o4-mini.training_retirement``, so a date is written once, with its source.
Placeholders nest: ``{{after:X|closed on {{date:X}}|closes {{relative:X}}}}``. Everything here is pure: `today`
is always a parameter, so tests pin the clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from finetune_guide.catalog import Catalog

KINDS: tuple[str, ...] = ("date", "day", "relative", "days_until", "after")
# Innermost first: a placeholder whose argument holds no braces; expanding it may expose the one around it.
_PLACEHOLDER = re.compile(r"\{\{(" + "|".join(KINDS) + r"):([^{}]*)\}\}")

# Past this many days the rounded phrase counts weeks, and past the second, months.
_WEEKS_FROM = 14
_MONTHS_FROM = 63
_DAYS_PER_MONTH = 30.44


class DatePlaceholderError(ValueError):
    """A placeholder names an unknown date or is malformed; the message quotes it."""


def polish_plural(count: int, one: str, few: str, many: str) -> str:
    """The Polish form for a count: 1 tydzień, 2-4 (not 12-14) tygodnie, otherwise tygodni."""
    if count == 1:
        return one
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return few
    return many


_UNITS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    # English: singular phrase, plural; Polish: the three forms polish_plural picks from.
    "en": {"day": ("a day", "days"), "week": ("a week", "weeks"), "month": ("a month", "months")},
    "pl": {"day": ("dzień", "dni", "dni"), "week": ("tydzień", "tygodnie", "tygodni"),
           "month": ("miesiąc", "miesiące", "miesięcy")},
}  # fmt: skip
_WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {"today": "today", "tomorrow": "tomorrow", "yesterday": "yesterday", "about": "about "},
    "pl": {"today": "dzisiaj", "tomorrow": "jutro", "yesterday": "wczoraj", "about": "mniej więcej "},
}


_MONTHS: Mapping[str, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    # Polish dates take the month in the genitive: "6 stycznia 2027".
    "pl": ("stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września",
           "października", "listopada", "grudnia"),
}  # fmt: skip


def long_date(target: date, language: str) -> str:
    """The date in words, as a sentence would write it: "6 January 2027" / "6 stycznia 2027"."""
    _check_language(language)
    return f"{target.day} {_MONTHS[language][target.month - 1]} {target.year}"


def _amount(language: str, count: int, unit: str) -> str:
    forms = _UNITS[language][unit]
    if language == "pl":
        word = polish_plural(count, *forms)
        return word if count == 1 else f"{count} {word}"
    return forms[0] if count == 1 else f"{count} {forms[1]}"


def _phrase(language: str, days: int, amount: str) -> str:
    words = _WORDS[language]
    if days == 0:
        return words["today"]
    if days == 1:
        return words["tomorrow"]
    if days == -1:
        return words["yesterday"]
    if language == "pl":
        return f"za {amount}" if days > 0 else f"{amount} temu"
    return f"in {amount}" if days > 0 else f"{amount} ago"


def _check_language(language: str) -> None:
    if language not in _UNITS:
        raise ValueError(f"no date phrases for language {language!r}")


def days_until(target: date, today: date, language: str) -> str:
    """An exact phrase in days: "in 29 days" / "za 29 dni", "tomorrow" / "jutro", "3 days ago" / "3 dni temu"."""
    _check_language(language)
    days = (target - today).days
    return _phrase(language, days, _amount(language, abs(days), "day"))


def relative(target: date, today: date, language: str) -> str:
    """A rounded phrase: days under two weeks, then weeks ("in about 5 weeks"), then months."""
    _check_language(language)
    days = (target - today).days
    distance = abs(days)
    if distance < _WEEKS_FROM:
        amount = _amount(language, distance, "day")
    elif distance < _MONTHS_FROM:
        weeks = round(distance / 7)
        approximate = _WORDS[language]["about"] if distance % 7 else ""
        amount = approximate + _amount(language, weeks, "week")
    else:
        amount = _WORDS[language]["about"] + _amount(language, round(distance / _DAYS_PER_MONTH), "month")
    return _phrase(language, days, amount)


def _resolve(ref: str, named: Mapping[str, date]) -> date:
    ref = ref.strip()
    if ref in named:
        return named[ref]
    try:
        return date.fromisoformat(ref)
    except ValueError:
        raise DatePlaceholderError(f"unknown date {ref!r}: use YYYY-MM-DD or a catalog date name") from None


def _expand_one(kind: str, argument: str, language: str, today: date, named: Mapping[str, date]) -> str:
    if kind == "after":
        parts = argument.split("|")
        if len(parts) != 3:
            raise DatePlaceholderError(
                f"{{{{after:{argument}}}}} needs a date and two texts: after:DATE|on or after|before"
            )
        return parts[1] if today >= _resolve(parts[0], named) else parts[2]
    target = _resolve(argument, named)
    if kind == "date":
        return target.isoformat()
    if kind == "day":
        return long_date(target, language)
    if kind == "relative":
        return relative(target, today, language)
    return days_until(target, today, language)


def expand(
    text: str, language: str, today: date, named: Mapping[str, date] | None = None, *, strict: bool = True
) -> str:
    """Every date placeholder of `text` filled for `today` in `language`.

    strict=False leaves a broken placeholder as written (a page must not fail on one); tests use strict."""
    _check_language(language)
    dates = named or {}

    def replace(match: re.Match[str]) -> str:
        try:
            return _expand_one(match.group(1), match.group(2), language, today, dates)
        except DatePlaceholderError:
            if strict:
                raise
            return match.group(2).split("|")[0].strip()

    previous = None
    while previous != text and "{{" in text:
        previous, text = text, _PLACEHOLDER.sub(replace, text)
    return text


def references(text: str) -> tuple[str, ...]:
    """The date references a text's placeholders use (ISO dates and catalog names), in order."""
    found = []
    for match in re.finditer(r"\{\{(?:" + "|".join(KINDS) + r"):([^{}|]*)", text):
        found.append(match.group(1).strip())
    return tuple(found)


def catalog_dates(book: Catalog) -> dict[str, date]:
    """The catalog's dated figures by name, for placeholders.

    ``openai.new_jobs_until``, and for every model ``<provider>:<snapshot or alias>.<field>`` where field is
    base_model_retirement, training_retirement or deployment_retirement: ``azure:o4-mini.training_retirement``.
    The catalog is imported for typing only, so this module loads without it."""
    named: dict[str, date] = {"openai.new_jobs_until": book.openai.new_jobs_until.value}
    for entry in book.models:
        for field in ("base_model_retirement", "training_retirement", "deployment_retirement"):
            figure = getattr(entry, field)
            if figure is None:
                continue
            for name in (entry.snapshot, *entry.aliases):
                named.setdefault(f"{entry.provider}:{name}.{field}", figure.value)
    return named
