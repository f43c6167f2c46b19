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


@dataclass(frozen=True, slots=True)
class CurrentDataset:
    """A dataset the visitor loaded in the Dataset studio, handed on to the calculator, jobs and compare pages."""

    name: str
    data: bytes
    sha256: str
    model: str
    method: str


def set_current_dataset(
    name: str, data: bytes, model: str, method: str, role: DatasetRole = "train"
) -> CurrentDataset:
    dataset = CurrentDataset(name, data, hashlib.sha256(data).hexdigest(), model, method)
    st.session_state.setdefault(DATASETS, {})[role] = dataset
    return dataset


def current_dataset(role: DatasetRole = "train") -> CurrentDataset | None:
    found = st.session_state.get(DATASETS, {}).get(role)
    return found if isinstance(found, CurrentDataset) else None


def clear_current_dataset(role: DatasetRole = "train") -> None:
    st.session_state.get(DATASETS, {}).pop(role, None)


# Connection and jobs (owned by ui/connection.py and ui/jobs.py). The key lives only in CONNECTION_SETTINGS.
CONNECTION_SETTINGS = "connection.settings"
CONNECTION_OPERATOR = "connection.operator"
CONNECTION_SANDBOX = "connection.sandbox"
CONNECTION_CLIENT = "connection.client"
CONNECTION_CHECK = "connection.check"
JOBS_CREATED = "jobs.created"
JOBS_UPLOADS = "jobs.uploads"
JOBS_SELECTED = "jobs.selected"


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
