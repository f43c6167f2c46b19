"""Router and frame: page config, the shared sidebar, and the whole site map in one st.navigation."""

import streamlit as st

from finetune_guide.i18n import LANGUAGE_NAMES, LANGUAGES
from finetune_guide.ui.i18n import current_language, set_language, t

st.set_page_config(page_title="Fine-Tuning Guide", page_icon=":material/school:", layout="wide")

language = current_language()
# Keep ?lang= in the address bar so a copied link opens in the same language.
if st.query_params.get("lang") != language:
    st.query_params["lang"] = language

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

# Page scripts live in app_pages/, not pages/: a folder named pages/ beside app.py switches Streamlit to its
# legacy multipage mode, which runs a page script directly and never runs this router.
# Each section lists only pages that work. Keep one st.Page per line; url_path is the page's public address.
pages = {
    t("app.section_start"): [
        st.Page("app_pages/home.py", title=t("home.nav_title"), icon=":material/home:", url_path="home", default=True),
    ],
    t("app.section_learn"): [
        st.Page("app_pages/learn.py", title=t("learn.nav_title"), icon=":material/school:", url_path="learn"),
        st.Page("app_pages/resources.py", title=t("resources.nav_title"), icon=":material/menu_book:", url_path="resources"),
    ],
    t("app.section_plan"): [
        # decide, cost calculator and token lab register here
    ],
    t("app.section_build"): [
        # dataset studio, jobs and compare register here
    ],
}
st.navigation({section: entries for section, entries in pages.items() if entries}).run()
