"""Jobs: start a fine-tuning job from a checked file, then follow it live until it finishes."""

import streamlit as st

from finetune_guide import jobs
from finetune_guide.ui import connection
from finetune_guide.ui import jobs as jobs_ui
from finetune_guide.ui.i18n import t

st.title(t("jobs.title"))
st.caption(t("jobs.purpose"))

current = connection.settings()
jobs_ui.connection_banner(current)
client = jobs_ui.client_or_stop()
new_tab, list_tab = jobs_ui.tabs()

if new_tab.open:
    with new_tab:
        st.subheader(t("jobs.new.files"))
        method = jobs_ui.pick_method()
        train = jobs_ui.pick_file("train")
        validation = jobs_ui.pick_file("validation")
        model = jobs_ui.pick_model(client, current, method)
        if train is None or not model:
            st.info(t("jobs.new.need_file"), icon=":material/upload_file:")
            st.stop()
        report = jobs_ui.check_file(train, "train", model, method)
        validation_ok = validation is None or jobs_ui.check_file(validation, "validation", model, method).ok
        st.subheader(t("jobs.new.options"))
        request = jobs_ui.job_options(current, method, model, jobs_ui.examples(report))
        ready = report.ok and validation_ok and jobs_ui.review(current, request, report)
        jobs_ui.show_code("upload_file", filename=train.name)
        jobs_ui.show_code("create_job", params=jobs.create_params(request, current.kind))
        started = st.button(t("jobs.new.start"), type="primary", disabled=not ready, key="jobs.start")
        if started and jobs_ui.start_job(client, current, train, validation, request):
            jobs_ui.switch_to_list()
            st.rerun()

if list_tab.open:
    with list_tab:
        jobs_ui.show_flash()
        st.button(t("jobs.list.refresh"), icon=":material/refresh:", key="jobs.refresh")
        listed = jobs_ui.job_list(client)
        jobs_ui.show_code("list_jobs")
        selected = jobs_ui.pick_job(listed)
        if selected:
            jobs_ui.job_view(selected)
