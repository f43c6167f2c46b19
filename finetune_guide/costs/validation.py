"""What an estimate accepts: bounds past which a number is a typo, and the checks that say so."""

from __future__ import annotations

import math

# The API accepts n_epochs from 1 to 50 (openai-openapi, FineTuneSupervisedHyperparameters).
MIN_EPOCHS = 1
MAX_EPOCHS = 50

# Upper bounds past which a number is a typo, not a plan: they keep the arithmetic and the charts sane.
MAX_TRAINING_TOKENS = 100_000_000_000
MAX_EXAMPLES = 100_000_000
MAX_TOKENS_PER_REQUEST = 10_000_000
MAX_REQUESTS_PER_DAY = 1_000_000_000
MAX_PRICE_USD = 100_000.0
MAX_TRAINING_HOURS = 10_000.0
MAX_MONTHS = 120


class EstimateInputError(ValueError):
    """A number an estimate cannot use; `field` names the input, the message says what to do."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


def check_count(field: str, value: float, *, maximum: float, allow_zero: bool = False) -> int:
    """A whole number within range, or EstimateInputError saying why not."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise EstimateInputError(field, f"{value!r} is not a number; enter a whole number")
    if value != int(value):
        raise EstimateInputError(field, f"{value} is not a whole number")
    if value < 0 or (value == 0 and not allow_zero):
        lowest = 0 if allow_zero else 1
        raise EstimateInputError(field, f"{value:g} is too small; enter {lowest} or more")
    if value > maximum:
        raise EstimateInputError(field, f"{value:,.0f} is implausibly large; the most this accepts is {maximum:,.0f}")
    return int(value)


def check_amount(field: str, value: float, *, maximum: float, allow_zero: bool = True) -> float:
    """A finite, non-negative amount (price, hours) within range, or EstimateInputError."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise EstimateInputError(field, f"{value!r} is not a number; enter an amount such as 2.5")
    if value < 0 or (value == 0 and not allow_zero):
        raise EstimateInputError(field, f"{value:g} is too small; enter an amount above 0")
    if value > maximum:
        raise EstimateInputError(field, f"{value:,.2f} is implausibly large; the most this accepts is {maximum:,.0f}")
    return float(value)


def check_epochs(epochs: float) -> int:
    return check_count("epochs", epochs, maximum=MAX_EPOCHS)
