"""Resources page:
- lists every resource with its description;
- search narrows the list; a search with no match says so instead of showing nothing;
- search is word-based, knows the lesson titles and the synonym table: "DPO" and "azure pricing" find results,
  in English and in Polish ("cena", without accents too);
- filters by kind and provider;
- every resource link of the course is reachable (its URL is on the page);
- works in Polish.
"""

from finetune_guide.content import load_resources
from tests.pages.conftest import open_page

PAGE = "app_pages/resources.py"


def _page_text(app) -> str:  # type: ignore[no-untyped-def]
    return " ".join(str(element.value) for element in (*app.markdown, *app.text, *app.caption))


def test_every_resource_url_is_on_the_page() -> None:
    app = open_page(PAGE)
    text = _page_text(app)
    missing = [resource.url for resource in load_resources() if resource.url not in text]
    assert missing == []


def test_search_narrows_and_an_empty_result_explains_itself() -> None:
    app = open_page(PAGE)
    app.text_input(key="resources.query").input("AutoTrain").run()
    assert "huggingface" in _page_text(app).lower()
    app.text_input(key="resources.query").input("no-such-resource-anywhere").run()
    assert app.info and "Nothing matches" in app.info[0].value


def test_filter_by_kind_keeps_only_that_kind() -> None:
    app = open_page(PAGE)
    app.multiselect(key="resources.kinds").set_value(["video"]).run()
    videos = [resource for resource in load_resources() if resource.kind == "video"]
    assert f"Showing {len(videos)} of" in _page_text(app)


def test_polish_descriptions() -> None:
    app = open_page(PAGE, "pl")
    assert app.title[0].value == "Biblioteka materiałów"
    polish = load_resources()[0].description["pl"]
    assert polish in _page_text(app)


def _shown(app) -> int:  # type: ignore[no-untyped-def]
    caption = next(str(c.value) for c in app.caption if str(c.value).startswith(("Showing", "Wyświetlono")))
    return int(caption.split()[1])


def test_dpo_and_azure_pricing_find_results() -> None:
    app = open_page(PAGE)
    for query in ("DPO", "azure pricing"):
        app.text_input(key="resources.query").input(query).run()
        assert not app.exception
        assert not app.info, query
        assert 0 < _shown(app) < len(load_resources()), query


def test_polish_search_uses_synonyms_and_ignores_accents() -> None:
    app = open_page(PAGE, "pl")
    app.text_input(key="resources.query").input("cena azure").run()
    with_synonym = _shown(app)
    assert with_synonym > 0 and not app.info
    app.text_input(key="resources.query").input("narzedzia").run()
    plain = _shown(app)
    app.text_input(key="resources.query").input("narzędzia").run()
    assert plain == _shown(app) > 0
