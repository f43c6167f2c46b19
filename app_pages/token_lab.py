"""Token lab: see how a model splits text or a chat into tokens, and what a chat's framing adds."""

from __future__ import annotations

import streamlit as st

from finetune_guide import token_lab
from finetune_guide.ui import token_lab as lab
from finetune_guide.ui.i18n import t

st.title(t("token_lab.title"))
st.caption(t("token_lab.purpose"))

kind = st.radio(
    t("token_lab.kind"),
    ["text", "chat"],
    format_func=lambda k: t(f"token_lab.kind_{k}"),
    horizontal=True,
    key="token_lab.kind",
)
encoding = lab.tokenizer_choice()
text = lab.text_input(kind)

if not text.strip():
    st.info(t("token_lab.empty"), icon=":material/edit_note:")
    st.stop()

if kind == "chat":
    parsed = token_lab.parse_chat(text)
    if parsed.problem:
        st.error(lab.chat_problem(parsed), icon=":material/error:")
        st.stop()
    lab.render_chat(parsed, encoding)
    lab.render_encodings(lab.chat_counts(parsed), len(text))
    lab.render_tokens(token_lab.contents_text(parsed.messages), encoding, heading="token_lab.contents_heading")
else:
    lab.render_tokens(text, encoding, heading="token_lab.tokens_heading")
    lab.render_encodings(token_lab.count_per_encoding(text), len(text))
