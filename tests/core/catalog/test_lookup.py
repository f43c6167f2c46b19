"""Model look-up: snapshots, aliases and fine-tuned ids resolve; unknown models list the known ones."""

from __future__ import annotations

import pytest

from finetune_guide.catalog import UnknownModelError, max_tokens_per_example, resolve_model
from tests.support.catalog import book

BOOK = book()


@pytest.mark.parametrize(
    ("model", "limit"),
    [
        ("gpt-4o-mini-2024-07-18", 65_536),
        ("gpt-4o-mini", 65_536),
        ("GPT-4o-mini ", 65_536),
        ("ft:gpt-4o-mini-2024-07-18:my-org::AbC123", 65_536),
        ("ft:gpt-4o-mini-2024-07-18:my-org:custom-suffix:AbC123", 65_536),
        ("gpt-4.1-mini-2025-04-14.ft-0123456789abcdef0123456789abcdef", 65_536),
        ("gpt-4o-2024-08-06", 65_536),
        ("gpt-3.5-turbo", 16_385),
        ("gpt-3.5-turbo-0125", 16_385),
        ("gpt-35-turbo", 16_385),
        ("gpt-3.5-turbo-1106", 16_385),
        ("gpt-3.5-turbo-0613", 4_096),
        ("gpt-3.5-turbo-9999", 16_385),
        ("gpt-4.1-2099-01-01", 65_536),
        ("gpt-5-2025-08-07", 65_536),
        ("some-future-model", 65_536),
    ],
)
def test_max_tokens_per_example_resolves_snapshots_aliases_and_fine_tuned_ids(model: str, limit: int) -> None:
    assert max_tokens_per_example(model) == limit


def test_aliases_resolve_to_the_provider_asked_for() -> None:
    assert resolve_model(BOOK, "gpt-4.1", "azure").key == "azure:gpt-4.1-2025-04-14"
    assert resolve_model(BOOK, "gpt-4.1").key == "openai:gpt-4.1-2025-04-14"


def test_an_unknown_model_lists_the_known_ones() -> None:
    with pytest.raises(UnknownModelError) as raised:
        resolve_model(BOOK, "gpt-9", "azure")
    assert "gpt-4.1-2025-04-14" in raised.value.known
    assert "davinci-002" not in raised.value.known
    assert "gpt-4.1-2025-04-14" in str(raised.value)
