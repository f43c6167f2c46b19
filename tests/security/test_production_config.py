"""The committed Streamlit configuration is production-minded, and Streamlit reads it as written:
- exceptions show no details to visitors (client.showErrorDetails = "none");
- cross-site request forgery protection is on (server.enableXsrfProtection), and a live server refuses an
  upload that carries no XSRF token;
- the toolbar is in viewer mode (no developer menu for visitors), usage statistics are off;
- uploads are capped (server.maxUploadSize, in MB), and the cap is what the uploader widgets announce;
- the secrets file is never committed.
"""

from __future__ import annotations

import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from streamlit import config

from tests.pages.conftest import open_page
from tests.site import ROOT

CONFIG = ROOT / ".streamlit" / "config.toml"
UPLOAD_LIMIT_MB = 500


def committed() -> dict[str, dict[str, object]]:
    with CONFIG.open("rb") as handle:
        return tomllib.load(handle)


@pytest.fixture
def streamlit_config(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Streamlit's own view of the options, parsed from the committed file as `streamlit run` would."""
    monkeypatch.chdir(ROOT)
    config.get_config_options(force_reparse=True)
    yield config
    config.get_config_options(force_reparse=True)


def test_exceptions_show_no_details() -> None:
    assert committed()["client"]["showErrorDetails"] == "none"


def test_xsrf_protection_is_on() -> None:
    assert committed()["server"]["enableXsrfProtection"] is True


def test_the_toolbar_is_in_viewer_mode_and_usage_stats_are_off() -> None:
    config = committed()
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["browser"]["gatherUsageStats"] is False


def test_uploads_are_capped() -> None:
    assert committed()["server"]["maxUploadSize"] == UPLOAD_LIMIT_MB


def test_streamlit_reads_the_committed_settings_as_written(streamlit_config: object) -> None:
    get = streamlit_config.get_option  # type: ignore[attr-defined]
    assert get("client.showErrorDetails") == "none"
    assert get("server.enableXsrfProtection") is True
    assert get("client.toolbarMode") == "viewer"
    assert get("server.maxUploadSize") == UPLOAD_LIMIT_MB
    assert get("browser.gatherUsageStats") is False


def test_every_uploader_announces_the_cap(streamlit_config: object) -> None:
    app = open_page("app_pages/jobs.py")
    uploaders = list(app.file_uploader)
    assert uploaders
    assert all(u.proto.max_upload_size_mb == UPLOAD_LIMIT_MB for u in uploaders)


def test_the_secrets_file_is_never_committed() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".streamlit/secrets.toml" in ignored


@pytest.mark.browser
def test_a_live_server_refuses_an_upload_without_its_xsrf_token(app_url: str) -> None:
    request = urllib.request.Request(
        f"{app_url}/_stcore/upload_file/some-session/some-file", data=b"x" * 1024, method="PUT"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403
