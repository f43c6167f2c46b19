"""Resources: every link the course builds on, described, searchable and filterable."""

import streamlit as st

from finetune_guide.content import RESOURCE_KINDS, RESOURCE_PROVIDERS, search_resources
from finetune_guide.ui import learn
from finetune_guide.ui.i18n import current_language, t

language = current_language()
resources = learn.resources()
lesson_titles = {lesson.id: lesson.title for lesson in learn.lessons(language)}

st.title(t("resources.title"))
st.caption(t("resources.purpose", count=len(resources)))

query = st.text_input(t("resources.search"), key="resources.query", placeholder=t("resources.search_hint"))
kinds_col, providers_col, lesson_col = st.columns(3)
kinds = kinds_col.multiselect(
    t("resources.kind"),
    RESOURCE_KINDS,
    format_func=lambda kind: t(f"resources.kinds.{kind}"),
    key="resources.kinds",
)
providers = providers_col.multiselect(t("resources.provider"), RESOURCE_PROVIDERS, key="resources.providers")
lesson = lesson_col.selectbox(
    t("resources.lesson"),
    ["", *lesson_titles],
    format_func=lambda i: lesson_titles.get(i, t("resources.any_lesson")),
    key="resources.lesson",
)

found = search_resources(
    resources, language, query, kinds=frozenset(kinds), providers=frozenset(providers), lesson=lesson
)
st.caption(t("resources.shown", shown=len(found), total=len(resources)))
if not found:
    st.info(t("resources.none"))
    st.stop()

for resource in found:
    with st.container(border=True):
        st.markdown(f"**[{resource.title[language]}]({resource.url})**")
        st.caption(
            f"{t(f'resources.kinds.{resource.kind}')} · {resource.provider} · "
            f"{t('resources.supports', lesson=lesson_titles.get(resource.lesson, resource.lesson))}"
        )
        st.write(resource.description[language])
        st.text(resource.url)
