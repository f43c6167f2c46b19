"""Figures: each carries the status the reference gives it, and anything short of verified is flagged."""

from __future__ import annotations

from datetime import date

import pytest

from finetune_guide.catalog import resolve_model
from tests.support.catalog import book

BOOK = book()


@pytest.mark.parametrize(
    ("provider", "snapshot", "key", "status"),
    [
        ("openai", "gpt-4o-mini-2024-07-18", "training_per_1m_usd.standard", "third_party"),
        ("openai", "gpt-4o-2024-08-06", "finetuned_per_1m_usd.cached_input", "unverified"),
        ("openai", "gpt-4.1-2025-04-14", "training_per_1m_usd.standard", "unverified"),
        ("openai", "gpt-4.1-mini-2025-04-14", "max_tokens_per_example", "unverified"),
        ("openai", "gpt-3.5-turbo-0125", "training_per_1m_usd.standard", "verified"),
        ("openai", "o4-mini-2025-04-16", "training_per_hour_usd.standard", "verified"),
        ("openai", "o4-mini-2025-04-16", "base_model_retirement", "third_party"),
        ("azure", "gpt-4.1-2025-04-14", "training_per_1m_usd.global", "example"),
        ("azure", "gpt-4o-mini-2024-07-18", "training_retirement", "verified"),
    ],
)
def test_figures_carry_the_status_the_reference_gives_them(provider: str, snapshot: str, key: str, status: str) -> None:
    entry = resolve_model(BOOK, snapshot, provider)
    assert entry.figures()[key].status == status
    assert entry.figures()[key].flagged == (status != "verified")


def test_the_openai_wind_down_date_is_dated_and_verified() -> None:
    # OpenAI's own deprecations page confirms 2027-01-06 (issue 17); only the 2026-10-23 shutdowns stay "reported".
    rule = BOOK.openai.new_jobs_until
    assert rule.value == date(2027, 1, 6)
    assert rule.status == "verified"
    assert rule.source == "openai-deprecations"
