"""Input checks: any number is accepted within range or refused with a message naming the field."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from finetune_guide import costs
from finetune_guide.costs import EstimateInputError


@given(st.one_of(st.floats(), st.integers(min_value=-(10**20), max_value=10**20)))
def test_check_count_accepts_or_explains_any_number(value: float) -> None:
    try:
        result = costs.check_count("n", value, maximum=1000)
    except EstimateInputError as error:
        assert str(error).startswith("n: ")
    else:
        assert 1 <= result <= 1000
