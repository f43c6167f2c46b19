"""Cost calculator widgets: cached catalog, inputs kept in the address bar, results, charts, exports."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from finetune_guide import catalog, costs, datasets
from finetune_guide.catalog import Catalog, Figure, ModelEntry
from finetune_guide.costs import Estimate, EstimatePlan
from finetune_guide.ui import state
from finetune_guide.ui.i18n import current_language, t
from finetune_guide.ui.markdown import literal

NS = "calculator"
SOURCES = ("studio", "average", "total")
EPOCH_CHART_MIN = 10
DEFAULT_MODEL = {"openai": "gpt-4o-mini-2024-07-18", "azure": "gpt-4.1-mini-2025-04-14"}


@st.cache_resource(show_spinner=False)
def load_catalog() -> Catalog:
    """The price catalog, the same for every visitor, parsed once per server process."""
    return catalog.load_catalog()


@st.cache_data(show_spinner=False, max_entries=64)
def dataset_counts(sha256: str, _data: bytes, model: str, method: str) -> tuple[int, int]:
    """(billing tokens per epoch, examples) of a studio dataset, cached by its hash.

    The leading underscore keeps the bytes out of Streamlit's cache key, which would otherwise hash the whole
    file on every rerun; the SHA-256 already names the content.
    """
    del sha256  # the cache key only
    stats = datasets.analyze(_data, model=model, method=catalog.analysis_method(method)).stats
    if stats is None:
        return 0, 0
    return int(stats.billing_tokens_per_epoch), int(stats.examples)


# --- inputs, each mirrored in the address bar -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Param:
    """One input: its URL name, its widget key, and how to read a value from a link."""

    name: str
    parse: Callable[[str], Any]

    @property
    def key(self) -> str:
        return f"{NS}.{self.name}"


def _whole(maximum: int, *, allow_zero: bool = False) -> Callable[[str], int]:
    return lambda raw: costs.check_count("link", float(raw), maximum=maximum, allow_zero=allow_zero)


def _amount(maximum: float) -> Callable[[str], float]:
    return lambda raw: costs.check_amount("link", float(raw), maximum=maximum, allow_zero=False)


def _one_of(options: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in options:
            raise ValueError(raw)
        return raw

    return parse


def _epochs(raw: str) -> str | int:
    return "auto" if raw == "auto" else costs.check_epochs(float(raw))


PARAMS: tuple[Param, ...] = (
    Param("source", _one_of(SOURCES)),
    Param("examples", _whole(costs.MAX_EXAMPLES)),
    Param("avg_tokens", _whole(costs.MAX_TOKENS_PER_REQUEST)),
    Param("total_tokens", _whole(costs.MAX_TRAINING_TOKENS)),
    Param("provider", _one_of(catalog.PROVIDERS)),
    Param("model", str),
    Param("method", _one_of(catalog.METHODS)),
    Param("tier", _one_of(catalog.TIERS)),
    Param("deployment", _one_of(catalog.DEPLOYMENT_TYPES)),
    Param("epochs", _epochs),
    Param("rft_hours", _amount(costs.MAX_TRAINING_HOURS)),
    Param("requests_per_day", _whole(costs.MAX_REQUESTS_PER_DAY, allow_zero=True)),
    Param("input_tokens", _whole(costs.MAX_TOKENS_PER_REQUEST, allow_zero=True)),
    Param("cached_tokens", _whole(costs.MAX_TOKENS_PER_REQUEST, allow_zero=True)),
    Param("output_tokens", _whole(costs.MAX_TOKENS_PER_REQUEST, allow_zero=True)),
    Param("saved_tokens", _whole(costs.MAX_TOKENS_PER_REQUEST, allow_zero=True)),
    Param("months", _whole(costs.MAX_MONTHS)),
)
PARAM_NAMES = frozenset(p.name for p in PARAMS) | {"overrides"}


DEFAULTS: Mapping[str, Any] = {
    "examples": 100,
    "known_examples": 0,
    "avg_tokens": 500,
    "total_tokens": 50_000,
    "provider": "openai",
    "epochs_auto": True,
    "epochs": costs.TARGET_EPOCHS,
    "rft_hours": 4.0,
    "requests_per_day": 1000,
    "input_tokens": 300,
    "cached_tokens": 0,
    "output_tokens": 200,
    "saved_tokens": 1500,
    "months": 24,
}


def _key(name: str) -> str:
    return f"{NS}.{name}"


def _link_query() -> dict[str, str]:
    return {name: str(st.query_params[name]) for name in st.query_params if name in PARAM_NAMES}


def reset_overrides() -> None:
    """Forget the user's price overrides (a new model, tier or a press on Reset)."""
    state.reset_calculator_overrides()


