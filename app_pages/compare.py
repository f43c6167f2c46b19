"""Compare: a fine-tuned model against its base model, by hand in a playground and on a validation file."""

import streamlit as st

from finetune_guide.ui import compare, connection
from finetune_guide.ui.i18n import t

st.title(t("compare.title"))
st.caption(t("compare.purpose"))

client = compare.client_or_stop()
current = connection.settings()
compare.connection_note(current)

st.subheader(t("compare.pick.title"))
selection = compare.pick_models(client, current)
if selection is None:
    st.stop()

playground, evaluate = st.tabs([t("compare.tab.playground"), t("compare.tab.evaluate")])

with playground:
    compare.playground(client, selection)

with evaluate:
    st.caption(t("compare.eval.intro"))
    contenders = compare.eval_contenders(client, selection, current)
    picked = compare.pick_validation_file(client, selection) if contenders else None
    if picked is None:
        st.info(t("compare.eval.need_file"), icon=":material/upload_file:")
    else:
        cases = compare.read_cases(picked).cases
        if cases:
            chosen = cases[: compare.examples_to_run(len(cases))]
            judge = compare.judge_settings(selection, current)
            st.markdown(f"**{t('compare.estimate.title')}**")
            estimate = compare.estimate(chosen, contenders, judge)
            compare.show_estimate(estimate, contenders, current)
            compare.confirm_and_start(estimate, chosen, contenders, judge)
    compare.run_panel(client)
    run = compare.current_run()
    if run is not None:
        compare.last_run_note(run, contenders)
        compare.results(run)
