"""Dataset studio: check a dataset for a model and method, see what it holds, fix it, and pass it on."""

import streamlit as st

from finetune_guide.ui import studio
from finetune_guide.ui.i18n import t

st.title(t("studio.title"))
st.caption(t("studio.purpose"))

source = studio.choose_source()
model, method = studio.choose_settings()
if source is None:
    st.info(t("studio.start_hint"))
    st.stop()
studio.back_to_original(source)

dataset = studio.as_jsonl(source)
if dataset is None:
    st.stop()

report = studio.analysis(dataset, model, method)
if report.usable:
    studio.hand_on(dataset, model, method)
studio.verdict(report)
if not report.usable:
    st.stop()
studio.reset_views(dataset, report)

issues, statistics, conversations, raw, fixes = st.tabs(
    [
        t("studio.tab_issues"),
        t("studio.tab_statistics"),
        t("studio.tab_conversations"),
        t("studio.tab_raw"),
        t("studio.tab_fixes"),
    ]
)
with issues:
    studio.issues_tab(report, dataset.data, report.encoding)
with statistics:
    studio.statistics_tab(report)
with conversations:
    studio.conversations_tab(report, dataset.data)
with raw:
    studio.raw_tab(report, dataset.data)
with fixes:
    studio.fixes_tab(dataset, report, model, method)