def restore_from_link() -> None:
    """Apply a shared link once: when the address bar holds inputs this session did not write itself."""
    query = _link_query()
    if not query or query == state.calculator_link():
        return
    ignored: list[str] = []
    for param in PARAMS:
        if param.name not in query:
            continue
        try:
            value = param.parse(query[param.name])
        except (ValueError, TypeError, OverflowError):
            ignored.append(param.name)
            continue
        if param.name == "examples":
            st.session_state[_key("known_examples")] = value
        if param.name == "epochs":
            st.session_state[_key("epochs_auto")] = value == "auto"
            if value != "auto":
                st.session_state[_key("epochs")] = value
        else:
            st.session_state[param.key] = value
    reset_overrides()
    if "overrides" in query:
        try:
            state.set_calculator_overrides(costs.parse_overrides(query["overrides"], costs.PRICE_KEYS))
        except costs.EstimateInputError:
            ignored.append("overrides")
    if st.session_state.get(_key("source")) == "studio" and state.current_dataset() is None:
        st.session_state[_key("source")] = "average"
    state.set_calculator_notice(ignored)
    state.set_calculator_link(query)


def show_link_notice() -> None:
    ignored = state.pop_calculator_notice()
    if ignored is None:
        return
    if ignored:
        names = ", ".join(t(f"calculator.param.{name}") for name in ignored)
        st.warning(t("calculator.link_ignored", names=names), icon=":material/link_off:")
    else:
        st.info(t("calculator.link_restored"), icon=":material/link:")


def _choose(key: str, options: list[str], default: str | None = None) -> None:
    """Keep a select's state on one of its current options (a provider or model change shrinks them)."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default if default in options else options[0]


@dataclass(frozen=True, slots=True)
class Inputs:
    """What the visitor chose: the plan to estimate, plus the chart horizon and where the data came from."""

    plan: EstimatePlan
    entry: ModelEntry
    source: str
    months: int
    dataset_name: str | None


def _number(name: str, label_key: str, *, minimum: float, maximum: float, step: float = 1, **kw: Any) -> Any:
    key = _key(name)
    st.session_state.setdefault(key, DEFAULTS.get(name))
    return st.number_input(
        t(label_key),
        min_value=minimum,
        max_value=maximum,
        step=step,
        key=key,
        help=t(f"{label_key}_help"),
        **kw,
    )


def data_inputs(book: Catalog) -> tuple[str, int | None, int | None, str | None]:
    """Where the training data's size comes from: (source, billing tokens per epoch, examples, name)."""
    dataset = state.current_dataset()
    sources = [s for s in SOURCES if s != "studio" or dataset is not None]
    _choose(_key("source"), sources, "studio")
    source = st.radio(
        t("calculator.source"),
        sources,
        format_func=lambda s: t(f"calculator.source_{s}"),
        horizontal=True,
        key=_key("source"),
    )
    if source == "studio" and dataset is not None:
        st.caption(t("calculator.source_studio_caption", name=literal(dataset.name)))
        return source, None, None, dataset.name
    left, right = st.columns(2)
    with left:
        if source == "average":
            examples = _number("examples", "calculator.examples", minimum=1, maximum=costs.MAX_EXAMPLES)
        else:
            examples = _number("known_examples", "calculator.examples_optional", minimum=0, maximum=costs.MAX_EXAMPLES)
    with right:
        if source == "average":
            avg = _number("avg_tokens", "calculator.avg_tokens", minimum=1, maximum=costs.MAX_TOKENS_PER_REQUEST)
            tokens = int(examples) * int(avg)
        else:
            tokens = int(
                _number("total_tokens", "calculator.total_tokens", minimum=1, maximum=costs.MAX_TRAINING_TOKENS)
            )
    return source, tokens, int(examples) if examples else None, None


