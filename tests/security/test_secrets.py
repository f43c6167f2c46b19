"""API keys stay in the visitor's own session state, and nowhere else:
- no st.cache_data / st.cache_resource function takes, reads or returns a key, a client or connection settings;
- after connecting with a key and visiting every page, no Streamlit cache holds the key;
- connecting, failing and listing jobs at DEBUG log level never writes the key to any logger;
- the address bar (query parameters) never holds the key, on any page, after connecting;
- provider errors never carry the key into what the app shows: a gateway that echoes the key in its error
  message, code, param and request id is scrubbed, at the provider layer and on the Connect and Jobs pages;
- settings that cannot make a client, and the settings' repr, never spell the key out.
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx2
import openai
import pytest
from streamlit.runtime.caching import cache_data_api, cache_resource_api
from streamlit.testing.v1 import AppTest

from finetune_guide import i18n, jobs, providers
from finetune_guide.providers import ProviderConfigError, ProviderSettings
from finetune_guide.sandbox.server import SandboxServer
from tests.pages.conftest import open_page
from tests.security.conftest import AZURE_KEY, GATEWAY_KEY, OPENAI_KEY, SECRETS, EchoGateway
from tests.site import ROOT, registered_pages

LIST_TAB = i18n.translate(i18n.load_strings("en"), "jobs.tab_list")

# Names that, on a cached function, would mean a key can reach a cache shared by every visitor.
SECRET_WORDS = ("key", "token", "secret", "password", "credential", "settings", "client", "auth")
SECRET_READERS = ("session_state", "get_client", "settings", "secrets", "api_key", "environ", "getenv")


def everything_the_page_sends(app: AppTest) -> str:
    return "\n".join(str(getattr(node, "proto", "")) for node in app._tree)


def connect_openai(key: str, base_url: str) -> AppTest:
    app = open_page("app_pages/connect.py")
    app.segmented_control(key="connect.kind").set_value("openai").run()
    app.text_input(key="connect.openai_key").input(key)
    app.text_input(key="connect.openai_base_url").input(base_url)
    submit = next(b for b in app.button if str(b.key).startswith("FormSubmitter:connect.openai_form"))
    submit.click().run()
    assert not app.exception, app.exception
    return app


@pytest.fixture(scope="module")
def sandbox_server() -> Iterator[SandboxServer]:
    with SandboxServer("127.0.0.1", 0, speed="instant") as running:
        yield running


# --- caches --------------------------------------------------------------------------------------------------


def _cached_functions() -> list[tuple[Path, ast.FunctionDef]]:
    files = [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]
    files += sorted((ROOT / "finetune_guide").rglob("*.py"))
    found = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for decorator in node.decorator_list:
                    target = decorator.func if isinstance(decorator, ast.Call) else decorator
                    if ast.unparse(target).split(".")[-1] in {"cache_data", "cache_resource"}:
                        found.append((path, node))
    return found


def test_no_cached_function_takes_reads_or_returns_a_key() -> None:
    cached = _cached_functions()
    assert len(cached) >= 5, "the scan found too few cached functions: is it still looking in the right place?"
    problems = []
    for path, function in cached:
        where = f"{path.relative_to(ROOT)}:{function.lineno} {function.name}"
        arguments = [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]
        for argument in arguments:
            described = f"{argument.arg} {ast.unparse(argument.annotation) if argument.annotation else ''}".lower()
            if any(word in described for word in SECRET_WORDS):
                problems.append(f"{where}: parameter {argument.arg!r}")
        returned = ast.unparse(function.returns).lower() if function.returns else ""
        if any(word in returned for word in ("settings", "openai", "client")):
            problems.append(f"{where}: returns {returned}")
        body = ast.unparse(ast.Module(body=function.body, type_ignores=[]))
        problems += [f"{where}: reads {name}" for name in SECRET_READERS if name in body]
    assert not problems, "cached functions must never see a key:\n" + "\n".join(problems)


def _cache_contents() -> Iterator[tuple[str, object]]:
    """Every value held by Streamlit's in-memory caches: pickled bytes (cache_data) and objects (cache_resource)."""
    for session_caches in cache_data_api._data_caches._function_caches.values():
        for cache in session_caches.values():
            for key, value in dict(cache.storage._mem_cache).items():
                yield cache.display_name, (key, value)
    for session_caches in cache_resource_api._resource_caches._function_caches.values():
        for cache in session_caches.values():
            for key, result in dict(cache._mem_cache).items():
                yield cache.display_name, (key, result.value)


