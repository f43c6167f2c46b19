"""Column guessing for tables: a known English or Polish name wins, else the first and second columns."""

from __future__ import annotations

from finetune_guide.datasets.columns import (
    ASSISTANT_NAMES,
    USER_NAMES,
    guess_assistant_column,
    guess_user_column,
)


def test_known_names_are_found_in_any_case_and_with_spaces() -> None:
    assert guess_user_column(["id", " Pytanie "]) == 1
    assert guess_assistant_column(["Question", "id", "ANSWER"]) == 2


def test_every_known_name_is_recognised() -> None:
    for name in USER_NAMES:
        assert guess_user_column(["x", name]) == 1
    for name in ASSISTANT_NAMES:
        assert guess_assistant_column([name, "x"]) == 0


def test_without_a_known_name_the_first_two_columns_are_taken() -> None:
    assert guess_user_column(["a", "b", "c"]) == 0
    assert guess_assistant_column(["a", "b", "c"]) == 1
    assert guess_assistant_column(["only"]) == 0
