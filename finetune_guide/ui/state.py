"""Every session-state key the app uses, with typed accessors; widget keys are page-namespaced ("page.widget")."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

import streamlit as st

LANGUAGE = "app.language"
DATASETS = "app.datasets"
LESSON_PROGRESS = "learn.progress"

DatasetRole = Literal["train", "validation"]


# Widgets that must not be written back: a chat input's value is a one-off submission (writing it back would send
# the message again on every run), and the language switch decides the language itself.
TRANSIENT_WIDGETS = frozenset({"app.language_switch", "compare.play.input"})


def keep_widget_values(skip: frozenset[str] = TRANSIENT_WIDGETS) -> None:
    """Write every page widget's value back into session state, once per run, before any page draws.

    Streamlit forgets a widget's value when a run does not draw it, so without this whatever a visitor typed on
    one page is gone after a visit to another. Written-back values also make the browser redraw a selectbox or
    radio whose option labels changed with the language; otherwise it shows a stale or empty selection.
    Only plain values are written: buttons (bool), uploads and editors (objects) cannot be set this way.
    """
    for key in list(st.session_state.keys()):
        value = st.session_state[key]
        plain = isinstance(value, str | int | float) and not isinstance(value, bool)
        plain_list = isinstance(value, list | tuple) and all(
            isinstance(item, str | int | float) and not isinstance(item, bool) for item in value
        )
        if isinstance(key, str) and "." in key and key not in skip and (plain or plain_list):
            st.session_state[key] = value


@dataclass(frozen=True, slots=True)
class CurrentDataset:
    """A dataset the visitor loaded in the Dataset studio, handed on to the calculator, jobs and compare pages."""

    name: str
    data: bytes
    sha256: str
    model: str
    method: str


def set_current_dataset(name: str, data: bytes, model: str, method: str, role: DatasetRole = "train") -> CurrentDataset:
    dataset = CurrentDataset(name, data, hashlib.sha256(data).hexdigest(), model, method)
    st.session_state.setdefault(DATASETS, {})[role] = dataset
    return dataset


def current_dataset(role: DatasetRole = "train") -> CurrentDataset | None:
    found = st.session_state.get(DATASETS, {}).get(role)
    return found if isinstance(found, CurrentDataset) else None


def clear_current_dataset(role: DatasetRole = "train") -> None:
    st.session_state.get(DATASETS, {}).pop(role, None)


# Connection and jobs (owned by ui/connection.py and ui/jobs.py). A key lives only in CONNECTION_SETTINGS
# and in the client built from it (CONNECTION_CLIENT), both in this session alone.
CONNECTION_SETTINGS = "connection.settings"
CONNECTION_OPERATOR = "connection.operator"
CONNECTION_SANDBOX = "connection.sandbox"
CONNECTION_CLIENT = "connection.client"
CONNECTION_CHECK = "connection.check"
JOBS_CREATED = "jobs.created"
JOBS_UPLOADS = "jobs.uploads"
JOBS_SELECTED = "jobs.selected"
JOBS_KEPT_FILES = "jobs.kept_files"
JOBS_REPORTS = "jobs.reports"
JOBS_MODELS = "jobs.models"
JOBS_RESULTS = "jobs.results"
JOBS_LAST_STATUS = "jobs.last_status"
JOBS_FLASH = "jobs.flash"
JOBS_OPEN_LIST = "jobs.open_list"


# --- decide page: the answers so far, the wizard's position, and the shared link they came from ---------
DECIDE_ANSWERS = "decide.answers"
DECIDE_STEP = "decide.step"
DECIDE_LINK = "decide.link"
DECIDE_NOTICE = "decide.notice"
DECIDE_WIDGET_PREFIX = "decide.q."


def decide_answers() -> dict[str, str]:
    return dict(st.session_state.get(DECIDE_ANSWERS, {}))


def set_decide_answers(answers: dict[str, str]) -> None:
    st.session_state[DECIDE_ANSWERS] = dict(answers)


def decide_step() -> int:
    return int(st.session_state.get(DECIDE_STEP, 0))


def set_decide_step(step: int) -> None:
    st.session_state[DECIDE_STEP] = max(0, step)


def decide_link() -> str | None:
    """The ?a= value the page last read or wrote, so a link is applied once and not on every rerun."""
    return st.session_state.get(DECIDE_LINK)


def set_decide_link(raw: str | None) -> None:
    st.session_state[DECIDE_LINK] = raw


def decide_notice() -> tuple[str, int] | None:
    """A message to show about the shared link (code, count of ignored parts), until the next start over."""
    return st.session_state.get(DECIDE_NOTICE)


def set_decide_notice(notice: tuple[str, int] | None) -> None:
    st.session_state[DECIDE_NOTICE] = notice


def reset_decide() -> None:
    for key in [key for key in st.session_state if str(key).startswith(DECIDE_WIDGET_PREFIX)]:
        del st.session_state[key]
    for key in (DECIDE_ANSWERS, DECIDE_STEP, DECIDE_LINK, DECIDE_NOTICE):
        st.session_state.pop(key, None)


# Compare page (owned by ui/compare.py): playground history, evaluation run, provider listings, the file read,
# and which model choice the base-model and price widgets were last filled for.
COMPARE_HISTORY = "compare.history"
COMPARE_RUN = "compare.run"
COMPARE_LISTINGS = "compare.listings"
COMPARE_FILES = "compare.files"
COMPARE_CASES = "compare.cases"
COMPARE_FILLED_FOR = "compare.filled_for"


# --- dataset studio (owned by ui/studio.py): the source loaded and the fix previewed, so that a rerun neither
# re-reads nor re-hashes a large file.
STUDIO_LOADED = "studio.loaded"
STUDIO_FIX = "studio.fix"
STUDIO_VIEW = "studio.view"


def update_current_dataset(model: str, method: str, role: DatasetRole = "train") -> None:
    """Change the model and method of a handed-on dataset without hashing its bytes again."""
    found = current_dataset(role)
    if found is not None and (found.model, found.method) != (model, method):
        st.session_state[DATASETS][role] = CurrentDataset(found.name, found.data, found.sha256, model, method)


# --- cost calculator (owned by ui/calculator.py): the link this session last wrote (a shared link differs
# from it), the notice about a restored link, the user's price overrides and the price table's generation
# (a new generation gives st.data_editor a fresh key, which is how Reset clears its edits).
CALCULATOR_LINK = "calculator.link"
CALCULATOR_NOTICE = "calculator.notice"
CALCULATOR_OVERRIDES = "calculator.overrides"
CALCULATOR_EDITOR_GENERATION = "calculator.editor_generation"


def calculator_link() -> dict[str, str] | None:
    found = st.session_state.get(CALCULATOR_LINK)
    return dict(found) if isinstance(found, dict) else None


def set_calculator_link(query: dict[str, str]) -> None:
    st.session_state[CALCULATOR_LINK] = dict(query)


def calculator_overrides() -> dict[str, float]:
    return dict(st.session_state.get(CALCULATOR_OVERRIDES, {}))


def set_calculator_overrides(overrides: dict[str, float]) -> None:
    st.session_state[CALCULATOR_OVERRIDES] = dict(overrides)


def calculator_editor_generation() -> int:
    return int(st.session_state.get(CALCULATOR_EDITOR_GENERATION, 0))


def reset_calculator_overrides() -> None:
    st.session_state[CALCULATOR_OVERRIDES] = {}
    st.session_state[CALCULATOR_EDITOR_GENERATION] = calculator_editor_generation() + 1


def set_calculator_notice(ignored: list[str] | None) -> None:
    st.session_state[CALCULATOR_NOTICE] = ignored


def pop_calculator_notice() -> list[str] | None:
    found = st.session_state.pop(CALCULATOR_NOTICE, None)
    return list(found) if isinstance(found, list) else None
