"""Deploying an Azure fine-tuned model: the az command, the ARM REST call, and what hosting costs."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

AZURE_DEPLOY_API_VERSION = "2024-10-21"

HOURS_PER_MONTH = 720

# The catalog's deployment types -> the SKU names the ARM API and az CLI take.
AZURE_DEPLOYMENT_SKUS: Mapping[str, str] = {
    "standard": "Standard",
    "global_standard": "GlobalStandard",
    "developer": "developertier",
}

# Azure's trainingType values -> the catalog's training tiers.
AZURE_TRAINING_TIERS: Mapping[str, str] = {
    "Standard": "standard",
    "GlobalStandard": "global",
    "developerTier": "developer",
}


@dataclass(frozen=True, slots=True)
class DeploymentPlan:
    """How to deploy an Azure fine-tuned model, filled in, with what hosting it costs."""

    model: str
    deployment_name: str
    deployment_type: str
    sku: str
    az_command: str
    rest_url: str
    rest_body: str
    rest_curl: str
    hourly_hosting_usd: float
    monthly_hosting_usd: float
    inactivity_deletion_days: int
    removed_after_hours: int | None


def resource_from_endpoint(endpoint: str) -> str:
    """`https://<resource>.openai.azure.com/…` -> `<resource>`; "" when the address has another shape."""
    match = re.match(r"^https?://([A-Za-z0-9-]+)\.(?:openai|cognitiveservices)\.azure\.com", endpoint.strip())
    return match.group(1) if match else ""


def deployment_name_for(model: str, suffix: str | None = None) -> str:
    """A valid deployment name (letters, digits, - _ .; ≤64) derived from the suffix or the model id."""
    base = suffix or model.split(".ft-", maxsplit=1)[0] + "-ft"
    name = re.sub(r"[^A-Za-z0-9_.\-]+", "-", base).strip("-.") or "fine-tuned"
    return name[:64]


def azure_deployment_plan(
    model: str,
    *,
    hourly_hosting_usd: float,
    inactivity_deletion_days: int,
    developer_deployment_hours: int,
    deployment_type: str = "standard",
    deployment_name: str = "",
    capacity: int = 1,
    subscription_id: str = "",
    resource_group: str = "",
    resource_name: str = "",
) -> DeploymentPlan:
    """The `az` command and ARM REST call that deploy `model`, and what hosting it costs.

    The figures (hourly fee, inactivity deletion, developer-tier lifetime) come from the catalog; a
    developer-tier deployment has no hourly fee and is removed after `developer_deployment_hours`.
    """
    sku = AZURE_DEPLOYMENT_SKUS.get(deployment_type, "Standard")
    name = deployment_name or deployment_name_for(model)
    subscription = subscription_id or "<subscription-id>"
    group = resource_group or "<resource-group>"
    resource = resource_name or "<resource-name>"
    developer = deployment_type == "developer"
    hourly = 0.0 if developer else hourly_hosting_usd
    az = _az_command(group=group, resource=resource, name=name, model=model, sku=sku, capacity=capacity)
    url = (
        f"https://management.azure.com/subscriptions/{subscription}/resourceGroups/{group}"
        f"/providers/Microsoft.CognitiveServices/accounts/{resource}/deployments/{name}"
        f"?api-version={AZURE_DEPLOY_API_VERSION}"
    )
    body = {
        "sku": {"name": sku, "capacity": int(capacity)},
        "properties": {"model": {"format": "OpenAI", "name": model, "version": "1"}},
    }
    rest_body = json.dumps(body, indent=2)
    curl = _arm_curl(url, rest_body)
    return DeploymentPlan(
        model=model,
        deployment_name=name,
        deployment_type=deployment_type,
        sku=sku,
        az_command=az,
        rest_url=url,
        rest_body=rest_body,
        rest_curl=curl,
        hourly_hosting_usd=hourly,
        monthly_hosting_usd=round(hourly * HOURS_PER_MONTH, 2),
        inactivity_deletion_days=inactivity_deletion_days,
        removed_after_hours=developer_deployment_hours if developer else None,
    )


def _az_command(*, group: str, resource: str, name: str, model: str, sku: str, capacity: int) -> str:
    return " \\\n  ".join(
        [
            "az cognitiveservices account deployment create",
            f"--resource-group {shlex.quote(group)}",
            f"--name {shlex.quote(resource)}",
            f"--deployment-name {shlex.quote(name)}",
            f"--model-name {shlex.quote(model)}",
            "--model-version 1",
            "--model-format OpenAI",
            f"--sku-name {shlex.quote(sku)}",
            f"--sku-capacity {int(capacity)}",
        ]
    )


def _arm_curl(url: str, rest_body: str) -> str:
    # The ARM API takes an Entra token, never the resource's API key, so the az CLI fetches one inline.
    return " \\\n  ".join(
        [
            f"curl -X PUT {shlex.quote(url)}",
            '-H "Authorization: Bearer $(az account get-access-token --query accessToken -o tsv)"',
            '-H "Content-Type: application/json"',
            f"-d {shlex.quote(rest_body)}",
        ]
    )
