"""The epochs rule: OpenAI's cookbook examples, which branch chose, and the range the API accepts."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finetune_guide import costs
from finetune_guide.costs import EstimateInputError, choose_epochs, default_epochs


@pytest.mark.parametrize(("examples", "epochs"), [(5, 20), (10, 10), (33, 3), (34, 3), (10_000, 2), (40_000, 1)])
def test_default_epochs_follow_the_cookbook_examples(examples: int, epochs: int) -> None:
    assert default_epochs(examples) == epochs


def test_the_epochs_rule_says_which_branch_chose() -> None:
    assert choose_epochs(5).rule == "raised_for_few_examples"
    assert choose_epochs(500).rule == "target"
    assert choose_epochs(10_000).rule == "lowered_for_many_examples"
    assert choose_epochs(None).rule == "no_example_count"
    assert choose_epochs(5, 7) == costs.EpochsChoice(7, "set", 5)
    assert "100 // 5" in choose_epochs(5).explain()


@given(st.integers(min_value=1, max_value=10_000_000))
def test_default_epochs_stay_within_1_and_25(examples: int) -> None:
    assert 1 <= default_epochs(examples) <= 25


@pytest.mark.parametrize("bad", [0, -1, 51, 2.5, math.nan, math.inf])
def test_epochs_outside_1_to_50_are_refused(bad: float) -> None:
    with pytest.raises(EstimateInputError, match="epochs"):
        choose_epochs(100, bad)  # type: ignore[arg-type]
