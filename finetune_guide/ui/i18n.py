"""t(): the one way a page gets a string in the visitor's language."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import streamlit as st

from finetune_guide import i18n
from finetune_guide.ui import state


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


def t(key: str, **values: object) -> str:
    """The string for "namespace.key" in the current language, with {placeholders} filled."""
    return i18n.translate(_strings(current_language()), key, **values)
