"""Home: what the app offers, the suggested path, and the 2026 provider landscape."""

import streamlit as st

from finetune_guide.ui import learn
from finetune_guide.ui.i18n import t

st.title(t("home.title"))
st.markdown(t("home.intro"))

st.subheader(t("home.path_title"))
steps = ("learn", "decide", "studio", "calculator", "jobs", "compare")
for number, (column, step) in enumerate(zip(st.columns(len(steps)), steps, strict=True), start=1):
    with column.container(border=True, height="stretch"):
        st.markdown(f"**{number}. {t(f'home.steps.{step}.title')}**")
        st.caption(t(f"home.steps.{step}.text"))
        learn.page_link(learn.PAGE_FILES[step], t("home.open"), icon=":material/arrow_forward:")

st.subheader(t("home.landscape_title"))
st.warning(t("home.landscape_openai"), icon=":material/event_busy:")
st.info(t("home.landscape_azure"), icon=":material/cloud:")
st.success(t("home.landscape_sandbox"), icon=":material/science:")
st.markdown(t("home.landscape_local"))
learn.page_link(
    learn.PAGE_FILES["learn"], t("home.landscape_local_link"), icon=":material/school:", lesson="open-model-lora"
)
st.caption(t("home.landscape_sources"))

st.subheader(t("home.who_title"))
st.markdown(t("home.who"))
