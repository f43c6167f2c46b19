"""This browser session's connection: settings, its own sandbox, its own client, and the sidebar status."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import openai
import streamlit as st

from finetune_guide import providers
from finetune_guide.providers import ProviderSettings, masked
from finetune_guide.sandbox import SCENARIOS, SPEEDS, SandboxService
from finetune_guide.ui import cache, state
from finetune_guide.ui.i18n import t

OPERATOR_FLAG = "FINETUNE_GUIDE_ALLOW_OPERATOR_CREDENTIALS"
CONNECT_PAGE = "app_pages/connect.py"


def operator_settings(env: Mapping[str, str], secrets: Mapping[str, object]) -> ProviderSettings | None:
    """Credentials the operator provides, only if the operator opted in.

    Environment variables win over `st.secrets` (sections [openai] and [azure], as in
    .streamlit/secrets.toml.example); Azure wins over OpenAI.

    Off by default: on a shared server, a key in the environment would otherwise be spent by every visitor.
    """
    if env.get(OPERATOR_FLAG, "").strip() != "1":
        return None

    def value(variable: str, section: str, name: str) -> str:
        table = secrets.get(section)
        found = env.get(variable) or (table.get(name) if isinstance(table, Mapping) else None) or ""
        return found.strip() if isinstance(found, str) else ""

    endpoint = value("AZURE_OPENAI_ENDPOINT", "azure", "endpoint")
    azure_key = value("AZURE_OPENAI_API_KEY", "azure", "api_key")
    azure_token = value("AZURE_OPENAI_AD_TOKEN", "azure", "azure_ad_token")
    if endpoint and (azure_key or azure_token):
        return ProviderSettings(
            kind="azure",
            api_key=azure_key,
            azure_ad_token="" if azure_key else azure_token,
            azure_endpoint=endpoint,
            api_version=value("OPENAI_API_VERSION", "azure", "api_version") or providers.DEFAULT_AZURE_API_VERSION,
            training_type=value("FINETUNE_GUIDE_AZURE_TRAINING_TYPE", "azure", "training_type"),
        )
    openai_key = value("OPENAI_API_KEY", "openai", "api_key")
    if openai_key:
        return ProviderSettings(
            kind="openai",
            api_key=openai_key,
            organization=value("OPENAI_ORG_ID", "openai", "organization"),
            project=value("OPENAI_PROJECT_ID", "openai", "project"),
            base_url=value("OPENAI_BASE_URL", "openai", "base_url"),
        )
    return None


def _secrets() -> Mapping[str, object]:
    try:
        return dict(st.secrets)
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return {}


def settings() -> ProviderSettings:
    """The session's connection; on first use the operator's (if enabled), else the sandbox."""
    current = st.session_state.get(state.CONNECTION_SETTINGS)
    if isinstance(current, ProviderSettings):
        return current
    operator = operator_settings(os.environ, _secrets()) if os.environ.get(OPERATOR_FLAG) == "1" else None
    chosen = operator or ProviderSettings(kind="sandbox")
    st.session_state[state.CONNECTION_SETTINGS] = chosen
    st.session_state[state.CONNECTION_OPERATOR] = operator is not None
    return chosen


def uses_operator_credentials() -> bool:
    settings()
    return bool(st.session_state.get(state.CONNECTION_OPERATOR))


def connect(new: ProviderSettings) -> None:
    """Switch this session to `new`; the previous client (and its key) is dropped."""
    st.session_state[state.CONNECTION_SETTINGS] = new
    st.session_state[state.CONNECTION_OPERATOR] = False
    st.session_state.pop(state.CONNECTION_CLIENT, None)
    st.session_state.pop(state.CONNECTION_CHECK, None)


def disconnect() -> None:
    """Forget the key (and operator credentials, for this session) and go back to the sandbox."""
    connect(ProviderSettings(kind="sandbox"))
    st.session_state[state.CONNECTION_CHECK] = ("disconnected", "", "")
    for key in list(st.session_state):
        # Password widgets hold what was typed; drop them too so nothing of the key stays behind.
        if isinstance(key, str) and key.startswith("connect.") and key.endswith(("_key", "_token")):
            del st.session_state[key]


def sandbox_service() -> SandboxService:
    """This browser session's own sandbox: its files and jobs are invisible to every other session."""
    service = st.session_state.get(state.CONNECTION_SANDBOX)
    if not isinstance(service, SandboxService):
        service = SandboxService()
        st.session_state[state.CONNECTION_SANDBOX] = service
    return service


