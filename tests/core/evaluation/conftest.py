"""Fixtures of the evaluation tests: one trained sandbox for the package, as the runs need a fine-tuned model."""

from __future__ import annotations

import openai
import pytest

from tests.support.evaluation import trained_sandbox


@pytest.fixture(scope="package")
def sandbox() -> tuple[openai.OpenAI, str, str]:
    return trained_sandbox()
