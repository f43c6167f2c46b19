"""Price overrides in a link: malformed text is refused, and any overrides survive the round trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finetune_guide import costs
from finetune_guide.costs import EstimateInputError, parse_overrides


@pytest.mark.parametrize(
    "text",
    ["training", "training=", "training=abc", "=2", "wat=2", "training=-1", "training=nan", "training=1e9"],
)
def test_malformed_overrides_are_refused_with_a_message(text: str) -> None:
    with pytest.raises(EstimateInputError, match="override"):
        parse_overrides(text, costs.PRICE_KEYS)


@given(
    st.dictionaries(
        st.sampled_from(costs.PRICE_KEYS),
        st.floats(min_value=0, max_value=10_000, allow_nan=False),
    )
)
def test_overrides_survive_a_round_trip_through_a_link(overrides: dict[str, float]) -> None:
    assert parse_overrides(costs.format_overrides(overrides), costs.PRICE_KEYS) == overrides


@given(st.text(max_size=60))
def test_any_override_text_parses_or_explains(text: str) -> None:
    try:
        parsed = parse_overrides(text, costs.PRICE_KEYS)
    except EstimateInputError:
        return
    assert set(parsed) <= set(costs.PRICE_KEYS)
    assert all(0 <= v <= costs.MAX_PRICE_USD for v in parsed.values())