def get_client() -> openai.OpenAI:
    """The client for this session's connection, built here and kept in this session only (never st.cache_*).

    Raises providers.ProviderConfigError when the settings cannot make a client.
    """
    current = settings()
    built = st.session_state.get(state.CONNECTION_CLIENT)
    if isinstance(built, tuple) and len(built) == 2 and built[0] == current:
        return built[1]
    client = _build(current)
    st.session_state[state.CONNECTION_CLIENT] = (current, client)
    return client


def _build(settings: ProviderSettings) -> openai.OpenAI:
    sandbox = sandbox_service() if settings.kind == "sandbox" else None
    lab = None
    if settings.kind == "local" and not settings.base_url:
        lab = cache.lab_service().tenant() if cache.lab_stack_installed() else None
    return providers.build_client(settings, sandbox=sandbox, lab=lab)


def secrets() -> tuple[str, ...]:
    """This session's secrets, for scrubbing any text before it is shown."""
    current = settings()
    return tuple(s for s in (current.api_key, current.azure_ad_token) if s)


def fingerprint() -> str:
    """Which account this session talks to, without the secret: keys the session's job ids and uploads."""
    current = settings()
    if current.kind == "sandbox":
        return "sandbox"
    if current.kind == "local":
        return f"local|{current.base_url}|{current.api_key}"
    where = current.azure_endpoint or current.base_url
    return f"{current.kind}|{where}|{masked(current.api_key or current.azure_ad_token)}"


def labels(options: Iterable[Any], make: Callable[[Any], str]) -> Callable[[Any], str]:
    """A format_func with its labels fixed now, in this run's language.

    Streamlit may call a format_func outside the script run (to check a widget's value), where a lazy t()
    would no longer know the session's language.
    """
    table = {option: make(option) for option in options}
    return lambda option: table.get(option, str(option))


def provider_label(kind: str) -> str:
    return t(f"connect.kind.{kind}")


def connection_label(current: ProviderSettings) -> str:
    """The provider as the visitor knows it: a lab server is not "this computer"."""
    if current.kind == "local" and current.base_url:
        return t("connect.kind_local_server", url=current.base_url)
    return provider_label(current.kind)


def key_summary(current: ProviderSettings) -> str:
    """'sk-…abcd' or the Entra token masked; the only form a key is ever shown in."""
    if current.kind in providers.FREE_KINDS:
        return t("connect.no_key_needed")
    if current.azure_ad_token and not current.api_key:
        return t("connect.entra_token", token=masked(current.azure_ad_token))
    return masked(current.api_key)


def connection_status() -> None:
    """Sidebar: which provider this session talks to and its key, masked (the Connect page changes it)."""
    current = settings()
    st.caption(t("connect.status_title"))
    icon = {"sandbox": ":material/science:", "local": ":material/memory:"}.get(current.kind, ":material/key:")
    st.markdown(f"{icon} **{connection_label(current)}**")
    st.caption(key_summary(current))
    if uses_operator_credentials():
        st.caption(t("connect.operator_in_use"))
    st.page_link(CONNECT_PAGE, label=t("connect.status_change"), icon=":material/settings:")


# --- the connect page's forms ---------------------------------------------------------------------------
# Submits run in callbacks: they can clear the password widgets before the page is drawn again, so a typed
# key is never sent back to the browser.

SECRET_WIDGETS = ("connect.openai_key", "connect.azure_key", "connect.azure_token")


