"""Home page:
- explains the offer and the suggested path learn → decide → check data → estimate → train → compare;
- carries a dated note on the 2026 provider landscape (OpenAI wind-down dates, Azure, the sandbox);
- opens in Polish from ?lang=pl, and in English by default.
"""

from tests.pages.conftest import open_page

PAGE = "app_pages/home.py"


def test_landscape_note_is_dated() -> None:
    app = open_page(PAGE)
    assert "6 January 2027" in app.warning[0].value and "7 May 2026" in app.warning[0].value
    assert "Azure" in app.info[0].value
    assert "sandbox" in app.success[0].value


def test_polish_from_the_query_parameter() -> None:
    app = open_page(PAGE, "pl")
    assert app.title[0].value == "Przewodnik po fine-tuningu"
    assert "6 stycznia 2027" in app.warning[0].value


def test_language_switch_changes_language_and_the_address() -> None:
    app = open_page(PAGE)
    app.radio(key="app.language_switch").set_value("pl").run()
    assert app.title[0].value == "Przewodnik po fine-tuningu"
    assert app.query_params["lang"] == "pl"
