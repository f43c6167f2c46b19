"""Dataset studio page (app_pages/studio.py):
- opens on a sample and shows a verdict with the key figures, in English and Polish;
- every sample loads with the verdict its data deserves (clean samples pass, the broken one fails);
- a new model or method re-checks the data; a widget change on the same data never re-analyses it;
- the checked dataset is handed on to the calculator and jobs pages (current dataset in session state);
- a CSV sample asks for a column mapping and is checked as converted chat JSONL;
- the conversation viewer shows user text literally, tokens per message included;
- a fix is previewed with its re-check and a download, and can be adopted as the file to use;
- a train/validation split can hand both files on;
- user text that reaches a label or caption (file names, roles) is escaped, never read as Markdown;
- every studio string the page uses exists in both languages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from finetune_guide import datasets, i18n
from finetune_guide.ui.studio import literal
from tests.pages.conftest import open_page

PAGE = "app_pages/studio.py"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def widget(elements: object, prefix: str) -> Any:
    """The widget whose key starts with `prefix` (filters and selections carry the analysis id)."""
    found = [element for element in elements if str(element.key).startswith(prefix)]  # type: ignore[attr-defined]
    assert len(found) == 1, [element.key for element in elements]  # type: ignore[attr-defined]
    return found[0]


def choose_sample(app: AppTest, sample_id: str) -> AppTest:
    app.selectbox(key="studio.sample").set_value(sample_id).run()
    assert not app.exception, app.exception
    return app


@pytest.mark.parametrize(("lang", "verdict"), [("en", "Valid chat dataset"), ("pl", "Poprawny zbiór typu czat")])
def test_opens_on_a_sample_with_a_verdict_and_key_figures(lang: str, verdict: str) -> None:
    app = open_page(PAGE, lang)
    assert not app.exception, app.exception
    assert app.title[0].value == ("Dataset studio" if lang == "en" else "Studio danych")
    assert verdict in app.success[0].value
    assert [metric.value for metric in app.metric][:1] == ["24"]


@pytest.mark.parametrize(
    ("sample_id", "ok"),
    [
        ("support_chat", True),
        ("tool_calling", True),
        ("dpo_preferences", True),
        ("rft_classification", True),
        ("support_faq", True),
        ("legacy_completions", False),
        ("broken", False),
    ],
)
def test_every_sample_loads_with_the_verdict_it_deserves(sample_id: str, ok: bool) -> None:
    app = choose_sample(open_page(PAGE), sample_id)
    assert bool(app.error) != ok, [e.value for e in app.error]


def test_a_new_model_rechecks_but_other_widgets_do_not(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str]] = []
    real = datasets.analyze

    def counting(data: bytes, **options: object) -> datasets.DatasetReport:
        calls.append((str(options.get("model")), str(options.get("method"))))
        return real(data, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(datasets, "analyze", counting)
    app = choose_sample(open_page(PAGE), "broken")
    assert calls == [("gpt-4o-mini-2024-07-18", "supervised")] * 2  # the default sample, then this one
    widget(app.multiselect, "studio.filter_code.").set_value(["invalid_json"]).run()
    widget(app.number_input, "studio.example_number.").set_value(3).run()
    app.radio(key="studio.fix_choice").set_value("split").run()
    app.selectbox(key="studio.sample").set_value("support_chat").run()
    app.selectbox(key="studio.sample").set_value("broken").run()
    assert len(calls) == 2
    app.selectbox(key="studio.model").set_value("gpt-3.5-turbo-0125").run()
    assert calls[-1] == ("gpt-3.5-turbo-0125", "supervised")
    assert not app.exception


def test_the_checked_dataset_is_handed_on() -> None:
    app = choose_sample(open_page(PAGE), "tool_calling")
    current = app.session_state["app.datasets"]["train"]
    assert current.name == "tool_calling.jsonl"
    assert current.method == "supervised"
    assert current.data == (ROOT / "content/datasets/en/tool_calling.jsonl").read_bytes()
    app.selectbox(key="studio.model").set_value("gpt-4.1-mini-2025-04-14").run()
    assert app.session_state["app.datasets"]["train"].model == "gpt-4.1-mini-2025-04-14"


def test_a_csv_sample_is_mapped_and_converted() -> None:
    app = choose_sample(open_page(PAGE), "support_faq")
    assert app.selectbox(key="studio.map_user").value == "question"
    assert app.selectbox(key="studio.map_assistant").value == "answer"
    assert any("Rows skipped" in warning.value for warning in app.warning)
    app.text_input(key="studio.map_prompt").set_value("You help shoppers of a bicycle shop.").run()
    assert "Valid chat dataset" in app.success[0].value
    assert app.session_state["app.datasets"]["train"].name == "support_faq.jsonl"


def test_the_conversation_viewer_shows_user_text_literally() -> None:
    app = choose_sample(open_page(PAGE), "broken")
    data = (ROOT / "content/datasets/en/broken.jsonl").read_bytes()
    measures = datasets.analyze(data).measures
    assert measures is not None
    line = next(n for n, raw in datasets.iter_lines(data) if raw and b"<script>" in raw)
    widget(app.number_input, "studio.example_number.").set_value(list(measures.lines).index(line) + 1).run()
    shown = [text.value for text in app.text]
    assert any("<script>alert('hi')</script>" in value for value in shown)
    assert any("[links](https://example.com)" in value for value in shown)
    assert not any("<script>" in markdown.value for markdown in app.markdown)
    assert any(re.search(r"user · \d+ tokens", caption.value) for caption in app.caption)


def test_a_fix_is_previewed_and_can_be_adopted() -> None:
    app = choose_sample(open_page(PAGE), "broken")
    app.radio(key="studio.fix_choice").set_value("drop_invalid").run()
    app.button(key="studio.fix_run").click().run()
    assert not app.exception, app.exception
    labels = [metric.label for metric in app.metric]
    assert "Errors after the fix" in labels
    assert app.get("download_button")
    app.button(key="studio.fix_use").click().run()
    assert not app.error
    assert app.session_state["app.datasets"]["train"].name == "broken.drop_invalid.jsonl"
    app.button(key="studio.back").click().run()
    assert app.error


def test_a_split_hands_on_both_files() -> None:
    app = choose_sample(open_page(PAGE), "support_chat")
    app.radio(key="studio.fix_choice").set_value("split").run()
    app.button(key="studio.fix_run").click().run()
    app.button(key="studio.split_use").click().run()
    assert not app.exception, app.exception
    handed = app.session_state["app.datasets"]
    assert handed["train"].name == "support_chat.train.jsonl"
    assert handed["validation"].name == "support_chat.validation.jsonl"
    assert handed["train"].data.count(b"\n") + handed["validation"].data.count(b"\n") == 24


def test_every_studio_string_used_exists_in_both_languages() -> None:
    sources = (ROOT / "finetune_guide/ui/studio.py").read_text() + (ROOT / PAGE).read_text()
    used = set(re.findall(r't\(\s*"(studio\.[a-z0-9_.]+)"', sources))
    for language in i18n.LANGUAGES:
        strings = i18n.load_strings(language)
        assert used - set(strings) == set(), language
        for fix in ("drop_invalid", "strip", "dedupe", "system_prompt", "legacy", "split"):
            assert f"studio.fixes.{fix}.title" in strings
        for sample in datasets.samples():
            assert f"studio.samples.{sample.id}.title" in strings
        for fmt in datasets.FORMATS:
            assert f"studio.formats.{fmt}" in strings


def test_user_text_in_markdown_labels_is_escaped() -> None:
    assert literal("[x](javascript:alert(1)) **b** :smile: $x$") == (
        r"\[x\]\(javascript\:alert\(1\)\) \*\*b\*\* \:smile\: \$x\$"
    )
    assert literal("a_b.jsonl\nmore") == r"a\_b\.jsonl more"
