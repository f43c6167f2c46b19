"""Resources the same for every session, built once per server process: here, this machine's Local lab."""

from __future__ import annotations

import importlib.util

import streamlit as st

from finetune_guide.lab.service import LabService

LAB_PACKAGES = ("torch", "transformers", "peft", "trl", "accelerate", "datasets")


def lab_stack_installed() -> bool:
    """Whether the training packages are installed; found by name, so the app never imports torch itself."""
    return all(importlib.util.find_spec(name) is not None for name in LAB_PACKAGES)


# cache_resource: the lab is this machine's, the same for every session, and holds no key. Its jobs outlive a
# browser session and a reload; its training runs in a process of its own.
@st.cache_resource(show_spinner=False)
def lab_service() -> LabService:
    return LabService()
