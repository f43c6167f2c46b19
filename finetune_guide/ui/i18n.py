"""t(): the one way a page gets a string in the visitor's language."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

import streamlit as st

from finetune_guide import i18n, relative_dates
from finetune_guide.ui import state

_LOG = logging.getLogger(__name__)


# cache_resource, not cache_data: the catalog is the same for everyone and read-only, and cache_data would copy
# all of it on each of the thousands of t() calls a page makes.
@st.cache_resource(show_spinner=False)
def _strings(language: str) -> Mapping[str, str]:
    return MappingProxyType(i18n.load_strings(language))


def current_language() -> str:
    """The session's language, chosen once from ?lang=, else the browser locale, else English."""
    chosen = st.session_state.get(state.LANGUAGE)
    if chosen in i18n.LANGUAGES:
        return str(chosen)
    language = (
        i18n.normalise_language(st.query_params.get("lang"))
        or i18n.normalise_language(st.context.locale)
        or i18n.DEFAULT_LANGUAGE
    )
    st.session_state[state.LANGUAGE] = language
    return language


def set_language(language: str) -> None:
    if language in i18n.LANGUAGES:
        st.session_state[state.LANGUAGE] = language
        st.query_params["lang"] = language


@st.cache_resource(show_spinner=False)
def _catalog_dates() -> Mapping[str, date]:
    """The catalog's dates by name, for {{date:...}} placeholders; empty (dates shown as written) if it fails."""
    try:
        from finetune_guide.catalog import load_catalog  # noqa: PLC0415 - only pages with dated text need it

        return MappingProxyType(relative_dates.catalog_dates(load_catalog()))
    except Exception:  # a broken catalog must not take every page down with it
        _LOG.exception("the price catalog could not be read for date placeholders")
        return MappingProxyType({})


def dated(text: str, language: str | None = None) -> str:
    """Text with its date placeholders ({{relative:2027-01-06}}, ...) filled for today, in the visitor's language."""
    if "{{" not in text:
        return text
    named = _catalog_dates() if any(not _is_iso(ref) for ref in relative_dates.references(text)) else {}
    return relative_dates.expand(text, language or current_language(), date.today(), named, strict=False)


def _is_iso(ref: str) -> bool:
    try:
        date.fromisoformat(ref)
    except ValueError:
        return False
    return True


def t(key: str, **values: object) -> str:
    """The string for "namespace.key" in the current language, with date placeholders and {placeholders} filled.

    Dates first: "{{relative:...}}" would otherwise lose a brace to str.format."""
    strings = _strings(current_language())
    raw = strings.get(key)
    if raw is None or "{{" not in raw:
        return i18n.translate(strings, key, **values)
    return i18n.translate({key: dated(raw)}, key, **values)
