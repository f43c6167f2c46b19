"""Token lab page:
- opens in English and Polish with a sample text already counted;
- text: coloured tokens with ids, and the count in every encoding side by side;
- pasted markup is shown as text (escaped), never run as HTML;
- tokenizer by model or by encoding;
- chat JSON: a per-message table with 3 framing tokens per message and 3 for the reply, explained;
- broken JSON or a non-chat gets a clear message, never a traceback; empty input asks for text.
"""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from finetune_guide.token_lab import REPLY_PRIMING_TOKENS, TOKENS_PER_MESSAGE
from tests.pages.conftest import open_page

PAGE = "app_pages/token_lab.py"

COOKBOOK_EXAMPLE = {
    "messages": [
        {"role": "system", "content": "You are a happy assistant that puts a positive spin on everything."},
        {"role": "user", "content": "I fell off my bike today."},
        {"role": "assistant", "content": "It's great that you're getting exercise outdoors!"},
    ]
}


def coloured(app: AppTest) -> str:
    """The coloured-token markup the page rendered (the sidebar has markdown of its own)."""
    return next(m.value for m in app.markdown if m.value.startswith("<div style='line-height"))


def test_opens_in_both_languages_with_the_sample_counted() -> None:
    for lang, title in (("en", "Token lab"), ("pl", "Laboratorium tokenów")):
        app = open_page(PAGE, lang)
        assert not app.exception
        assert app.title[0].value == title
        assert [m.label for m in app.metric] == ["o200k_base", "cl100k_base"]


def test_text_is_split_into_coloured_tokens_and_counted_per_encoding() -> None:
    app = open_page(PAGE)
    app.text_area(key="token_lab.text_text").set_value("Hello world").run()
    assert app.subheader[0].value == "2 tokens (o200k_base)"
    assert {m.label: m.value for m in app.metric} == {"o200k_base": "2", "cl100k_base": "2"}
    html = coloured(app)
    assert "background:" in html and ">Hello<" in html


def test_token_ids_can_be_shown() -> None:
    app = open_page(PAGE)
    app.text_area(key="token_lab.text_text").set_value("Hello").run()
    app.toggle(key="token_lab.show_ids").set_value(True).run()
    assert "<sub" in coloured(app)


def test_pasted_markup_is_escaped_not_rendered() -> None:
    app = open_page(PAGE)
    app.text_area(key="token_lab.text_text").set_value("<script>alert(1)</script><img src=x onerror=alert(2)>").run()
    html = coloured(app)
    assert "<script" not in html and "<img" not in html
    assert "&#60;script" in html


def test_a_tokenizer_can_be_chosen_by_encoding() -> None:
    app = open_page(PAGE)
    app.radio(key="token_lab.by").set_value("encoding").run()
    app.selectbox(key="token_lab.encoding").set_value("cl100k_base").run()
    assert "cl100k_base" in app.subheader[0].value


def test_a_chat_shows_framing_per_message_and_for_the_reply() -> None:
    app = open_page(PAGE)
    app.radio(key="token_lab.kind").set_value("chat").run()
    app.radio(key="token_lab.by").set_value("encoding").run()
    app.selectbox(key="token_lab.encoding").set_value("cl100k_base").run()
    app.text_area(key="token_lab.text_chat").set_value(json.dumps(COOKBOOK_EXAMPLE)).run()
    assert not app.exception
    # The cookbook counts this example as 45 cl100k tokens.
    assert app.subheader[0].value == "45 tokens in this chat (cl100k_base)"
    table = app.dataframe[0].value
    assert list(table["Framing tokens"]) == [TOKENS_PER_MESSAGE] * 3 + [REPLY_PRIMING_TOKENS]
    assert "3 tokens per message" in app.info[0].value


def test_broken_json_gets_a_clear_message() -> None:
    app = open_page(PAGE)
    app.radio(key="token_lab.kind").set_value("chat").run()
    for text, expected in (
        ('{"messages": [', "not valid JSON"),
        ('{"a": 1}', "not a chat"),
        ("[1, 2]", "Message 1"),
    ):
        app.text_area(key="token_lab.text_chat").set_value(text).run()
        assert not app.exception
        assert expected in app.error[0].value


def test_empty_input_asks_for_text() -> None:
    app = open_page(PAGE)
    app.text_area(key="token_lab.text_text").set_value("   ").run()
    assert not app.exception
    assert "paste something" in app.info[0].value