def _typed(key: str) -> str:
    value = st.session_state.get(key, "")
    return value.strip() if isinstance(value, str) else ""


def _kept_secret(kind: str, typed: str, field: str) -> str:
    """What was typed, or the secret already held for this provider when the field was left blank."""
    if typed:
        return typed
    current = settings()
    return str(getattr(current, field)) if current.kind == kind else ""


def _submit(new: ProviderSettings) -> None:
    try:
        client = _build(new)
    except providers.ProviderConfigError as error:
        # Keep what was typed so the visitor fixes one field instead of typing everything again.
        st.session_state[state.CONNECTION_CHECK] = ("config", error.code, "")
        return
    for key in SECRET_WIDGETS:
        st.session_state[key] = ""
    connect(new)
    st.session_state[state.CONNECTION_CLIENT] = (new, client)
    run_check(client)


def run_check(client: openai.OpenAI | None = None) -> None:
    """Test the connection and keep the outcome for the page to show."""
    check = providers.test_connection(client or get_client())
    st.session_state[state.CONNECTION_CHECK] = ("check", check.code, check.detail)


def submit_openai() -> None:
    _submit(
        ProviderSettings(
            kind="openai",
            api_key=_kept_secret("openai", _typed("connect.openai_key"), "api_key"),
            organization=_typed("connect.openai_org"),
            project=_typed("connect.openai_project"),
            base_url=_typed("connect.openai_base_url"),
        )
    )


def submit_azure() -> None:
    with_token = st.session_state.get("connect.azure_auth") == "token"
    key = "" if with_token else _kept_secret("azure", _typed("connect.azure_key"), "api_key")
    token = _kept_secret("azure", _typed("connect.azure_token"), "azure_ad_token") if with_token else ""
    _submit(
        ProviderSettings(
            kind="azure",
            api_key=key,
            azure_ad_token=token,
            azure_endpoint=_typed("connect.azure_endpoint"),
            base_url=_typed("connect.azure_base_url"),
            api_version=_typed("connect.azure_api_version") or providers.DEFAULT_AZURE_API_VERSION,
            training_type=str(st.session_state.get("connect.azure_training_type") or ""),
        )
    )


def use_sandbox() -> None:
    connect(ProviderSettings(kind="sandbox"))
    run_check()


def last_check() -> tuple[str, str, str] | None:
    """('check' | 'config', code, detail) of the last test on this page, if any."""
    found = st.session_state.get(state.CONNECTION_CHECK)
    return found if isinstance(found, tuple) and len(found) == 3 else None


def apply_sandbox_controls() -> None:
    service = sandbox_service()
    speed = st.session_state.get("connect.sandbox_speed")
    scenario = st.session_state.get("connect.sandbox_scenario")
    if speed:
        service.speed = speed
    if scenario:
        service.scenario = scenario


def show_check(check: tuple[str, str, str] | None) -> None:
    """The last connection test's outcome in plain words (the detail is already scrubbed of secrets)."""
    if check is None:
        return
    source, code, detail = check
    if source == "disconnected":
        st.success(t("connect.disconnected"), icon=":material/link_off:")
        return
    if source == "config":
        st.error(t(f"connect.config.{code}") if code in _CONFIG_CODES else t("connect.config.unknown"))
        return
    if code == "connected":
        st.success(t("connect.check.connected", detail=detail), icon=":material/check_circle:")
        return
    st.error(t(f"connect.check.{code}"), icon=":material/error:")
    if detail:
        st.caption(t("connect.check.detail", detail=""))
        st.code(detail, language=None, wrap_lines=True)


_CONFIG_CODES = frozenset(
    {"kind", "lab", "api_key", "azure_ad_token", "training_type", "base_url", "azure_endpoint", "api_version"}
)


def _secret_placeholder(current: ProviderSettings, kind: str, secret: str, default: str) -> str:
    return t("connect.keep_key", masked=masked(secret)) if current.kind == kind and secret else default


