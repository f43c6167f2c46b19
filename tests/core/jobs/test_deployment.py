"""jobs.deployment: the Azure deployment plan and its hosting cost."""

from __future__ import annotations

import json

from finetune_guide import jobs
from tests.support.jobs import AZURE_KEY


def test_azure_deployment_plan_fills_in_the_model_and_costs_the_hours() -> None:
    model = f"gpt-4.1-mini-2025-04-14.ft-{AZURE_KEY}"
    plan = jobs.azure_deployment_plan(
        model,
        hourly_hosting_usd=1.7,
        inactivity_deletion_days=15,
        developer_deployment_hours=24,
        resource_group="rg",
        resource_name="res",
        subscription_id="sub",
    )
    assert "az cognitiveservices account deployment create" in plan.az_command
    assert f"--model-name {model}" in plan.az_command
    assert json.loads(plan.rest_body)["properties"]["model"]["name"] == model
    assert plan.rest_url.startswith("https://management.azure.com/subscriptions/sub/resourceGroups/rg/")
    assert (plan.hourly_hosting_usd, plan.monthly_hosting_usd, plan.inactivity_deletion_days) == (
        1.7,
        1224.0,
        15,
    )
    developer = jobs.azure_deployment_plan(
        model,
        hourly_hosting_usd=1.7,
        inactivity_deletion_days=15,
        developer_deployment_hours=24,
        deployment_type="developer",
    )
    assert (developer.sku, developer.hourly_hosting_usd, developer.removed_after_hours) == (
        "developertier",
        0.0,
        24,
    )


def test_deployment_names_are_valid_for_any_suffix() -> None:
    assert jobs.deployment_name_for("gpt-4.1-2025-04-14.ft-abc") == "gpt-4.1-2025-04-14-ft"
    assert jobs.deployment_name_for("m", "my model/é!") == "my-model"
