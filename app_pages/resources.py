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

# Labels are looked up once here, so the widgets' format functions do not depend on the script's context.
kind_labels = {kind: t(f"resources.kinds.{kind}") for kind in RESOURCE_KINDS}
lesson_choices = {"": t("resources.any_lesson"), **lesson_titles}

query = st.text_input(t("resources.search"), key="resources.query", placeholder=t("resources.search_hint"))
kinds_col, providers_col, lesson_col = st.columns(3)
kinds = kinds_col.multiselect(
    t("resources.kind"),
    RESOURCE_KINDS,
    format_func=kind_labels.__getitem__,
    key="resources.kinds",
)
providers = providers_col.multiselect(t("resources.provider"), RESOURCE_PROVIDERS, key="resources.providers")
lesson = lesson_col.selectbox(
    t("resources.lesson"),
    list(lesson_choices),
    format_func=lesson_choices.__getitem__,
    key="resources.lesson",
)

found = search_resources(
    resources,
    language,
    query,
    kinds=frozenset(kinds),
    providers=frozenset(providers),
    lesson=lesson,
    lesson_titles=lesson_titles,
    kind_labels=kind_labels,
    synonyms=learn.search_synonyms(),
)
st.caption(t("resources.shown", shown=len(found), total=len(resources)))
if not found:
    st.info(t("resources.none"))
    st.stop()

for resource in found:
    with st.container(border=True):
        st.markdown(f"**[{resource.title[language]}]({resource.url})**")
        st.caption(
            f"{kind_labels[resource.kind]} · {resource.provider} · "
            f"{t('resources.supports', lesson=lesson_titles.get(resource.lesson, resource.lesson))}"
        )
        st.write(resource.description[language])
        st.text(resource.url)
