"""evaluation.chat: what a chat request sends to each model family."""

from __future__ import annotations

import pytest

from finetune_guide import evaluation as ev


@pytest.mark.parametrize(
    ("model", "accepts"),
    [
        ("gpt-4o-mini-2024-07-18", True),
        ("ft:gpt-4.1-mini-2025-04-14:org::abc", True),
        ("o4-mini-2025-04-16", False),
        ("ft:o4-mini-2025-04-16:org:rft:xyz", False),
        ("gpt-5", False),
    ],
)
def test_reasoning_models_get_no_temperature(model: str, accepts: bool) -> None:
    assert ev.accepts_temperature(model) is accepts