def _holds(value: object, secret: str, seen: set[int], depth: int = 0) -> bool:
    """Whether an object graph (strings, bytes, containers, objects' attributes and slots) contains `secret`."""
    if depth > 12 or id(value) in seen:
        return False
    seen.add(id(value))
    if isinstance(value, str):
        return secret in value
    if isinstance(value, bytes | bytearray):
        return secret.encode() in value
    if isinstance(value, dict):
        return any(_holds(k, secret, seen, depth + 1) or _holds(v, secret, seen, depth + 1) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_holds(item, secret, seen, depth + 1) for item in value)
    if isinstance(value, int | float | bool | type(None)):
        return False
    attributes = list(getattr(value, "__dict__", {}).values())
    for cls in type(value).__mro__:
        for slot in getattr(cls, "__slots__", ()):
            if isinstance(slot, str) and hasattr(value, slot):
                attributes.append(getattr(value, slot))
    return any(_holds(item, secret, seen, depth + 1) for item in attributes)


def test_no_cache_holds_a_key_after_connecting_and_visiting_every_page(sandbox_server: SandboxServer) -> None:
    app = connect_openai(OPENAI_KEY, f"{sandbox_server.url}/v1")
    for script, _ in registered_pages():
        app.switch_page(script).run()
        assert not app.exception, (script, app.exception)
    app.switch_page("app_pages/token_lab.py").run()
    app.text_area(key="token_lab.text_text").input("A key must never be cached.").run()
    contents = list(_cache_contents())
    assert contents, "no cache entries were found: the scan no longer reads Streamlit's caches"
    holders = sorted({name for name, value in contents if _holds(value, OPENAI_KEY, set())})
    assert not holders, f"the key reached these caches: {holders}"


# --- logs ----------------------------------------------------------------------------------------------------


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.name} {record.getMessage()} {record.args!r}"
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


@pytest.fixture
def every_log_at_debug() -> Iterator[_Recorder]:
    """Every logger (root, streamlit's non-propagating ones, openai, httpx2) at DEBUG into one recorder."""
    recorder = _Recorder()
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in list(logging.root.manager.loggerDict))]
    loggers += [logging.getLogger(n) for n in ("openai", "httpx2", "httpcore2", "streamlit", "finetune_guide")]
    saved = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.addHandler(recorder)
        logger.setLevel(logging.DEBUG)
    yield recorder
    for logger, level in saved:
        logger.removeHandler(recorder)
        logger.setLevel(level)


def test_keys_never_reach_the_logs(
    every_log_at_debug: _Recorder, sandbox_server: SandboxServer, echo_gateway: tuple[str, type[EchoGateway]]
) -> None:
    base_url, gateway = echo_gateway
    gateway.echo_in_headers = False
    connected = connect_openai(OPENAI_KEY, f"{sandbox_server.url}/v1")
    connected.switch_page("app_pages/jobs.py").run()
    for status in (401, 403, 429, 500):
        gateway.status = status
        app = connect_openai(GATEWAY_KEY, base_url)
        app.switch_page("app_pages/jobs.py").run()
        app.switch_page("app_pages/compare.py").run()
    connect_openai(OPENAI_KEY, "http://127.0.0.1:9/v1")
    azure = open_page("app_pages/connect.py")
    azure.segmented_control(key="connect.kind").set_value("azure").run()
    azure.text_input(key="connect.azure_endpoint").input(sandbox_server.url)
    azure.text_input(key="connect.azure_key").input(AZURE_KEY)
    next(b for b in azure.button if str(b.key).startswith("FormSubmitter:connect.azure_form")).click().run()
    lines = every_log_at_debug.lines
    assert lines, "nothing was logged: the recorder is not attached where the libraries log"
    leaks = [line[:300] for line in lines if any(secret in line for secret in SECRETS)]
    assert not leaks, "keys in the logs:\n" + "\n".join(leaks)


# --- URLs ----------------------------------------------------------------------------------------------------


def test_the_address_bar_never_holds_the_key(sandbox_server: SandboxServer) -> None:
    app = connect_openai(OPENAI_KEY, f"{sandbox_server.url}/v1")
    for script, _ in registered_pages():
        app.switch_page(script).run()
        params = app.query_params.to_dict() if hasattr(app.query_params, "to_dict") else dict(app.query_params)
        assert all(OPENAI_KEY not in f"{name}={value}" for name, value in params.items()), (script, params)


# --- exception text ------------------------------------------------------------------------------------------


def _echoing_client(status: int, secret: str) -> openai.OpenAI:
    def answer(request: httpx2.Request) -> httpx2.Response:
        sent = request.headers.get("authorization", "").removeprefix("Bearer ")
        body = {"error": {"message": f"bad key {sent}", "type": "x", "code": f"c_{sent}", "param": sent}}
        return httpx2.Response(status, json=body, headers={"x-request-id": f"req_{sent}"})

    return providers.IsolatedOpenAI(
        api_key=secret,
        base_url="http://gateway.invalid/v1",
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(answer)),
    )