def model_inputs(book: Catalog) -> tuple[ModelEntry, str, str, str | None]:
    """Provider, model, method, training tier and deployment type."""
    columns = st.columns(4)
    provider_key = _key("provider")
    st.session_state.setdefault(provider_key, DEFAULTS["provider"])
    provider = columns[0].radio(
        t("calculator.provider"),
        list(catalog.PROVIDERS),
        format_func=lambda p: t(f"calculator.provider_{p}"),
        key=provider_key,
        on_change=reset_overrides,
    )
    entries = {e.snapshot: e for e in book.for_provider(provider)}
    dataset = state.current_dataset()
    preferred = catalog.find_model(book, dataset.model, provider) if dataset else None
    model_key = _key("model")
    _choose(model_key, list(entries), preferred.snapshot if preferred else DEFAULT_MODEL[provider])
    snapshot = columns[1].selectbox(
        t("calculator.model"),
        list(entries),
        format_func=lambda s: model_label(book, entries[s]),
        key=model_key,
        on_change=reset_overrides,
        help=t("calculator.model_help"),
    )
    entry = entries[snapshot]
    methods = list(entry.methods.value)
    studio_methods = catalog.catalog_methods(dataset.method) if dataset else ()
    _choose(_key("method"), methods, next((m for m in studio_methods if m in methods), None))
    method = columns[2].selectbox(
        t("calculator.method"),
        methods,
        format_func=lambda m: t(f"calculator.method_{m}"),
        key=_key("method"),
    )
    deployment: str | None = None
    if provider == "azure":
        tiers = list(entry.training_tiers.value)
        _choose(_key("tier"), tiers, "global")
        tier = columns[3].selectbox(
            t("calculator.tier"),
            tiers,
            format_func=lambda x: t(f"calculator.tier_{x}"),
            key=_key("tier"),
            on_change=reset_overrides,
            help=t("calculator.tier_help"),
        )
        types = list(entry.deployment_types.value) if entry.deployment_types else ["standard"]
        _choose(_key("deployment"), types, catalog.default_deployment_type(tier))
        deployment = columns[3].selectbox(
            t("calculator.deployment"),
            types,
            format_func=lambda x: t(f"calculator.deployment_{x}"),
            key=_key("deployment"),
            on_change=reset_overrides,
            help=t("calculator.deployment_help"),
        )
    else:
        tier = "standard"
        columns[3].caption(t("calculator.tier_openai"))
    return entry, method, tier, deployment


def epochs_input(examples: int | None, hourly: bool) -> tuple[int | None, float]:
    """Epochs auto (with the rule's result and why) or set; RFT hours for hourly-billed methods."""
    if hourly:
        hours = _number("rft_hours", "calculator.rft_hours", minimum=0.01, maximum=costs.MAX_TRAINING_HOURS, step=0.25)
        return None, float(hours)
    auto_key = _key("epochs_auto")
    st.session_state.setdefault(auto_key, True)
    left, right = st.columns([1, 2])
    auto = left.toggle(t("calculator.epochs_auto"), key=auto_key, help=t("calculator.epochs_auto_help"))
    if auto:
        choice = costs.choose_epochs(examples)
        right.info(epochs_reason(choice), icon=":material/info:")
        return None, DEFAULTS["rft_hours"]
    with right:
        epochs = _number("epochs", "calculator.epochs", minimum=costs.MIN_EPOCHS, maximum=costs.MAX_EPOCHS)
    return int(epochs), DEFAULTS["rft_hours"]


