"""The provider factory: one place builds sandbox, OpenAI and Azure OpenAI clients; keys stay masked."""

from __future__ import annotations

from collections.abc import Callable

import httpx2
import openai
import pytest
from hypothesis import given
from hypothesis import strategies as st

from finetune_guide.providers import (
    OPENAI_BASE_URL,
    ConnectionCheck,
    ProviderConfigError,
    ProviderSettings,
    build_client,
    masked,
    scrub,
    test_connection,
    training_extra_body,
)
from finetune_guide.sandbox import SandboxService

KEY = "sk-proj-SECRETsecretSECRET1234"
AZURE_KEY = "0123456789abcdef0123456789abcdef"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret-token-body"


# --- masking ------------------------------------------------------------------------------------------------


def test_masked_shows_only_the_public_prefix_and_last_four() -> None:
    assert masked(KEY) == "sk-…1234"
    assert masked(AZURE_KEY) == "…cdef"
    assert masked("") == ""
    assert masked("short") == "…"


@given(st.text(min_size=1))
def test_masked_never_reveals_more_than_four_characters_of_a_secret(secret: str) -> None:
    shown = masked(secret).removeprefix("sk-").replace("…", "")
    assert len(shown) <= 4
    if len(secret) >= 12:
        assert shown == secret[-4:]


def test_settings_repr_masks_both_secrets() -> None:
    settings = ProviderSettings(
        kind="azure", api_key=AZURE_KEY, azure_ad_token=TOKEN, azure_endpoint="https://r.openai.azure.com"
    )
    for text in (repr(settings), str(settings), f"{settings}", str([settings])):
        assert AZURE_KEY not in text and TOKEN not in text
        assert "…cdef" in text and "https://r.openai.azure.com" in text


def test_scrub_removes_given_secrets_and_key_shaped_text() -> None:
    text = f"Incorrect API key provided: {KEY}. Token {TOKEN}. Other sk-abcdefghijklmnop9999."
    cleaned = scrub(text, KEY, TOKEN)
    assert KEY not in cleaned and TOKEN not in cleaned and "sk-abcdefghijklmnop9999" not in cleaned
    assert "sk-…1234" in cleaned and "sk-…9999" in cleaned


# --- building clients ---------------------------------------------------------------------------------------


def test_the_default_settings_build_an_in_process_sandbox_client() -> None:
    service = SandboxService(speed="instant")
    client = build_client(ProviderSettings(), sandbox=service)
    assert type(client).__mro__[1] is openai.OpenAI
    stored = client.files.create(file=("train.jsonl", b"{}\n"), purpose="fine-tune")
    assert client.files.retrieve(stored.id).id == stored.id
    # without a session service, each client gets a fresh private one
    assert list(build_client(ProviderSettings()).files.list()) == []


def test_an_openai_client_uses_the_key_organisation_project_and_base_url() -> None:
    client = build_client(
        ProviderSettings(kind="openai", api_key=KEY, organization="org-1", project="proj_1"),
        timeout_s=12,
        max_retries=5,
    )
    assert not isinstance(client, openai.AzureOpenAI)
    assert (client.api_key, client.organization, client.project) == (KEY, "org-1", "proj_1")
    assert str(client.base_url) == OPENAI_BASE_URL + "/"
    assert client.timeout == 12 and client.max_retries == 5
    gateway = build_client(ProviderSettings(kind="openai", api_key=KEY, base_url="https://gateway.example/v1"))
    assert str(gateway.base_url) == "https://gateway.example/v1/"


def test_an_azure_endpoint_builds_an_azure_client_with_key_or_entra_token() -> None:
    with_key = build_client(
        ProviderSettings(kind="azure", api_key=AZURE_KEY, azure_endpoint="https://r.openai.azure.com/")
    )
    assert isinstance(with_key, openai.AzureOpenAI)
    assert str(with_key.base_url) == "https://r.openai.azure.com/openai/"
    assert with_key._api_version == "2025-04-01-preview"
    with_token = build_client(
        ProviderSettings(
            kind="azure",
            azure_ad_token=TOKEN,
            azure_endpoint="https://r.openai.azure.com",
            api_version="2024-10-21",
        )
    )
    assert isinstance(with_token, openai.AzureOpenAI)
    assert with_token._azure_ad_token == TOKEN and with_token._api_version == "2024-10-21"


