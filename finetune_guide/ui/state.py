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