def epochs_reason(choice: costs.EpochsChoice) -> str:
    return t(
        f"calculator.epochs_rule.{choice.rule}",
        epochs=choice.epochs,
        examples=choice.examples or 0,
        product=(choice.examples or 0) * costs.TARGET_EPOCHS,
    )


def traffic_inputs() -> tuple[costs.Traffic, int, int]:
    """Requests per day and tokens per request, the few-shot tokens fine-tuning saves, and the horizon."""
    with st.expander(t("calculator.traffic_heading"), expanded=True, icon=":material/trending_up:"):
        st.caption(t("calculator.traffic_caption"))
        cols = st.columns(3)
        with cols[0]:
            rpd = _number(
                "requests_per_day",
                "calculator.requests_per_day",
                minimum=0,
                maximum=costs.MAX_REQUESTS_PER_DAY,
            )
            months = _number("months", "calculator.months", minimum=1, maximum=costs.MAX_MONTHS)
        big = costs.MAX_TOKENS_PER_REQUEST
        with cols[1]:
            tokens_in = _number("input_tokens", "calculator.input_tokens", minimum=0, maximum=big)
            cached = _number("cached_tokens", "calculator.cached_tokens", minimum=0, maximum=big)
        with cols[2]:
            tokens_out = _number("output_tokens", "calculator.output_tokens", minimum=0, maximum=big)
            saved = _number("saved_tokens", "calculator.saved_tokens", minimum=0, maximum=big)
    traffic = costs.Traffic(int(rpd), int(tokens_in), int(tokens_out), int(cached))
    return traffic, int(saved), int(months)


def inputs(book: Catalog) -> Inputs | None:
    """Every input widget, in reading order; None when the data's size is not known yet."""
    st.subheader(t("calculator.data_heading"))
    source, tokens, examples, dataset_name = data_inputs(book)
    st.subheader(t("calculator.model_heading"))
    entry, method, tier, deployment = model_inputs(book)
    if source == "studio":
        dataset = state.current_dataset()
        if dataset is None:
            return None
        with st.spinner(t("calculator.analysing")):
            tokens, examples = dataset_counts(dataset.sha256, dataset.data, entry.snapshot, method)
        if not examples:
            st.warning(t("calculator.studio_empty", name=literal(dataset.name)), icon=":material/warning:")
            return None
        st.caption(t("calculator.studio_counts", examples=examples, tokens=fmt_int(tokens)))
    else:
        tokens = costs.billing_tokens_from_totals(int(tokens or 0), examples, entry.max_tokens_per_example.value)
    epochs, hours = epochs_input(examples, entry.hourly_training)
    traffic, saved, months = traffic_inputs()
    plan = EstimatePlan(
        model=entry.snapshot,
        provider=entry.provider,
        method=method,
        tier=tier,
        deployment_type=deployment,
        billing_tokens_per_epoch=int(tokens or 0),
        examples=examples,
        epochs=epochs,
        rft_hours=hours,
        traffic=traffic,
        prompt_tokens_saved=saved,
    )
    return Inputs(plan, entry, source, months, dataset_name)


