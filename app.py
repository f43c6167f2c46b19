"""Router and frame: page config, the shared sidebar, and the whole site map in one st.navigation."""

import streamlit as st

from finetune_guide.i18n import LANGUAGE_NAMES, LANGUAGES
from finetune_guide.ui import state
from finetune_guide.ui.connection import SECRET_WIDGETS, connection_status
from finetune_guide.ui.i18n import current_language, set_language, t

st.set_page_config(page_title="Fine-Tuning Guide", page_icon=":material/school:", layout="wide")

# Typed keys are never written back: they must not travel to the browser again.
state.keep_widget_values(skip=state.TRANSIENT_WIDGETS | frozenset(SECRET_WIDGETS))
language = current_language()
# Keep ?lang= in the address bar so a copied link opens in the same language.
if st.query_params.get("lang") != language:
    st.query_params["lang"] = language

# Page scripts live in app_pages/, not pages/: a folder named pages/ beside app.py switches Streamlit to its
# legacy multipage mode, which runs a page script directly and never runs this router.
# Each section lists only pages that work. url_path is each page's public address.
pages = {
    t("app.section_start"): [
        st.Page("app_pages/home.py", title=t("home.nav_title"), icon=":material/home:", url_path="home", default=True),
    ],
    t("app.section_learn"): [
        st.Page("app_pages/learn.py", title=t("learn.nav_title"), icon=":material/school:", url_path="learn"),
        st.Page(
            "app_pages/resources.py", title=t("resources.nav_title"), icon=":material/menu_book:", url_path="resources"
        ),
    ],
    t("app.section_plan"): [
        st.Page("app_pages/decide.py", title=t("decide.nav_title"), icon=":material/alt_route:", url_path="decide"),
        st.Page(
            "app_pages/calculator.py",
            title=t("calculator.nav_title"),
            icon=":material/calculate:",
            url_path="calculator",
        ),
        st.Page(
            "app_pages/token_lab.py", title=t("token_lab.nav_title"), icon=":material/token:", url_path="token-lab"
        ),
    ],
    t("app.section_build"): [
        st.Page("app_pages/studio.py", title=t("studio.nav_title"), icon=":material/dataset:", url_path="studio"),
        st.Page("app_pages/connect.py", title=t("connect.nav_title"), icon=":material/link:", url_path="connect"),
        st.Page("app_pages/jobs.py", title=t("jobs.nav_title"), icon=":material/model_training:", url_path="jobs"),
        st.Page(
            "app_pages/compare.py", title=t("compare.nav_title"), icon=":material/compare_arrows:", url_path="compare"
        ),
    ],
}
navigation = st.navigation({section: entries for section, entries in pages.items() if entries})

# The sidebar is drawn after st.navigation so that its links (st.page_link) know the registered pages.
with st.sidebar:
    chosen = st.radio(
        t("app.language"),
        LANGUAGES,
        index=LANGUAGES.index(language),
        format_func=LANGUAGE_NAMES.__getitem__,
        horizontal=True,
        key="app.language_switch",
    )
    if chosen != language:
        set_language(chosen)
        st.rerun()
    connection_status()

navigation.run()
