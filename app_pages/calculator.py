"""Cost calculator: training, running and break-even costs of fine-tuning, from the dated price catalog."""

from __future__ import annotations

from datetime import date

import streamlit as st

from finetune_guide import catalog, costs
from finetune_guide.ui import calculator as calc
from finetune_guide.ui.i18n import t

st.title(t("calculator.title"))
st.caption(t("calculator.purpose"))

book = calc.load_catalog()
calc.restore_from_link()
calc.show_link_notice()

chosen = calc.inputs(book)
if chosen is None:
    st.info(t("calculator.need_data"), icon=":material/dataset:")
    st.stop()

st.subheader(t("calculator.results_heading"))
results = st.container()

with st.expander(t("calculator.prices_heading"), icon=":material/edit:"):
    st.caption(t("calculator.prices_caption"))
    prices = calc.price_editor(book, chosen.plan, chosen.entry)

try:
    plan = calc.with_overrides(chosen, prices)
    estimate = costs.estimate(book, plan, date.today())
except (costs.EstimateInputError, catalog.UnknownModelError) as error:
    results.error(t("calculator.input_error", detail=str(error)), icon=":material/error:")
    st.stop()

with results:
    calc.render_metrics(book, estimate)
    calc.render_warnings(book, estimate)
    calc.render_charts(estimate, chosen.months)

st.subheader(t("calculator.comparison_heading"))
calc.render_comparison(book, plan)

query = calc.write_link(chosen, plan)
st.subheader(t("calculator.share_heading"))
calc.render_share_and_export(book, estimate, query)