def write_link(chosen: Inputs, plan: EstimatePlan) -> dict[str, str]:
    """Put every input in the address bar; a studio dataset travels as its counts, never its content."""
    traffic = plan.traffic or costs.Traffic(0, 0, 0)
    query: dict[str, str] = {}
    if chosen.source == "studio":
        query["source"] = "total"
        query["total_tokens"] = str(plan.billing_tokens_per_epoch)
    else:
        query["source"] = chosen.source
        if chosen.source == "average":
            query["avg_tokens"] = str(st.session_state.get(_key("avg_tokens")))
        else:
            query["total_tokens"] = str(st.session_state.get(_key("total_tokens")))
    if plan.examples:
        query["examples"] = str(plan.examples)
    query |= {
        "provider": plan.provider,
        "model": plan.model,
        "method": plan.method or "",
        "epochs": "auto" if plan.epochs is None else str(plan.epochs),
        "requests_per_day": str(traffic.requests_per_day),
        "input_tokens": str(traffic.input_tokens),
        "cached_tokens": str(traffic.cached_input_tokens),
        "output_tokens": str(traffic.output_tokens),
        "saved_tokens": str(plan.prompt_tokens_saved),
        "months": str(chosen.months),
    }
    if chosen.entry.hourly_training:
        query["rft_hours"] = repr(plan.rft_hours)
    if plan.provider == "azure":
        query["tier"] = plan.tier
        query["deployment"] = plan.deployment_type or "standard"
    if plan.overrides:
        query["overrides"] = costs.format_overrides(plan.overrides)
    for name in list(st.query_params):
        if name in PARAM_NAMES and name not in query:
            del st.query_params[name]
    for name, value in query.items():
        if st.query_params.get(name) != value:
            st.query_params[name] = value
    state.set_calculator_link(query)
    return query


def share_url(query: Mapping[str, str]) -> str:
    base = (st.context.url or "").split("?")[0] or "/calculator"
    return f"{base}?{urlencode({'lang': current_language(), **query}, safe=':,=')}"


# --- price overrides ---------------------------------------------------------------------------------


def price_editor(book: Catalog, plan: EstimatePlan, entry: ModelEntry) -> dict[str, float]:
    """Every price the estimate uses in an editable table; a value in "your price" overrides the catalog."""
    sheet = costs.price_sheet(book, entry, plan.tier, plan.deployment_type, state.calculator_overrides())
    rows = [
        {
            "key": key,
            "price": price_label(key, entry),
            "catalog": line.figure.value if line.figure else None,
            "yours": line.override,
            "status": status_label(line.figure),
            "as_of": line.figure.as_of.isoformat() if line.figure else "",
            "source": book.sources[line.figure.source].title if line.figure else t("calculator.no_price"),
        }
        for key, line in sheet.items()
    ]
    generation = state.calculator_editor_generation()
    edited = st.data_editor(
        pd.DataFrame(rows),
        key=f"{NS}.prices.{generation}",
        hide_index=True,
        disabled=["key", "price", "catalog", "status", "as_of", "source"],
        column_order=["price", "catalog", "yours", "status", "as_of", "source"],
        column_config={
            "price": st.column_config.TextColumn(t("calculator.col_price")),
            "catalog": st.column_config.NumberColumn(t("calculator.col_catalog"), format="%.4g"),
            "yours": st.column_config.NumberColumn(
                t("calculator.col_yours"),
                min_value=0.0,
                max_value=costs.MAX_PRICE_USD,
                format="%.4g",
                help=t("calculator.col_yours_help"),
            ),
            "status": st.column_config.TextColumn(t("calculator.col_status")),
            "as_of": st.column_config.TextColumn(t("calculator.col_as_of")),
            "source": st.column_config.TextColumn(t("calculator.col_source"), width="large"),
        },
    )
    chosen: dict[str, float] = {}
    for row in edited.to_dict("records"):
        value = row.get("yours")
        if value is None or not isinstance(value, int | float) or not math.isfinite(value):
            continue
        if 0 <= value <= costs.MAX_PRICE_USD:
            chosen[str(row["key"])] = float(value)
    state.set_calculator_overrides(chosen)
    st.button(
        t("calculator.reset_prices"),
        on_click=reset_overrides,
        icon=":material/restart_alt:",
        disabled=not chosen,
        key=f"{NS}.reset_prices",
    )
    return chosen


# --- results ------------------------------------------------------------------------------------------


def fmt_int(value: int) -> str:
    text = f"{value:,}"
    return text.replace(",", "\u00a0") if current_language() == "pl" else text


