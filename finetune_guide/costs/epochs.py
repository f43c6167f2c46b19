"""How many epochs a job runs: set by hand, or OpenAI's "auto" rule applied to the example count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from finetune_guide.costs.validation import check_epochs

# OpenAI's default-epochs rule, as its data-preparation cookbook states it: aim for 3 epochs, but keep
# examples × epochs between 100 and 25,000, with 1..25 epochs.
TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25

EpochsRule = Literal["set", "target", "raised_for_few_examples", "lowered_for_many_examples", "no_example_count"]


def default_epochs(examples: int) -> int:
    """The number of epochs OpenAI picks when n_epochs is "auto"."""
    if examples <= 0:
        return TARGET_EPOCHS
    if examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // examples)
    if examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // examples)
    return TARGET_EPOCHS


@dataclass(frozen=True, slots=True)
class EpochsChoice:
    """How many epochs a job runs and which branch of the rule chose it."""

    epochs: int
    rule: EpochsRule
    examples: int | None

    def explain(self) -> str:
        """The reason in plain English (the CLI's `epochs_rule`; the app translates `rule` itself)."""
        n = self.examples
        if self.rule == "set":
            return f"{self.epochs} epochs, set by hand"
        if self.rule == "no_example_count":
            return f"auto: {TARGET_EPOCHS} epochs, OpenAI's target (no example count given to apply the rule)"
        if self.rule == "raised_for_few_examples":
            return (
                f"auto: {self.epochs} epochs, because {n} examples × {TARGET_EPOCHS} "
                f"< {MIN_TARGET_EXAMPLES}: min({MAX_DEFAULT_EPOCHS}, {MIN_TARGET_EXAMPLES} // {n})"
            )
        if self.rule == "lowered_for_many_examples":
            return (
                f"auto: {self.epochs} epochs, because {n} examples × {TARGET_EPOCHS} "
                f"> {MAX_TARGET_EXAMPLES:,}: max({MIN_DEFAULT_EPOCHS}, {MAX_TARGET_EXAMPLES} // {n})"
            )
        return (
            f"auto: {TARGET_EPOCHS} epochs, OpenAI's target "
            f"({n} examples × {TARGET_EPOCHS} is within {MIN_TARGET_EXAMPLES}–{MAX_TARGET_EXAMPLES:,})"
        )


def choose_epochs(examples: int | None, epochs: int | None = None) -> EpochsChoice:
    """Epochs set by hand, or OpenAI's auto rule applied to the example count."""
    if epochs is not None:
        return EpochsChoice(check_epochs(epochs), "set", examples)
    if not examples:
        return EpochsChoice(TARGET_EPOCHS, "no_example_count", examples)
    chosen = default_epochs(examples)
    if examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return EpochsChoice(chosen, "raised_for_few_examples", examples)
    if examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return EpochsChoice(chosen, "lowered_for_many_examples", examples)
    return EpochsChoice(chosen, "target", examples)