def openai_form(current: ProviderSettings) -> None:
    st.warning(t("connect.openai.closing"), icon=":material/event_busy:")
    st.caption(t("connect.openai.no_account"))
    mine = current if current.kind == "openai" else ProviderSettings(kind="openai")
    with st.form("connect.openai_form"):
        st.text_input(
            t("connect.openai.api_key"),
            type="password",
            key="connect.openai_key",
            placeholder=_secret_placeholder(
                current, "openai", current.api_key, t("connect.openai.api_key_placeholder")
            ),
        )
        st.text_input(t("connect.openai.organization"), value=mine.organization, key="connect.openai_org")
        st.text_input(t("connect.openai.project"), value=mine.project, key="connect.openai_project")
        st.text_input(
            t("connect.openai.base_url"),
            value=mine.base_url,
            key="connect.openai_base_url",
            placeholder=t("connect.openai.base_url_placeholder"),
        )
        st.form_submit_button(t("connect.connect_button"), type="primary", on_click=submit_openai)


def azure_form(current: ProviderSettings) -> None:
    st.info(t("connect.azure.intro"), icon=":material/cloud:")
    mine = current if current.kind == "azure" else ProviderSettings(kind="azure")
    auth = st.radio(
        t("connect.azure.auth"),
        ("key", "token"),
        index=1 if mine.azure_ad_token and not mine.api_key else 0,
        format_func=labels(("key", "token"), lambda value: t(f"connect.azure.auth_{value}")),
        horizontal=True,
        key="connect.azure_auth",
    )
    with st.form("connect.azure_form"):
        st.text_input(
            t("connect.azure.endpoint"),
            value=mine.azure_endpoint,
            key="connect.azure_endpoint",
            placeholder=t("connect.azure.endpoint_placeholder"),
        )
        if auth == "token":
            st.text_input(
                t("connect.azure.token"),
                type="password",
                key="connect.azure_token",
                help=t("connect.azure.token_help"),
                placeholder=_secret_placeholder(current, "azure", current.azure_ad_token, ""),
            )
        else:
            st.text_input(
                t("connect.azure.api_key"),
                type="password",
                key="connect.azure_key",
                placeholder=_secret_placeholder(current, "azure", current.api_key, ""),
            )
        st.text_input(t("connect.azure.api_version"), value=mine.api_version, key="connect.azure_api_version")
        st.text_input(
            t("connect.azure.base_url"),
            value=mine.base_url,
            key="connect.azure_base_url",
            placeholder=t("connect.azure.base_url_placeholder"),
        )
        tiers = providers.AZURE_TRAINING_TYPES
        st.selectbox(
            t("connect.azure.training_type"),
            tiers,
            index=tiers.index(mine.training_type) if mine.training_type in tiers else 1,
            format_func=labels(tiers, lambda tier: t(f"connect.azure.tiers.{tier}")),
            help=t("connect.azure.training_type_help"),
            key="connect.azure_training_type",
        )
        st.form_submit_button(t("connect.connect_button"), type="primary", on_click=submit_azure)


def sandbox_panel(current: ProviderSettings) -> None:
    st.info(t("connect.sandbox.intro"), icon=":material/science:")
    service = sandbox_service()
    st.radio(
        t("connect.sandbox.speed"),
        SPEEDS,
        index=SPEEDS.index(service.speed),
        format_func=labels(SPEEDS, lambda speed: t(f"connect.sandbox.speeds.{speed}")),
        key="connect.sandbox_speed",
        on_change=apply_sandbox_controls,
    )
    st.selectbox(
        t("connect.sandbox.scenario"),
        SCENARIOS,
        index=SCENARIOS.index(service.scenario),
        format_func=labels(SCENARIOS, lambda scenario: t(f"connect.sandbox.scenarios.{scenario}")),
        help=t("connect.sandbox.scenario_help"),
        key="connect.sandbox_scenario",
        on_change=apply_sandbox_controls,
    )
    if current.kind != "sandbox":
        st.button(t("connect.use_sandbox"), type="primary", key="connect.use_sandbox", on_click=use_sandbox)