def money(value: float | None, *, compact: bool = False) -> str:
    """USD for display only: cents, four decimals under a cent, whole dollars from $100 when compact."""
    if value is None:
        return "—"
    if 0 < abs(value) < 0.01:
        text = f"{value:,.4f}"
    elif compact and abs(value) >= 100:
        text = f"{value:,.0f}"
    else:
        text = f"{value:,.2f}"
    if current_language() == "pl":
        return text.replace(",", "\u00a0").replace(".", ",") + "\u00a0USD"
    return f"${text}"


def status_label(figure: Figure[Any] | None) -> str:
    if figure is None:
        return t("calculator.status.missing")
    label = t(f"calculator.status.{figure.status}")
    return f"⚠ {label}" if figure.flagged else label


def price_label(key: str, entry: ModelEntry) -> str:
    if key == "training" and entry.hourly_training:
        return t("calculator.price.training_hourly")
    return t(f"calculator.price.{key.replace('.', '_')}")


def model_label(book: Catalog, entry: ModelEntry) -> str:
    found = catalog.availability(book, entry, date.today())
    return t("calculator.model_closed", model=entry.snapshot) if found.state == "closed" else entry.snapshot


def availability_text(entry: ModelEntry, found: catalog.Availability) -> str:
    if found.new_jobs_until is None:
        text = t(f"calculator.avail.{entry.provider}.{found.state}_undated")
    else:
        text = t(f"calculator.avail.{entry.provider}.{found.state}", until=found.new_jobs_until.isoformat())
    if found.deployment_retirement and entry.provider == "azure":
        text += " " + t("calculator.avail.deployments_until", date=found.deployment_retirement.isoformat())
    return text


def render_warnings(book: Catalog, result: Estimate) -> None:
    for code in result.warnings:
        st.warning(
            t(
                f"calculator.warn.{code}",
                hours=book.azure.developer_deployment_hours.value,
                cap=money(book.azure.rft_cap_per_job_usd.value),
            ),
            icon=":material/warning:",
        )
    flagged = [key for key, line in result.prices.items() if line.flagged]
    if flagged:
        names = "; ".join(price_label(key, result.entry) for key in flagged)
        st.warning(t("calculator.flagged_prices", names=names), icon=":material/report:")


def render_metrics(book: Catalog, result: Estimate) -> None:
    training_help = (
        t("calculator.metric_training_hourly_help", hours=result.rft.billed_hours if result.rft else 0)
        if result.entry.hourly_training
        else t(
            "calculator.metric_training_help",
            tokens=fmt_int(result.billing_tokens_per_epoch),
            epochs=result.epochs.epochs,
            billed=fmt_int(result.billed_training_tokens),
        )
    )
    hosting_help = (
        t("calculator.metric_hosting_help", days=book.azure.inactivity_deletion_days.value)
        if result.entry.provider == "azure"
        else t("calculator.metric_hosting_openai_help")
    )
    cards = st.columns(4)
    cards[0].metric(
        t("calculator.metric_training"),
        money(result.training_cost_usd, compact=True),
        help=training_help,
        border=True,
    )
    cards[1].metric(
        t("calculator.metric_inference"),
        money(result.monthly_inference_cost_usd, compact=True),
        help=t("calculator.metric_inference_help"),
        border=True,
    )
    cards[2].metric(
        t("calculator.metric_hosting"),
        money(result.monthly_hosting_cost_usd or 0.0, compact=True),
        help=hosting_help,
        border=True,
    )
    cards[3].metric(
        t("calculator.metric_first_year"),
        money(result.first_year_total_usd, compact=True),
        help=t("calculator.metric_first_year_help"),
        border=True,
    )
    note = availability_text(result.entry, result.availability)
    if result.monthly_hosting_cost_usd:
        note += " " + t("calculator.inactivity_note", days=book.azure.inactivity_deletion_days.value)
    st.caption(note)


def _layout(figure: go.Figure, x_title: str, y_title: str) -> go.Figure:
    figure.update_layout(
        xaxis_title=x_title,
        yaxis_title=y_title,
        height=340,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "y": -0.25},
        yaxis_tickprefix="$",
    )
    return figure


