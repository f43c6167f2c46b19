"""The Connect page and the sidebar connection status:
- a fresh session uses the sandbox, needs no key, and its connection test succeeds;
- the sandbox speed and rehearsal scenario controls change this session's own sandbox only;
- an OpenAI key goes into a password field, the field is emptied after connecting, the key shows masked;
- a blank key field keeps the key already held;
- an address that cannot be reached gives a clear message, not a crash;
- settings that cannot make a client say which field to fix, and keep what was typed;
- Azure connects with an endpoint and key, or an Entra token;
- Disconnect forgets the key and returns to the sandbox;
- operator credentials from the environment are off unless the operator enables them, and then the UI says so;
- the sidebar shows the provider and the masked key on every page;
- the equivalent code is offered with the key masked;
- the page works in Polish.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from finetune_guide import i18n
from finetune_guide.providers import ProviderSettings
from finetune_guide.sandbox.server import SandboxServer
from finetune_guide.ui import state
from finetune_guide.ui.connection import OPERATOR_FLAG, operator_settings
from tests.pages.conftest import open_page

STRINGS = {lang: i18n.load_strings(lang) for lang in ("en", "pl")}
KEY = "sk-proj-AnotherSecretKeyForTests000000wxyz"
AZURE_KEY = "fedcba9876543210fedcba9876543210"


def text(key: str, lang: str = "en", **values: object) -> str:
    return i18n.translate(STRINGS[lang], key, **values)


def all_text(app: AppTest) -> str:
    return "\n".join(str(getattr(node, "proto", "")) for node in app._tree)


def submit(app: AppTest, form: str) -> AppTest:
    app.button(key=f"FormSubmitter:{form}-{text('connect.connect_button')}").click().run()
    assert not app.exception, app.exception
    return app


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer("127.0.0.1", 0, speed="instant") as running:
        yield running


def connect_openai(server: SandboxServer, key: str = KEY) -> AppTest:
    app = open_page("app_pages/connect.py")
    app.segmented_control(key="connect.kind").set_value("openai").run()
    app.text_input(key="connect.openai_key").input(key)
    app.text_input(key="connect.openai_base_url").input(f"{server.url}/v1")
    return submit(app, "connect.openai_form")


def test_a_fresh_session_uses_the_sandbox_and_its_test_succeeds() -> None:
    app = open_page("app_pages/connect.py")
    assert not app.exception
    assert text("connect.current_provider", provider=text("connect.kind.sandbox")) in [m.value for m in app.markdown]
    app.button(key="connect.test").click().run()
    assert any(v.startswith(text("connect.check.connected", detail="")) for v in (s.value for s in app.success))


def test_sandbox_controls_change_only_this_sessions_sandbox() -> None:
    app = open_page("app_pages/connect.py")
    app.radio(key="connect.sandbox_speed").set_value("fast").run()
    app.selectbox(key="connect.sandbox_scenario").set_value("refused_403").run()
    sandbox = app.session_state[state.CONNECTION_SANDBOX]
    assert (sandbox.speed, sandbox.scenario) == ("fast", "refused_403")
    other = open_page("app_pages/connect.py")
    assert other.session_state[state.CONNECTION_SANDBOX].scenario == "normal"


def test_an_openai_key_is_kept_masked_and_the_field_is_emptied(server: SandboxServer) -> None:
    app = connect_openai(server)
    assert app.session_state["connect.openai_key"] == ""
    assert app.session_state[state.CONNECTION_SETTINGS].api_key == KEY
    assert any(v.startswith(text("connect.check.connected", detail="")) for v in (s.value for s in app.success))
    page = all_text(app)
    assert KEY not in page
    assert "sk-…wxyz" in page


def test_a_blank_key_field_keeps_the_key_already_held(server: SandboxServer) -> None:
    app = connect_openai(server)
    app.text_input(key="connect.openai_project").input("proj_1")
    submit(app, "connect.openai_form")
    settings = app.session_state[state.CONNECTION_SETTINGS]
    assert (settings.api_key, settings.project) == (KEY, "proj_1")


def test_an_unreachable_address_gives_a_clear_message() -> None:
    app = open_page("app_pages/connect.py")
    app.segmented_control(key="connect.kind").set_value("openai").run()
    app.text_input(key="connect.openai_key").input(KEY)
    app.text_input(key="connect.openai_base_url").input("http://127.0.0.1:9/v1")
    submit(app, "connect.openai_form")
    assert text("connect.check.unreachable") in [e.value for e in app.error]


def test_settings_that_cannot_connect_name_the_field_and_keep_the_input() -> None:
    app = open_page("app_pages/connect.py")
    app.segmented_control(key="connect.kind").set_value("azure").run()
    app.text_input(key="connect.azure_key").input(AZURE_KEY)
    submit(app, "connect.azure_form")
    assert text("connect.config.azure_endpoint") in [e.value for e in app.error]
    assert app.session_state[state.CONNECTION_SETTINGS].kind == "sandbox"
    assert app.text_input(key="connect.azure_key").value == AZURE_KEY


def test_azure_connects_with_an_endpoint_and_key(server: SandboxServer) -> None:
    app = open_page("app_pages/connect.py")
    app.segmented_control(key="connect.kind").set_value("azure").run()
    app.text_input(key="connect.azure_endpoint").input(server.url)
    app.text_input(key="connect.azure_key").input(AZURE_KEY)
    submit(app, "connect.azure_form")
    settings = app.session_state[state.CONNECTION_SETTINGS]
    assert (settings.kind, settings.api_key, settings.training_type) == ("azure", AZURE_KEY, "GlobalStandard")
    assert any(v.startswith(text("connect.check.connected", detail="")) for v in (s.value for s in app.success))
    assert AZURE_KEY not in all_text(app)


def test_azure_connects_with_an_entra_token(server: SandboxServer) -> None:
    app = open_page("app_pages/connect.py")
    app.segmented_control(key="connect.kind").set_value("azure").run()
    app.radio(key="connect.azure_auth").set_value("token").run()
    app.text_input(key="connect.azure_endpoint").input(server.url)
    app.text_input(key="connect.azure_token").input("eyJ0eXAiOiJKV1QiLCJhbGciOi.token.value")
    submit(app, "connect.azure_form")
    settings = app.session_state[state.CONNECTION_SETTINGS]
    assert (settings.api_key, settings.azure_ad_token) == ("", "eyJ0eXAiOiJKV1QiLCJhbGciOi.token.value")
    assert "eyJ0eXAiOiJKV1QiLCJhbGciOi.token.value" not in all_text(app)


def test_disconnect_forgets_the_key(server: SandboxServer) -> None:
    app = connect_openai(server)
    assert _holds(app.session_state.to_dict(), KEY)
    app.button(key="connect.disconnect").click().run()
    assert app.session_state[state.CONNECTION_SETTINGS] == ProviderSettings(kind="sandbox")
    assert text("connect.disconnected") in [s.value for s in app.success]
    assert not _holds(app.session_state.to_dict(), KEY)


def _holds(value: object, secret: str) -> bool:
    """Whether a session-state value (settings, clients, containers, text) still carries `secret`."""
    if isinstance(value, str):
        return secret in value
    if isinstance(value, ProviderSettings):
        return secret in (value.api_key, value.azure_ad_token)
    if isinstance(value, dict):
        return any(_holds(v, secret) for v in value.values())
    if isinstance(value, list | tuple | set):
        return any(_holds(v, secret) for v in value)
    return getattr(value, "api_key", None) == secret


def test_operator_credentials_are_off_unless_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.delenv(OPERATOR_FLAG, raising=False)
    app = open_page("app_pages/connect.py")
    assert app.session_state[state.CONNECTION_SETTINGS].kind == "sandbox"
    monkeypatch.setenv(OPERATOR_FLAG, "1")
    app = open_page("app_pages/connect.py")
    assert app.session_state[state.CONNECTION_SETTINGS].api_key == KEY
    assert text("connect.operator_in_use") in [w.value for w in app.warning]
    assert text("connect.operator_in_use") in [c.value for c in app.sidebar.caption]
    assert KEY not in all_text(app)
    app.button(key="connect.disconnect").click().run()
    assert app.session_state[state.CONNECTION_SETTINGS].kind == "sandbox"


def test_operator_settings_read_secrets_sections_and_prefer_the_environment() -> None:
    secrets = {
        "azure": {"endpoint": "https://r.openai.azure.com", "api_key": AZURE_KEY},
        "openai": {"api_key": KEY},
    }
    assert operator_settings({}, secrets) is None
    azure = operator_settings({OPERATOR_FLAG: "1"}, secrets)
    assert azure is not None and (azure.kind, azure.api_key) == ("azure", AZURE_KEY)
    openai_only = operator_settings({OPERATOR_FLAG: "1", "OPENAI_API_KEY": "sk-env"}, {"openai": {"api_key": KEY}})
    assert openai_only is not None and openai_only.api_key == "sk-env"


def test_the_sidebar_shows_the_provider_and_masked_key_on_every_page(server: SandboxServer) -> None:
    app = connect_openai(server)
    app.switch_page("app_pages/home.py").run()
    captions = [c.value for c in app.sidebar.caption]
    assert "sk-…wxyz" in captions
    assert any(text("connect.kind.openai") in m.value for m in app.sidebar.markdown)


def test_the_code_to_test_the_connection_is_shown_with_the_key_masked(server: SandboxServer) -> None:
    app = connect_openai(server)
    code = [c.value for c in app.code]
    assert any("client.models.list()" in c and "sk-…wxyz" in c for c in code)
    assert any(c.startswith("# OPENAI_API_KEY holds your key (sk-…wxyz)") for c in code)


def test_the_page_works_in_polish() -> None:
    app = open_page("app_pages/connect.py", "pl")
    assert not app.exception
    assert app.title[0].value == text("connect.title", "pl")
    app.radio(key="connect.sandbox_speed").set_value("instant").run()
    assert app.session_state[state.CONNECTION_SANDBOX].speed == "instant"
