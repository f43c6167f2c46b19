"""What a model call costs: catalog prices per 1M tokens, the cost of a call, and prompt tokens."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from finetune_guide import catalog as price_catalog
from finetune_guide import tokens
from finetune_guide.sandbox.replies import content_text

TOKENS_PER_MILLION = 1_000_000


@dataclass(frozen=True, slots=True)
class Price:
    """Per-1M-token prices a model is billed at; None where the catalog has no figure and none was entered."""

    input_per_1m_usd: float | None = None
    output_per_1m_usd: float | None = None
    as_of: str = ""
    flagged: bool = False  # the catalog figure is not checked against a primary source

    @property
    def known(self) -> bool:
        return self.input_per_1m_usd is not None and self.output_per_1m_usd is not None


UNKNOWN_PRICE = Price()


def catalog_price(
    book: price_catalog.Catalog, base_model: str, *, fine_tuned: bool, provider: str | None = None
) -> Price:
    """The catalog's inference price for a base model, or for a model fine-tuned from it."""
    entry = price_catalog.find_model(book, base_model, provider) or price_catalog.find_model(book, base_model)
    if entry is None:
        return UNKNOWN_PRICE
    table = entry.finetuned_per_1m_usd if fine_tuned else entry.base_per_1m_usd
    tokens_in, tokens_out = table.get("input"), table.get("output")
    if tokens_in is None or tokens_out is None:
        return UNKNOWN_PRICE
    return Price(
        tokens_in.value,
        tokens_out.value,
        as_of=max(tokens_in.as_of, tokens_out.as_of).isoformat(),
        flagged=tokens_in.flagged or tokens_out.flagged,
    )


def call_cost_usd(input_tokens: int | None, output_tokens: int | None, price: Price) -> float | None:
    if not price.known or input_tokens is None or output_tokens is None:
        return None
    assert price.input_per_1m_usd is not None and price.output_per_1m_usd is not None
    return (input_tokens * price.input_per_1m_usd + output_tokens * price.output_per_1m_usd) / TOKENS_PER_MILLION


def prompt_tokens(messages: Sequence[Mapping[str, Any]], model: str, tools: Sequence[Any] = ()) -> int:
    """Input tokens as the OpenAI cookbook counts them: 3 per message plus its text, 3 to prime the reply."""
    encoding = tokens.encoding_name_for_model(model)
    total = 3
    for message in messages:
        total += 3
        for key, value in message.items():
            text = content_text(value) if key == "content" else value if isinstance(value, str) else ""
            if key == "tool_calls" and value:
                text = json.dumps(value, ensure_ascii=False)
            if text:
                total += tokens.count_tokens(text, encoding)
            if key == "name":
                total += 1
    if tools:
        total += tokens.count_tokens(json.dumps(list(tools), ensure_ascii=False), encoding)
    return total
