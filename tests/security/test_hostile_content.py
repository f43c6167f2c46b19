"""Hostile dataset content is displayed inert on every page where user text appears (AppTest):
- the Dataset studio shows a dataset full of HTML, script, Markdown links and images, and a very long token,
  through text elements only (the conversation as st.text, the raw line as st.code, tables as dataframes);
- the studio's issue list and verdict quote a broken hostile file without rendering it;
- a hostile file name, handed on from the studio or uploaded, stays inert on the Jobs and Calculator pages;
- the Token lab shows pasted markup as escaped tokens (the one place user text goes into HTML);
- the Compare page keeps a hostile validation file's name inert;
- no page raises on any of it.

"Inert" is checked on what the page sends to the browser: in every element that renders Markdown or HTML
(Markdown, captions, alerts, headings, widget labels and options, metrics, buttons), no hostile fragment may
appear unescaped; elements that show text literally (text, code, dataframes, text inputs) may hold it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from finetune_guide.ui import state
from tests.pages.conftest import open_page
from tests.security.conftest import (
    HOSTILE,
    HOSTILE_NAME,
    IMG,
    LINK,
    LONG_TOKEN,
    PIXEL,
    SCRIPT,
    broken_hostile_dataset,
    hostile_dataset,
)

# Element types whose strings are shown literally by the browser (no Markdown, no HTML).
LITERAL = {"text", "code", "arrow_data_frame", "json", "text_area", "text_input", "exception", "file_uploader"}
# A fragment is live when Markdown or HTML would act on it: "<tag", "](" or "![" not preceded by a backslash.
LIVE = re.compile(r"(?<![\\&#\d;])<(script|img)\b|(?<!\\)\]\((javascript|http)|(?<!\\)!\[pixel")


def _strings(message: Message, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string field of a protobuf message, recursively, with its field path."""
    for descriptor, value in message.ListFields():
        where = f"{path}.{descriptor.name}" if path else descriptor.name
        repeated = getattr(descriptor, "is_repeated", None)
        if repeated is None:  # protobuf before 6 names it by label
            repeated = descriptor.label == descriptor.LABEL_REPEATED
        values = value if repeated else [value]
        for item in values:
            if isinstance(item, str):
                yield where, item
            elif isinstance(item, Message):
                yield from _strings(item, where)


def _elements(app: AppTest) -> Iterator[tuple[str, Message]]:
    for node in app._tree:
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message):
            yield str(getattr(node, "type", type(node).__name__)), proto


def live_fragments(app: AppTest) -> list[str]:
    """(element type, field, excerpt) of every hostile fragment a Markdown/HTML element would act on."""
    found = []
    for kind, proto in _elements(app):
        if kind in LITERAL:
            continue
        for where, value in _strings(proto):
            match = LIVE.search(value)
            if match:
                start = max(0, match.start() - 40)
                found.append(f"{kind}.{where}: …{value[start : match.end() + 40]}…")
    return found


def literal_text(app: AppTest) -> str:
    """Everything shown literally: text and code elements, text inputs and dataframe cells."""
    shown = [getattr(e, "value", "") for e in [*app.text, *app.code]]
    for frame in app.dataframe:
        shown += [str(cell) for cell in frame.value.astype(str).to_numpy().ravel()]
    return "\n".join(str(s) for s in shown)


def studio_with(data: bytes, name: str = "hostile.jsonl") -> AppTest:
    app = open_page("app_pages/studio.py")
    app.button_group(key="studio.source").set_value("upload").run() if _has_key(app, "studio.source") else None
    app.file_uploader(key="studio.upload").upload(name, data, "application/jsonl")
    app.run()
    assert not app.exception, app.exception
    return app


def _has_key(app: AppTest, key: str) -> bool:
    return any(getattr(node, "key", None) == key for node in app._tree)


def test_the_studio_shows_a_hostile_dataset_as_text_only() -> None:
    app = studio_with(hostile_dataset())
    assert not live_fragments(app), "\n".join(live_fragments(app))
    shown = literal_text(app)
    for fragment in (SCRIPT, IMG, LINK, PIXEL):
        assert fragment in shown, f"{fragment!r} should be visible literally"


def test_the_studio_survives_a_very_long_token() -> None:
    app = studio_with(hostile_dataset())
    # The studio suffixes some widget keys with the file's hash; find the example picker by its prefix.
    picker = next(n for n in app.number_input if str(n.key).startswith("studio.example_number"))
    picker.set_value(12).run()
    assert not app.exception, app.exception
    assert LONG_TOKEN[:1000] in literal_text(app)
    assert not live_fragments(app)


def test_the_studio_quotes_a_broken_hostile_file_without_rendering_it() -> None:
    app = studio_with(broken_hostile_dataset())
    assert app.error, "a file with errors gets an error verdict"
    assert not live_fragments(app), "\n".join(live_fragments(app))


def test_a_hostile_file_name_stays_inert_on_the_studio_jobs_and_calculator() -> None:
    app = studio_with(hostile_dataset(), HOSTILE_NAME)
    assert state.DATASETS in app.session_state, "the studio hands a usable dataset on"
    problems = {"studio": live_fragments(app)}
    for page in ("app_pages/jobs.py", "app_pages/calculator.py"):
        app.switch_page(page).run()
        assert not app.exception, (page, app.exception)
        problems[page] = live_fragments(app)
    assert not any(problems.values()), problems


def test_a_hostile_upload_on_the_jobs_page_stays_inert() -> None:
    app = open_page("app_pages/jobs.py")
    app.file_uploader(key="jobs.train_upload").upload(HOSTILE_NAME, broken_hostile_dataset(), "application/jsonl")
    app.run()
    assert not app.exception, app.exception
    assert app.error, "a file with errors is refused with its errors listed"
    assert not live_fragments(app), "\n".join(live_fragments(app))


def test_the_token_lab_shows_pasted_markup_as_escaped_tokens() -> None:
    app = open_page("app_pages/token_lab.py")
    pasted = " ".join(HOSTILE)
    app.text_area(key="token_lab.text_text").input(pasted).run()
    assert not app.exception, app.exception
    assert not live_fragments(app), "\n".join(live_fragments(app))
    html = [m for m in app.markdown if m.proto.allow_html]
    assert html, "the coloured tokens are the page's only HTML"
    assert all("<script" not in m.value and "onerror=" not in m.value.replace("&#61;", "=") for m in html)


def test_the_compare_page_keeps_a_hostile_file_name_inert() -> None:
    app = studio_with(hostile_dataset(), HOSTILE_NAME)
    app.switch_page("app_pages/compare.py").run()
    assert not app.exception, app.exception
    assert not live_fragments(app), "\n".join(live_fragments(app))


def test_the_hostile_fragments_are_recognised() -> None:
    """The checker itself: live fragments are found, escaped ones are not."""
    for fragment in HOSTILE:
        assert LIVE.search(fragment), fragment
    escaped = re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:])", r"\\\1", " ".join(HOSTILE))
    assert not LIVE.search(escaped)
    assert not LIVE.search("".join(f"&#{ord(c)};" for c in SCRIPT))
