"""AppTest helpers: run the real app.py router, in a language, then switch to a page."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.site import ROOT


def open_page(page: str, lang: str = "en", **query: str) -> AppTest:
    """The app as a visitor opening it with ?lang=<lang> (and any other query), then switching to `page`."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.query_params["lang"] = lang
    app.run()
    assert not app.exception, app.exception
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(page).run()
    return app


@pytest.fixture
def open_app_page():  # type: ignore[no-untyped-def]
    return open_page
