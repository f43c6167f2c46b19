"""Availability dates: OpenAI takes jobs from existing customers until its wind-down, Azure until retirement."""

from __future__ import annotations

from datetime import date

from finetune_guide.catalog import availability, resolve_model
from tests.support.catalog import NOV_2026, book

BOOK = book()


def test_openai_training_is_for_existing_customers_only_until_2027_01_06() -> None:
    entry = resolve_model(BOOK, "gpt-4o-mini")
    found = availability(BOOK, entry, NOV_2026)
    assert found.state == "existing_customers_only"
    assert found.new_jobs_until == date(2027, 1, 6)
    assert "existing customers only, until 2027-01-06" in found.summary("openai")
    assert availability(BOOK, entry, date(2027, 1, 6)).state == "closed"


def test_openai_models_past_their_base_model_retirement_take_no_new_jobs() -> None:
    entry = resolve_model(BOOK, "gpt-4.1-nano")
    assert availability(BOOK, entry, NOV_2026).state == "closed"
    assert availability(BOOK, entry, date(2026, 10, 1)).state == "existing_customers_only"


def test_azure_training_is_for_existing_customers_until_its_retirement_date() -> None:
    # FACTS §0.1 item 6: Microsoft's schedule keeps these models' fine-tuning for existing customers only.
    entry = resolve_model(BOOK, "gpt-4o", "azure")
    assert availability(BOOK, entry, NOV_2026).state == "existing_customers_only"
    assert "until at least 2027-04-01" in availability(BOOK, entry, NOV_2026).summary("azure")
    assert availability(BOOK, entry, date(2027, 4, 1)).state == "closed"
    assert availability(BOOK, entry, NOV_2026).deployment_retirement == date(2027, 10, 1)