def test_an_azure_v1_base_url_builds_an_openai_shaped_client() -> None:
    client = build_client(
        ProviderSettings(kind="azure", api_key=AZURE_KEY, base_url="https://r.openai.azure.com/openai/v1/")
    )
    assert not isinstance(client, openai.AzureOpenAI)
    assert str(client.base_url) == "https://r.openai.azure.com/openai/v1/"
    assert client.api_key == AZURE_KEY


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        (ProviderSettings(kind="openai"), "api_key"),
        (ProviderSettings(kind="openai", api_key="   "), "api_key"),
        (ProviderSettings(kind="openai", api_key=KEY, base_url="api.openai.com"), "base_url"),
        (
            ProviderSettings(kind="openai", api_key=KEY, base_url=f"https://x.example/v1?key={KEY}"),
            "base_url",
        ),
        (
            ProviderSettings(kind="openai", api_key=KEY, base_url=f"https://user:{KEY}@x.example/v1"),
            "base_url",
        ),
        (ProviderSettings(kind="azure", azure_endpoint="https://r.openai.azure.com"), "api_key"),
        (ProviderSettings(kind="azure", api_key=AZURE_KEY), "azure_endpoint"),
        (
            ProviderSettings(kind="azure", api_key=AZURE_KEY, azure_ad_token=TOKEN, azure_endpoint="https://r"),
            "azure_ad_token",
        ),
        (
            ProviderSettings(kind="azure", api_key=AZURE_KEY, azure_endpoint="https://r", api_version=""),
            "api_version",
        ),
        (
            ProviderSettings(
                kind="azure", api_key=AZURE_KEY, azure_endpoint="https://r", base_url="https://r/openai/v1/"
            ),
            "base_url",
        ),
        (
            ProviderSettings(kind="azure", api_key=AZURE_KEY, azure_endpoint="https://r", training_type="Cheap"),
            "training_type",
        ),
        (ProviderSettings(kind="bogus"), "kind"),  # type: ignore[arg-type]
    ],
)
def test_incomplete_settings_name_the_field_to_fix_without_echoing_secrets(
    settings: ProviderSettings, field: str
) -> None:
    with pytest.raises(ProviderConfigError) as error:
        build_client(settings)
    assert error.value.code == field
    assert str(error.value)
    for secret in (KEY, AZURE_KEY, TOKEN):
        assert secret not in str(error.value)


def test_the_environment_never_supplies_credentials_or_routing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "OPENAI_API_KEY": "sk-operator-key-000000000000",
        "OPENAI_ORG_ID": "org-operator",
        "OPENAI_PROJECT_ID": "proj_operator",
        "OPENAI_ADMIN_KEY": "sk-admin-operator-00000000",
        "OPENAI_BASE_URL": "https://operator.example/v1",
        "OPENAI_WEBHOOK_SECRET": "whsec_operator",
        "AZURE_OPENAI_API_KEY": "operator-azure-key",
        "AZURE_OPENAI_AD_TOKEN": "operator-token",
        "AZURE_OPENAI_ENDPOINT": "https://operator.openai.azure.com",
        "OPENAI_API_VERSION": "2023-01-01",
    }.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ProviderConfigError):
        build_client(ProviderSettings(kind="openai"))
    with pytest.raises(ProviderConfigError):
        build_client(ProviderSettings(kind="azure"))
    clients = [
        build_client(ProviderSettings(kind="openai", api_key=KEY)),
        build_client(ProviderSettings(kind="azure", api_key=AZURE_KEY, azure_endpoint="https://mine.openai.azure.com")),
        build_client(ProviderSettings()),
    ]
    for client in clients:
        for copy in (client, client.with_options(max_retries=0), client.copy(timeout=3)):
            assert copy.organization is None and copy.project is None
            assert copy.admin_api_key is None and copy.webhook_secret is None
            assert "operator" not in str(copy.base_url)
    assert clients[0].api_key == KEY
    assert isinstance(clients[1], openai.AzureOpenAI)
    assert clients[1]._azure_ad_token is None and clients[1]._api_version == "2025-04-01-preview"


def test_training_extra_body_carries_the_azure_tier_only() -> None:
    azure = ProviderSettings(kind="azure", api_key=AZURE_KEY, azure_endpoint="https://r", training_type="developerTier")
    assert training_extra_body(azure) == {"trainingType": "developerTier"}
    assert training_extra_body(ProviderSettings(kind="openai", api_key=KEY, training_type="Standard")) == {}
    assert training_extra_body(ProviderSettings(kind="azure", api_key=AZURE_KEY, azure_endpoint="https://r")) == {}


# --- the connection test ------------------------------------------------------------------------------------


def fake_client(answer: Callable[[httpx2.Request], httpx2.Response]) -> openai.OpenAI:
    return openai.OpenAI(
        api_key=KEY,
        base_url="https://api.example/v1",
        http_client=httpx2.Client(transport=httpx2.MockTransport(answer)),
    )


def test_a_working_connection_says_so() -> None:
    check = test_connection(build_client(ProviderSettings(), sandbox=SandboxService()))
    assert isinstance(check, ConnectionCheck)
    assert check.ok and check.code == "connected" and "models visible" in check.detail


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (401, "unauthorized"),
        (403, "forbidden"),
        (404, "not_found"),
        (429, "rate_limited"),
        (500, "server_error"),
        (418, "http_error"),
    ],
)
def test_a_failing_connection_names_the_problem_without_the_key(status: int, code: str) -> None:
    calls: list[httpx2.Request] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        calls.append(request)
        return httpx2.Response(
            status,
            json={"error": {"message": f"Incorrect API key provided: {KEY}", "code": "x"}},
            headers={"x-request-id": "req_1"},
        )

    check = test_connection(fake_client(answer))
    assert (check.ok, check.code) == (False, code)
    assert KEY not in check.detail and "sk-…1234" in check.detail
    assert f"HTTP {status}" in check.detail and "req_1" in check.detail
    assert len(calls) == 1  # no retries: a connection test answers quickly


@pytest.mark.parametrize(
    ("failure", "code"),
    [(httpx2.ConnectError("refused"), "unreachable"), (httpx2.ReadTimeout("slow"), "timeout")],
)
def test_network_failures_are_reported_not_raised(failure: Exception, code: str) -> None:
    def answer(request: httpx2.Request) -> httpx2.Response:
        raise failure

    check = test_connection(fake_client(answer))
    assert (check.ok, check.code) == (False, code)
    assert KEY not in check.detail
