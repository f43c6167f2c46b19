"""Learn: the lessons in order, each with objectives, sources and a knowledge check; progress to download."""

import streamlit as st

from finetune_guide.learning import progress_as_csv, progress_as_json, summarise_progress
from finetune_guide.ui import learn
from finetune_guide.ui.i18n import current_language, dated, t

language = current_language()
lessons = learn.lessons(language)
by_id = {lesson.id: lesson for lesson in lessons}

st.title(t("learn.title"))
st.caption(t("learn.purpose", count=len(lessons)))
if not lessons:
    st.info(t("learn.no_lessons"))
    st.stop()

# A shared link (?lesson=<id>) opens that lesson; afterwards the selectbox owns the choice.
requested = st.query_params.get("lesson")
if requested in by_id and "learn.lesson" not in st.session_state:
    st.session_state["learn.lesson"] = requested
read = learn.read_lessons()
lesson_id = st.selectbox(
    t("learn.choose"),
    list(by_id),
    format_func=lambda i: f"{'✓ ' if i in read else ''}{by_id[i].order}. {by_id[i].title}",
    key="learn.lesson",
)
st.query_params["lesson"] = lesson_id
lesson = by_id[lesson_id]

st.header(lesson.title, divider="gray")
st.caption(t("learn.meta", minutes=lesson.minutes, as_of=lesson.as_of.isoformat()))
with st.container(border=True):
    st.markdown(f"**{t('learn.objectives')}**")
    st.markdown("\n".join(f"- {dated(objective)}" for objective in lesson.objectives))

# Relative dates ("in 29 days") are computed now, not written into the lesson: see finetune_guide/relative_dates.py.
st.markdown(dated(lesson.body))

st.subheader(t("learn.sources"))
st.markdown("\n".join(f"- [{source.title}]({source.url})" for source in lesson.sources))
learn.page_link(learn.PAGE_FILES[lesson.related_page], t("learn.try_it"), icon=":material/arrow_forward:")
if lesson.id not in read and st.button(t("learn.mark_read"), key=f"learn.mark_read.{lesson.id}"):
    learn.mark_read(lesson.id)
    st.rerun()

st.subheader(t("learn.knowledge_check"))
learn.knowledge_check(lesson)

st.divider()
st.subheader(t("learn.progress"))
progress = summarise_progress(lessons, learn.read_lessons(), learn.best_scores())
done = sum(item.read for item in progress)
st.progress(done / len(progress), text=t("learn.progress_value", done=done, total=len(progress)))
left, right = st.columns(2)
left.download_button(
    t("learn.download_csv"),
    progress_as_csv(progress),
    "finetune-guide-progress.csv",
    "text/csv",
    key="learn.download_csv",
)
right.download_button(
    t("learn.download_json"),
    progress_as_json(progress, language),
    "finetune-guide-progress.json",
    "application/json",
    key="learn.download_json",
)
