"""Should I fine-tune? Nine questions, then an explained recommendation, next steps and a shareable link."""

from datetime import date

import streamlit as st

from finetune_guide import decision
from finetune_guide.ui import decide, state
from finetune_guide.ui.i18n import t

guide = decision.default_guide()
total = len(guide.questions)

st.title(t("decide.title"))
st.caption(t("decide.purpose"))

decide.apply_shared_link(guide)
answers = state.decide_answers()
# Never stand past an unanswered question, whatever the link or the buttons said.
step = min(state.decide_step(), decision.first_unanswered(answers, guide))

if step < total and st.toggle(t("decide.mode_all"), help=t("decide.mode_all_help"), key="decide.mode_all"):
    answers = decide.all_questions(guide, answers)
elif step < total:
    answers = decide.one_question(guide, step, answers)
else:
    rec = decision.recommend(answers, guide, today=date.today())
    st.progress(1.0, text=t("decide.progress_done", total=total))
    st.caption(t("decide.result_label"))
    st.header(t(f"decide.outcome.{rec.outcome}.title"))
    st.write(t(f"decide.outcome.{rec.outcome}.summary"))
    st.markdown("\n".join(f"- {t(f'decide.reason.{code}')}" for code in rec.reasons))

    chart, missing = st.columns([3, 2], gap="large")
    with chart:
        st.subheader(t("decide.scores_heading"))
        decide.readiness_chart(rec)
    with missing:
        st.subheader(t("decide.blockers_heading"))
        for code in rec.blockers:
            st.warning(t(f"decide.blocker.{code}"), icon=":material/block:")
        if not rec.blockers:
            st.success(t("decide.no_blockers"), icon=":material/check_circle:")

    st.subheader(t("decide.next_steps_heading"))
    decide.next_steps(rec)

    st.subheader(t("decide.provider_heading"))
    st.markdown("\n".join(f"- {t(f'decide.provider.{a.code}', **a.params)}" for a in rec.provider_advice))

    st.subheader(t("decide.share_heading"))
    link = decide.share_url(answers, guide)
    st.code(link, language=None, wrap_lines=True)
    st.caption(t("decide.share_help"))
    actions = st.container(horizontal=True)
    actions.download_button(
        t("decide.download"),
        decision.summary_markdown(rec, t, link),
        file_name=t("decide.download_file"),
        mime="text/markdown",
        on_click="ignore",
        icon=":material/download:",
        key="decide.download",
    )
    actions.button(t("decide.change"), on_click=state.set_decide_step, args=(total - 1,), key="decide.change")
    actions.button(
        t("decide.start_over"),
        on_click=decide.start_over,
        icon=":material/restart_alt:",
        key="decide.restart",
    )

decide.keep_answers_in_address(answers, guide)