def render_charts(result: Estimate, months: int) -> None:
    left, right = st.columns(2)
    with left:
        series = result.cost_by_epochs(max(EPOCH_CHART_MIN, min(costs.MAX_EPOCHS, result.epochs.epochs + 5)))
        if series:
            figure = go.Figure(
                go.Scatter(x=[e for e, _ in series], y=[c for _, c in series], mode="lines+markers", name="")
            )
            chosen = result.epochs.epochs
            figure.add_trace(
                go.Scatter(
                    x=[chosen],
                    y=[result.training_cost_usd],
                    mode="markers",
                    marker={"size": 14, "color": "#c62828"},
                    name=t("calculator.chart_chosen"),
                )
            )
            figure.update_layout(title=t("calculator.chart_epochs_title"), showlegend=False)
            st.plotly_chart(
                _layout(figure, t("calculator.chart_epochs_x"), t("calculator.chart_usd")),
                key=f"{NS}.epochs_chart",
            )
        else:
            st.info(t("calculator.chart_epochs_hourly"), icon=":material/schedule:")
    with right:
        breakeven = result.break_even
        if breakeven is None:
            st.info(t("calculator.chart_no_traffic"), icon=":material/info:")
            return
        finetuned, base = breakeven.cumulative(months)
        x = list(range(months + 1))
        figure = go.Figure()
        figure.add_trace(go.Scatter(x=x, y=finetuned, mode="lines", name=t("calculator.chart_finetuned")))
        figure.add_trace(go.Scatter(x=x, y=base, mode="lines", name=t("calculator.chart_base")))
        if breakeven.months is not None and breakeven.months <= months:
            figure.add_vline(
                x=breakeven.months,
                line_dash="dash",
                line_color="#2e7d32",
                annotation_text=t("calculator.chart_break_even", when=break_even_when(breakeven.months)),
            )
        figure.update_layout(title=t("calculator.chart_months_title"))
        st.plotly_chart(
            _layout(figure, t("calculator.chart_months_x"), t("calculator.chart_usd")),
            key=f"{NS}.months_chart",
        )
        st.caption(break_even_text(breakeven))


def break_even_text(breakeven: costs.BreakEven) -> str:
    if breakeven.months is None:
        return t(
            "calculator.break_even_never",
            finetuned=money(breakeven.finetuned_monthly_usd),
            base=money(breakeven.base_monthly_usd),
        )
    return t(
        "calculator.break_even_after",
        when=break_even_when(breakeven.months),
        saving=money(breakeven.monthly_saving_usd),
    )


def break_even_when(months: float) -> str:
    """ "4.2 months", or days when it is under a month (30-day months, as everywhere in the estimate)."""
    if months < 1:
        days = max(1, round(months * costs.DAYS_PER_MONTH))
        return t("calculator.one_day") if days == 1 else t("calculator.days", days=days)
    shown = f"{months:.1f}"
    return t("calculator.months_value", months=shown.replace(".", ",") if current_language() == "pl" else shown)


def comparison_rows(book: Catalog, plan: EstimatePlan) -> list[dict[str, Any]]:
    rows = []
    for row in costs.compare_models(book, plan, date.today()):
        line = row.training_price
        rows.append(
            {
                t("calculator.col_provider"): t(f"calculator.provider_{row.entry.provider}"),
                t("calculator.col_model"): row.entry.snapshot,
                t("calculator.col_availability"): availability_text(row.entry, row.availability),
                t("calculator.col_methods"): ", ".join(t(f"calculator.method_{m}") for m in row.entry.methods.value),
                t("calculator.col_tier"): t(f"calculator.tier_{row.tier}"),
                t("calculator.col_training_price"): (
                    f"{money(line.value)}/h" if row.entry.hourly_training else money(line.value)
                )
                + (" ⚠" if line.flagged else ""),
                t("calculator.col_training_cost"): row.training_cost_usd,
                t("calculator.col_inference"): row.monthly_inference_cost_usd,
                t("calculator.col_hosting"): row.monthly_hosting_cost_usd or 0.0,
                t("calculator.col_first_year"): row.first_year_total_usd,
            }
        )
    return rows