@pytest.mark.parametrize("secret", [OPENAI_KEY, GATEWAY_KEY])
@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 429, 500, 503])
def test_a_connection_test_never_repeats_the_key(status: int, secret: str) -> None:
    check = providers.test_connection(_echoing_client(status, secret))
    assert not check.ok
    assert secret not in f"{check.code} {check.detail}"
    assert providers.masked(secret) in check.detail


@pytest.mark.parametrize("secret", [OPENAI_KEY, GATEWAY_KEY])
@pytest.mark.parametrize("status", [401, 500])
def test_a_provider_error_never_carries_the_key_into_what_the_page_shows(status: int, secret: str) -> None:
    with pytest.raises(openai.APIStatusError) as raised:
        _echoing_client(status, secret).fine_tuning.jobs.list()
    problem = jobs.describe_exception(raised.value, (secret,))
    shown = [problem.detail, problem.code, problem.param, problem.request_id]
    assert all(secret not in (field or "") for field in shown), shown


def test_network_faults_never_carry_the_key() -> None:
    def fail(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError(f"cannot reach gateway with {request.headers.get('authorization')}")

    client = providers.IsolatedOpenAI(
        api_key=GATEWAY_KEY,
        base_url="http://gateway.invalid/v1",
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(fail)),
    )
    check = providers.test_connection(client)
    assert check.code == "unreachable" and GATEWAY_KEY not in check.detail
    with pytest.raises(openai.APIConnectionError) as raised:
        client.models.list()
    problem = jobs.describe_exception(raised.value, (GATEWAY_KEY,))
    assert GATEWAY_KEY not in repr(problem)
    cause = jobs.describe_exception(raised.value.__cause__ or raised.value, (GATEWAY_KEY,))
    assert GATEWAY_KEY not in repr(cause)


@pytest.mark.parametrize(
    "settings",
    [
        ProviderSettings(kind="openai", api_key=OPENAI_KEY, base_url=f"https://user:{OPENAI_KEY}@gateway.invalid/v1"),
        ProviderSettings(kind="openai", api_key=OPENAI_KEY, base_url=f"https://gateway.invalid/v1?key={OPENAI_KEY}"),
        ProviderSettings(kind="openai", api_key=OPENAI_KEY, base_url=OPENAI_KEY),
        ProviderSettings(kind="azure", api_key=AZURE_KEY, azure_endpoint=f"https://r.invalid/?api-key={AZURE_KEY}"),
        ProviderSettings(kind="azure", api_key=AZURE_KEY, azure_ad_token=AZURE_KEY),
        ProviderSettings(kind="azure", api_key=AZURE_KEY),
    ],
    ids=["key-in-userinfo", "key-in-query", "key-as-url", "azure-key-in-query", "key-and-token", "no-endpoint"],
)
def test_settings_that_cannot_make_a_client_never_spell_out_the_key(settings: ProviderSettings) -> None:
    with pytest.raises(ProviderConfigError) as raised:
        providers.build_client(settings)
    assert all(secret not in f"{raised.value} {raised.value.code} {raised.value!r}" for secret in SECRETS)


def test_the_settings_repr_masks_the_key() -> None:
    settings = ProviderSettings(kind="azure", api_key=AZURE_KEY, azure_ad_token=GATEWAY_KEY)
    assert all(secret not in f"{settings!r} {settings!s}" for secret in SECRETS)


def test_the_connect_page_never_shows_a_key_an_error_echoes(echo_gateway: tuple[str, type[EchoGateway]]) -> None:
    base_url, gateway = echo_gateway
    for status in (401, 403, 500):
        gateway.status = status
        app = connect_openai(GATEWAY_KEY, base_url)
        assert app.error, "the failed connection test should be explained"
        assert GATEWAY_KEY not in everything_the_page_sends(app)


def test_the_jobs_page_never_shows_a_key_an_error_echoes(echo_gateway: tuple[str, type[EchoGateway]]) -> None:
    base_url, gateway = echo_gateway
    gateway.status = 200
    app = connect_openai(GATEWAY_KEY, base_url)
    for status in (401, 403, 404, 429, 500):
        gateway.status = status
        app.session_state["jobs.tab"] = LIST_TAB  # the job list asks the provider, and explains its errors
        app.switch_page("app_pages/jobs.py").run()
        assert not app.exception, app.exception
        assert app.error, f"HTTP {status}: the failed listing should be explained"
        assert GATEWAY_KEY not in everything_the_page_sends(app), f"HTTP {status}: the key is on the Jobs page"
