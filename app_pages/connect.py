"""Connect: choose the sandbox, the Local lab, OpenAI or Azure OpenAI for this session, and test the connection."""

import streamlit as st

from finetune_guide import providers
from finetune_guide.ui import connection
from finetune_guide.ui import jobs as jobs_ui
from finetune_guide.ui import lab as lab_ui
from finetune_guide.ui.i18n import t

st.title(t("connect.title"))
st.caption(t("connect.purpose"))

current = connection.settings()
with st.container(border=True):
    st.markdown(f"**{t('connect.current_title')}**")
    st.markdown(t("connect.current_provider", provider=connection.connection_label(current)))
    if current.kind in providers.FREE_KINDS:
        st.caption(t("connect.no_key_needed"))
    else:
        st.markdown(t("connect.current_key", masked=connection.key_summary(current)))
    if connection.uses_operator_credentials():
        st.warning(t("connect.operator_in_use"), icon=":material/badge:")
    left, right = st.columns(2)
    left.button(t("connect.test_again"), key="connect.test", on_click=connection.run_check)
    if current.kind not in providers.FREE_KINDS or connection.uses_operator_credentials():
        right.button(
            t("connect.disconnect"),
            key="connect.disconnect",
            help=t("connect.disconnect_help"),
            on_click=connection.disconnect,
        )
connection.show_check(connection.last_check())

kind = st.segmented_control(
    t("connect.choose"),
    providers.PROVIDER_KINDS,
    default=current.kind,
    format_func=connection.labels(providers.PROVIDER_KINDS, connection.provider_label),
    key="connect.kind",
)
if kind == "openai" or (kind is None and current.kind == "openai"):
    connection.openai_form(current)
elif kind == "azure" or (kind is None and current.kind == "azure"):
    connection.azure_form(current)
elif kind == "local" or (kind is None and current.kind == "local"):
    lab_ui.local_panel(current)
else:
    connection.sandbox_panel(current)

st.caption(t("connect.privacy"))
jobs_ui.show_code("test_connection", title=t("connect.code_title"))
