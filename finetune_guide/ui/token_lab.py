"""Token lab widgets: tokenizer picker, coloured tokens (escaped, never raw HTML), the chat breakdown."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from finetune_guide import token_lab, tokens
from finetune_guide.ui.calculator import fmt_int, load_catalog
from finetune_guide.ui.i18n import current_language, t

NS = "token_lab"
# Light backgrounds that stay readable with dark text in both themes.
PALETTE = ("#fde2e4", "#e2ece9", "#dfe7fd", "#fff1c1", "#e8dff5", "#d8f3dc", "#ffe5d9")

SAMPLE_TEXT = "Fine-tuning teaches a model your format. Dostrajanie uczy model Twojego formatu. 🙂"
SAMPLE_CHAT = """{"messages": [
  {"role": "system", "content": "Marv is a factual chatbot that is also sarcastic."},
  {"role": "user", "content": "What's the capital of France?"},
  {"role": "assistant", "content": "Paris, as if everyone doesn't know that already."}
]}"""


@st.cache_data(show_spinner=False, max_entries=128)
def split(text: str, encoding: str) -> token_lab.TokenSplit:
    return token_lab.split_tokens(text, encoding)


def tokenizer_choice() -> str:
    """The encoding to use, chosen directly or through a model."""
    by_key = f"{NS}.by"
    st.session_state.setdefault(by_key, "model")
    left, right = st.columns([1, 2])
    by = left.radio(
        t("token_lab.by"),
        ["model", "encoding"],
        format_func=lambda v: t(f"token_lab.by_{v}"),
        horizontal=True,
        key=by_key,
    )
    if by == "encoding":
        return str(right.selectbox(t("token_lab.encoding"), list(tokens.ENCODINGS), key=f"{NS}.encoding"))
    models = sorted({entry.snapshot for entry in load_catalog().models})
    model_key = f"{NS}.model"
    if st.session_state.get(model_key) not in models:
        st.session_state[model_key] = "gpt-4o-mini-2024-07-18"
    model = right.selectbox(t("token_lab.model"), models, key=model_key)
    encoding = tokens.encoding_name_for_model(model)
    right.caption(t("token_lab.model_uses", model=model, encoding=encoding))
    return encoding


def text_input(kind: str) -> str:
    key = f"{NS}.text_{kind}"
    st.session_state.setdefault(key, SAMPLE_CHAT if kind == "chat" else SAMPLE_TEXT)
    return str(
        st.text_area(
            t(f"token_lab.input_{kind}"),
            key=key,
            height=180 if kind == "chat" else 120,
            max_chars=token_lab.MAX_TEXT_CHARS,
            help=t(f"token_lab.input_{kind}_help"),
        )
    )


def escape(text: str) -> str:
    """Every symbol as a character reference, so neither the browser (tags) nor st.markdown (emphasis,
    links, :emoji:, $math$) reads anything into user text; letters, digits and spaces stay as they are."""
    return "".join(c if c.isalnum() or c == " " else f"&#{ord(c)};" for c in text)


def tokens_html(pieces: tuple[token_lab.TokenPiece, ...], show_ids: bool) -> str:
    """Coloured spans; every token's text is escaped, so pasted markup shows as text and never runs."""
    spans = []
    for index, piece in enumerate(pieces):
        shown = escape(piece.text.replace("\r", "")).replace("&#10;", "↵<br>").replace("&#9;", "→")
        colour = PALETTE[index % len(PALETTE)]
        label = f"<sub style='color:#555'>{piece.id}</sub>" if show_ids else ""
        spans.append(
            f"<span title='{piece.id}' style='background:{colour};color:#111;border-radius:3px;"
            f"padding:1px 2px;margin:0 1px;white-space:pre-wrap'>{shown}{label}</span>"
        )
    return "<div style='line-height:2.1;font-family:monospace'>" + "".join(spans) + "</div>"


def render_tokens(text: str, encoding: str, heading: str) -> None:
    found = split(text, encoding)
    st.subheader(t(heading, count=fmt_int(found.tokens), encoding=encoding))
    show_ids = st.toggle(t("token_lab.show_ids"), key=f"{NS}.show_ids")
    # Safe: tokens_html escapes every piece of user text before it is placed in markup.
    st.markdown(tokens_html(found.pieces, show_ids), unsafe_allow_html=True)
    if found.truncated:
        st.caption(t("token_lab.truncated", shown=fmt_int(len(found.pieces)), total=fmt_int(found.tokens)))
    with st.expander(t("token_lab.table_heading")):
        st.dataframe(
            pd.DataFrame(
                [{"#": i + 1, "id": p.id, t("token_lab.col_text"): repr(p.text)} for i, p in enumerate(found.pieces)]
            ),
            hide_index=True,
        )


def render_encodings(counts: dict[str, int], chars: int) -> None:
    st.subheader(t("token_lab.compare_heading"))
    columns = st.columns(len(counts))
    for column, (name, count) in zip(columns, counts.items(), strict=True):
        ratio = chars / count if count else 0.0
        column.metric(name, fmt_int(count), help=t(f"token_lab.encoding_help.{name}"), border=True)
        shown = f"{ratio:.2f}".replace(".", ",") if current_language() == "pl" else f"{ratio:.2f}"
        column.caption(t("token_lab.chars_per_token", ratio=shown))


def chat_problem(parsed: token_lab.ChatParse) -> str:
    return t(f"token_lab.chat_problem.{parsed.problem}", where=parsed.where, detail=parsed.detail)


def render_chat(parsed: token_lab.ChatParse, encoding: str) -> None:
    counted = token_lab.chat_tokens(parsed.messages, encoding)
    st.subheader(t("token_lab.chat_heading", count=fmt_int(counted.tokens), encoding=encoding))
    rows = [
        {
            t("token_lab.col_message"): str(i + 1),
            t("token_lab.col_role"): m.role,
            t("token_lab.col_content"): m.content_tokens,
            t("token_lab.col_overhead"): m.overhead_tokens,
            t("token_lab.col_total"): m.tokens,
        }
        for i, m in enumerate(counted.messages)
    ]
    rows.append(
        {
            t("token_lab.col_message"): "—",
            t("token_lab.col_role"): t("token_lab.reply_priming"),
            t("token_lab.col_content"): 0,
            t("token_lab.col_overhead"): counted.reply_priming_tokens,
            t("token_lab.col_total"): counted.reply_priming_tokens,
        }
    )
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.info(
        t(
            "token_lab.overhead_explained",
            per_message=token_lab.TOKENS_PER_MESSAGE,
            reply=token_lab.REPLY_PRIMING_TOKENS,
            messages=len(counted.messages),
            overhead=counted.overhead_tokens,
            content=counted.content_tokens,
        ),
        icon=":material/info:",
    )


def chat_counts(parsed: token_lab.ChatParse) -> dict[str, int]:
    return {name: token_lab.chat_tokens(parsed.messages, name).tokens for name in tokens.ENCODINGS}
