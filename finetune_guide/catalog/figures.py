"""The catalog's vocabulary and its unit of truth: a figure with the date and source it comes from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Generic, Literal, TypeVar

Provider = Literal["openai", "azure"]
Status = Literal["verified", "third_party", "unverified", "example", "derived"]
PROVIDERS: tuple[Provider, ...] = ("openai", "azure")
STATUSES: tuple[Status, ...] = ("verified", "third_party", "unverified", "example", "derived")
METHODS: tuple[str, ...] = ("sft", "dpo", "vision", "rft", "completions")
# OpenAI has one training tier; it is stored as "standard" so every model reads the same way.
TIERS: tuple[str, ...] = ("standard", "global", "developer")
DEPLOYMENT_TYPES: tuple[str, ...] = ("standard", "global_standard", "developer")
TOKEN_KINDS: tuple[str, ...] = ("input", "cached_input", "output")

T = TypeVar("T")


class CatalogError(ValueError):
    """The catalog file breaks its contract (a figure without a source or date, an unknown key...)."""


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Figure(Generic[T]):
    """One fact the app teaches, with the date its source states and how sure we are of it."""

    value: T
    as_of: date
    source: str
    status: Status = "verified"
    note: str = ""

    @property
    def flagged(self) -> bool:
        """True when the figure is not checked against a primary source and the UI must say so."""
        return self.status != "verified"