def render_comparison(book: Catalog, plan: EstimatePlan) -> None:
    money_columns = ("col_training_cost", "col_inference", "col_hosting", "col_first_year")
    rows = comparison_rows(book, plan)
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        height=36 * (len(rows) + 1) + 2,
        column_config={t(f"calculator.{c}"): st.column_config.NumberColumn(format="$%.2f") for c in money_columns},
        key=f"{NS}.comparison",
    )
    st.caption(t("calculator.comparison_caption"))


# --- exports ------------------------------------------------------------------------------------------


def summary_rows(book: Catalog, result: Estimate, url: str) -> list[tuple[str, str]]:
    """The estimate as (label, value) lines, in the visitor's language, for CSV and Markdown."""
    entry = result.entry
    rows = [
        (t("calculator.export.provider"), t(f"calculator.provider_{entry.provider}")),
        (t("calculator.export.model"), entry.snapshot),
        (t("calculator.export.method"), t(f"calculator.method_{result.method}")),
    ]
    if entry.provider == "azure":
        rows.append((t("calculator.export.tier"), t(f"calculator.tier_{result.tier}")))
        rows.append((t("calculator.export.deployment"), t(f"calculator.deployment_{result.deployment_type}")))
    rows += [
        (t("calculator.export.tokens_per_epoch"), str(result.billing_tokens_per_epoch)),
        (t("calculator.export.epochs"), epochs_reason(result.epochs)),
        (t("calculator.export.billed_tokens"), str(result.billed_training_tokens)),
        (t("calculator.metric_training"), money(result.training_cost_usd)),
        (t("calculator.metric_inference"), money(result.monthly_inference_cost_usd)),
        (t("calculator.metric_hosting"), money(result.monthly_hosting_cost_usd or 0.0)),
        (t("calculator.metric_first_year"), money(result.first_year_total_usd)),
    ]
    if result.break_even is not None:
        rows.append((t("calculator.export.break_even"), break_even_text(result.break_even)))
    for key, line in result.prices.items():
        if line.value is None:
            continue
        provenance = (
            t("calculator.export.override")
            if line.override is not None
            else (
                f"{status_label(line.figure)}, {line.figure.as_of.isoformat()}, "
                f"{book.sources[line.figure.source].title} <{book.sources[line.figure.source].url}>"
                if line.figure
                else ""
            )
        )
        rows.append((price_label(key, entry), f"{line.value:g} ({provenance})"))
    rows.append((t("calculator.export.availability"), availability_text(entry, result.availability)))
    rows.append((t("calculator.export.link"), url))
    return rows


def render_share_and_export(book: Catalog, result: Estimate, query: Mapping[str, str]) -> None:
    url = share_url(query)
    st.code(url, language=None, wrap_lines=True)
    st.caption(t("calculator.share_help"))
    rows = summary_rows(book, result, url)
    columns = (t("calculator.export.item"), t("calculator.export.value"))
    buttons = st.container(horizontal=True)
    buttons.download_button(
        t("calculator.download_csv"),
        costs.estimate_csv(rows, columns),
        file_name="fine-tuning-estimate.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/table:",
        key=f"{NS}.csv",
    )
    buttons.download_button(
        t("calculator.download_md"),
        costs.estimate_markdown(rows, columns, t("calculator.title")),
        file_name="fine-tuning-estimate.md",
        mime="text/markdown",
        on_click="ignore",
        icon=":material/description:",
        key=f"{NS}.md",
    )


def with_overrides(chosen: Inputs, prices: Mapping[str, float]) -> EstimatePlan:
    return replace(chosen.plan, overrides=dict(prices))
