"""Dataset studio widgets: load a file or sample, analyse it once per content, then show, fix, hand it on."""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from finetune_guide import datasets
from finetune_guide.datasets import DatasetReport, Issue, columns, fixes, tables
from finetune_guide.ui import state
from finetune_guide.ui.i18n import current_language, t
from finetune_guide.ui.markdown import literal

T = TypeVar("T")

# Files above this size show a progress bar while they are analysed.
PROGRESS_BYTES = 1 << 20
RAW_ROWS = 500
SHOWN_CHARS = 20_000
SEVERITIES = ("error", "warning", "suggestion")
ROLE_AVATARS = {
    "system": ":material/settings:",
    "developer": ":material/code:",
    "tool": ":material/build:",
    "function": ":material/build:",
}


@dataclass(frozen=True, slots=True)
class Loaded:
    """The dataset the page works on: its bytes and hash, and the widget choice (origin) it came from."""

    origin: str
    name: str
    data: bytes
    sha256: str
    is_table: bool = False
    derived: bool = False
    sample: datasets.Sample | None = None


# --- caches shared by all sessions, keyed by content hash (no user can reach an entry without the content)


class _Lru:
    """A small thread-safe LRU map; Streamlit keeps one per process through st.cache_resource."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Hashable, object] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> object | None:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def put(self, key: Hashable, value: object) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


@st.cache_resource(show_spinner=False)
def _analyses() -> _Lru:
    return _Lru(32)


@st.cache_resource(show_spinner=False)
def _derived() -> _Lru:
    # Fixed files and conversions can be as large as the upload, so only a few are kept.
    return _Lru(6)


def _cached(store: _Lru, key: Hashable, make: Callable[[], T]) -> T:
    found = store.get(key)
    if found is None:
        found = make()
        store.put(key, found)
    return found  # type: ignore[return-value]


def analysis(loaded: Loaded, model: str, method: str, *, role: str = "train") -> DatasetReport:
    """The report for this content, model and method: computed once (with a progress bar on large files)."""
    key = (loaded.sha256, model, method, role)
    report = _analyses().get(key)
    if isinstance(report, DatasetReport):
        return report
    bar = st.progress(0.0, text=t("studio.analysing")) if len(loaded.data) > PROGRESS_BYTES else None

    def moved(fraction: float) -> None:
        if bar is not None:
            bar.progress(fraction, text=t("studio.analysing_percent", percent=round(fraction * 100)))

    report = datasets.analyze(
        loaded.data,
        model=model,
        method=method,
        progress=moved,
        role="validation" if role == "validation" else "train",
    )
    _analyses().put(key, report)
    if bar is not None:
        bar.empty()
    return report


def _loaded(
    origin: str, name: str, data: bytes, sample: datasets.Sample | None = None, derived: bool = False
) -> Loaded:
    is_table = PurePath(name).suffix.lower() in tables.TABLE_SUFFIXES
    return Loaded(origin, name, data, hashlib.sha256(data).hexdigest(), is_table, derived, sample)


def number(value: int) -> str:
    """An integer as the page's language writes it: 12,345 in English, 12 345 in Polish."""
    text = f"{value:,}"
    if current_language() == "pl":
        return text.replace(",", "\u00a0") if abs(value) >= 10_000 else text.replace(",", "")
    return text


# --- inputs


def _labels(options: Iterable[str], pattern: str) -> Callable[[str], str]:
    """A format_func over labels translated now: AppTest and reruns call it outside this script run."""
    labels = {option: t(pattern.format(option)) for option in options}
    return lambda option: labels.get(option, option)


def choose_source() -> Loaded | None:
    """Upload or sample picker; the bytes are read and hashed once per new choice."""
    mode = st.segmented_control(
        t("studio.source"),
        ("upload", "sample"),
        format_func=_labels(("upload", "sample"), "studio.source_{}"),
        default="sample",
        required=True,
        key="studio.source",
    )
    remembered = st.session_state.get(state.STUDIO_LOADED)
    if mode == "upload":
        upload = st.file_uploader(
            t("studio.upload"),
            type=["jsonl", "csv", "xlsx"],
            help=t("studio.upload_help"),
            key="studio.upload",
        )
        if upload is None:
            return None
        origin = f"upload:{upload.file_id}"
        if isinstance(remembered, Loaded) and remembered.origin == origin:
            return remembered
        loaded = _loaded(origin, upload.name, upload.getvalue())
    else:
        options = {sample.id: sample for sample in datasets.samples()}
        if not options:
            st.warning(t("studio.no_samples"))
            return None
        chosen = st.selectbox(
            t("studio.sample"),
            list(options),
            format_func=_labels(options, "studio.samples.{}.title"),
            key="studio.sample",
        )
        sample = options[chosen]
        st.caption(t(f"studio.samples.{sample.id}.description"))
        language = current_language()
        origin = f"sample:{sample.id}:{language}"
        if isinstance(remembered, Loaded) and remembered.origin == origin:
            return remembered
        path = sample.path(language)
        if not path.exists():
            st.warning(t("studio.sample_missing"))
            return None
        loaded = _loaded(origin, path.name, path.read_bytes(), sample)
        # A new sample brings the model and method it was written for.
        st.session_state["studio.model"] = sample.model
        st.session_state["studio.method"] = sample.method
    st.session_state[state.STUDIO_LOADED] = loaded
    st.session_state.pop(state.STUDIO_FIX, None)
    return loaded


def choose_settings() -> tuple[str, str]:
    """The model and method to check for."""
    left, right = st.columns(2)
    known = list(datasets.known_models())
    current = st.session_state.get("studio.model")
    if isinstance(current, str) and current and current not in known:
        known.append(current)
    if current not in known:
        st.session_state["studio.model"] = datasets.DEFAULT_MODEL
    model = left.selectbox(
        t("studio.model"), known, accept_new_options=True, help=t("studio.model_help"), key="studio.model"
    )
    # The value lives in session state (a sample sets it), so the widget gets no default of its own.
    st.session_state.setdefault("studio.method", "supervised")
    method = right.segmented_control(
        t("studio.method"),
        datasets.METHODS,
        format_func=_labels(datasets.METHODS, "studio.methods.{}"),
        required=True,
        key="studio.method",
    )
    return str(model or datasets.DEFAULT_MODEL), str(method)


def as_jsonl(loaded: Loaded) -> Loaded | None:
    """The JSONL to check: the file itself, or a table converted with the column mapping chosen here."""
    if not loaded.is_table:
        return loaded
    st.info(t("studio.table_intro"))
    try:
        table = _cached(_derived(), ("table", loaded.sha256), lambda: tables.read_table(loaded.data, loaded.name))
    except tables.TableError as problem:
        st.error(t("studio.table_unreadable", detail=literal(str(problem))))
        return None
    names = list(table.columns)
    none = "—"
    with st.container(border=True):
        st.markdown(f"**{t('studio.mapping_title')}**")
        first, second, third = st.columns(3)
        user = first.selectbox(
            t("studio.mapping_user"), names, index=columns.guess_user_column(names), key="studio.map_user"
        )
        assistant = second.selectbox(
            t("studio.mapping_assistant"),
            names,
            index=columns.guess_assistant_column(names),
            key="studio.map_assistant",
        )
        system = third.selectbox(t("studio.mapping_system"), [none, *names], key="studio.map_system")
        prompt = ""
        if system == none:
            prompt = st.text_input(t("studio.mapping_prompt"), key="studio.map_prompt")
        st.dataframe(table.head(5), hide_index=True)
    if user == assistant:
        st.warning(t("studio.mapping_same"))
        return None
    mapping = tables.ColumnMapping(str(user), str(assistant), None if system == none else str(system), prompt)
    conversion = _cached(_derived(), ("convert", loaded.sha256, mapping), lambda: tables.table_to_chat(table, mapping))
    if conversion.skipped_rows:
        shown = ", ".join(str(row) for row in conversion.skipped_rows[:20])
        st.warning(t("studio.mapping_skipped", count=len(conversion.skipped_rows), rows=shown))
    name = f"{PurePath(loaded.name).stem}.jsonl"
    st.download_button(
        t("studio.download_converted"),
        conversion.data,
        name,
        "application/jsonl",
        on_click="ignore",
        key="studio.dl_converted",
    )
    return Loaded(
        loaded.origin,
        name,
        conversion.data,
        hashlib.sha256(conversion.data).hexdigest(),
        False,
        True,
        loaded.sample,
    )


def hand_on(loaded: Loaded, model: str, method: str) -> None:
    """Make this dataset the one the calculator and jobs pages use; hashing only when the bytes changed."""
    current = state.current_dataset()
    if current is None or current.sha256 != loaded.sha256 or current.name != loaded.name:
        state.set_current_dataset(loaded.name, loaded.data, model, method)
    else:
        state.update_current_dataset(model, method)


# --- results


def issue_texts(issue: Issue) -> tuple[str, str]:
    """The issue's message and hint in the page's language."""
    language = current_language()
    if language == "en" or not issue.text_id:
        return issue.message, issue.hint
    return datasets.issue_text(issue.text_id, dict(issue.params), language)


def verdict(report: DatasetReport) -> None:
    errors = sum(report.counts_for("error").values())
    warnings = sum(report.counts_for("warning").values())
    fmt = t(f"studio.formats.{report.format}")
    if not report.usable:
        first = next((issue for issue in report.issues if issue.severity == "error"), None)
        message, hint = issue_texts(first) if first else ("", "")
        st.error(t("studio.verdict_unusable", message=message, hint=hint), icon=":material/block:")
        return
    if errors:
        st.error(t("studio.verdict_errors", errors=errors, warnings=warnings, format=fmt), icon=":material/error:")
    elif warnings:
        st.warning(t("studio.verdict_warnings", warnings=warnings, format=fmt), icon=":material/warning:")
    else:
        st.success(t("studio.verdict_ok", format=fmt), icon=":material/check_circle:")
    stats = report.stats
    if stats is None:
        return
    cells = st.columns(4)
    cells[0].metric(t("studio.metric_examples"), number(report.examples))
    cells[1].metric(t("studio.metric_tokens"), number(stats.tokens.total))
    cells[2].metric(t("studio.metric_epochs"), stats.default_epochs)
    cells[3].metric(t("studio.metric_billed"), number(stats.billed_training_tokens))
    if report.method == "reinforcement":
        st.caption(t("studio.note_rft"))
    elif report.method == "dpo":
        st.caption(t("studio.note_dpo"))


def reset_views(dataset: Loaded, report: DatasetReport) -> None:
    """Give filters and selections fresh widgets for a new file, model or method.

    Their keys carry a short id of the analysis: with one fixed key the browser would keep showing the
    choices made for the previous file while the script starts from the defaults.
    """
    signature = f"{dataset.sha256}:{report.model}:{report.method}"
    st.session_state[state.STUDIO_VIEW] = hashlib.sha256(signature.encode()).hexdigest()[:10]


def scoped(key: str) -> str:
    """A widget key that belongs to the current analysis (see reset_views)."""
    return f"{key}.{st.session_state.get(state.STUDIO_VIEW, '')}"


def issues_tab(report: DatasetReport, data: bytes, encoding: str) -> None:
    if not report.issues:
        st.success(t("studio.no_issues"))
        return
    present = [severity for severity in SEVERITIES if report.counts_for(severity)]  # type: ignore[arg-type]
    left, right = st.columns([2, 3])
    chosen = left.pills(
        t("studio.filter_severity"),
        present,
        selection_mode="multi",
        default=present,
        format_func=_labels(present, "studio.severity.{}"),
        key=scoped("studio.filter_severity"),
    )
    codes = sorted({issue.code for issue in report.issues})
    wanted = right.multiselect(
        t("studio.filter_code"), codes, placeholder=t("studio.filter_code_all"), key=scoped("studio.filter_code")
    )
    shown = [issue for issue in report.issues if issue.severity in chosen and (not wanted or issue.code in wanted)]
    kept = len(report.issues)
    total = sum(report.counts.values())
    if total > kept:
        st.caption(t("studio.issues_capped", kept=kept, total=total))
    rows = []
    for issue in shown:
        message, hint = issue_texts(issue)
        rows.append(
            {
                t("studio.col_line"): str(issue.line) if issue.line else t("studio.whole_file"),
                t("studio.col_severity"): t(f"studio.severity.{issue.severity}"),
                t("studio.col_code"): issue.code,
                t("studio.col_message"): message,
                t("studio.col_hint"): hint,
            }
        )
    event = st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key=scoped("studio.issue_table"),
    )
    selected = event.selection.rows if event is not None else []
    if not selected or selected[0] >= len(shown):
        st.caption(t("studio.select_issue"))
        return
    issue = shown[selected[0]]
    if issue.line == 0:
        st.info(t("studio.file_level"))
        return
    st.markdown(f"**{t('studio.example_at', line=issue.line)}**")
    example_view(data, issue.line, encoding)


def example_view(data: bytes, line: int, encoding: str) -> None:
    """One line shown as chat bubbles (when it parses) and as its raw text, both as plain text."""
    raw = datasets.read_line(data, line)
    if raw is None:
        st.warning(t("studio.line_missing"))
        return
    value = datasets.parse_line(raw.encode("utf-8", "surrogatepass"))
    if isinstance(value, dict):
        conversation(value, encoding)
        pretty = json.dumps(value, ensure_ascii=False, indent=2)
    else:
        pretty = raw
    if len(pretty) > SHOWN_CHARS:
        pretty = pretty[:SHOWN_CHARS] + "\n…"
    with st.expander(t("studio.raw_line"), expanded=not isinstance(value, dict)):
        st.code(pretty, language="json" if isinstance(value, dict) else None, wrap_lines=True)


def conversation(example: dict[str, Any], encoding: str) -> None:
    """Chat bubbles with the tokens each message costs; every text is shown literally."""
    turns = datasets.conversation(example, encoding)
    if not turns:
        st.caption(t("studio.no_messages"))
    for turn in turns:
        avatar = ROLE_AVATARS.get(turn.role)
        with st.chat_message(turn.role if turn.role in ("user", "assistant") else turn.role or "?", avatar=avatar):
            label = t(f"studio.turn_labels.{turn.label.replace(' ', '_')}") if turn.label else ""
            st.caption(
                t("studio.turn_meta", role=literal(turn.role), tokens=turn.tokens) + (f" · {label}" if label else "")
            )
            text = turn.text if len(turn.text) <= SHOWN_CHARS else turn.text[:SHOWN_CHARS] + "…"
            st.text(text or "—")


def _histogram(values: np.ndarray, limit: int | None, title: str) -> go.Figure:
    """Pre-binned histogram (small to send for any file size), with the per-example limit as a line.

    When every value is far below the limit, the axis is logarithmic so both stay readable.
    """
    top = int(values.max()) if len(values) else 0
    use_log = limit is not None and top < limit / 4
    if use_log:
        data = np.log10(np.maximum(values, 1))
        upper = math.log10((limit or 1) * 1.15)
    else:
        data = values.astype(float)
        upper = max(top, limit or 0, 1) * 1.05
    counts, edges = np.histogram(data, bins=40, range=(0.0, upper))
    centers = (edges[:-1] + edges[1:]) / 2
    figure = go.Figure(go.Bar(x=centers, y=counts, width=edges[1] - edges[0], marker_line_width=0))
    if limit is not None:
        position = math.log10(limit) if use_log else limit
        figure.add_vline(x=position, line_dash="dash", line_color="#d62728")
        figure.add_annotation(
            x=position,
            y=1,
            yref="paper",
            text=t("studio.limit_line", limit=number(limit)),
            showarrow=False,
            xanchor="right",
            yanchor="top",
        )
    if use_log:
        ticks = [10**power for power in range(0, 7) if 10**power <= (limit or 1) * 1.15]
        figure.update_xaxes(tickvals=[math.log10(x) for x in ticks], ticktext=[number(x) for x in ticks])
    figure.update_layout(
        title=title,
        xaxis_title=t("studio.axis_tokens_log") if use_log else t("studio.axis_tokens"),
        yaxis_title=t("studio.axis_examples"),
        bargap=0.05,
        height=320,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
    )
    return figure


def statistics_tab(report: DatasetReport) -> None:
    stats, measures = report.stats, report.measures
    if stats is None or measures is None or stats.examples == 0:
        st.info(t("studio.no_stats"))
        return
    rows = []
    for name, distribution in (
        ("tokens", stats.tokens),
        ("assistant_tokens", stats.assistant_tokens),
        ("messages", stats.messages_per_example),
    ):
        rows.append(
            {
                "": t(f"studio.stat_rows.{name}"),
                "min": distribution.min,
                "p10": round(distribution.p10, 1),
                t("studio.col_median"): round(distribution.p50, 1),
                t("studio.col_mean"): round(distribution.mean, 1),
                "p90": round(distribution.p90, 1),
                "max": distribution.max,
                t("studio.col_total"): distribution.total,
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.markdown(
        t(
            "studio.billing",
            limit=number(stats.max_tokens_per_example),
            too_long=number(stats.too_long_examples),
            billing=number(stats.billing_tokens_per_epoch),
            epochs=stats.default_epochs,
            billed=number(stats.billed_training_tokens),
        )
    )
    tokens = np.asarray(measures.tokens, dtype=np.int64)
    learned = np.asarray(measures.assistant_tokens, dtype=np.int64)
    left, right = st.columns(2)
    left.plotly_chart(
        _histogram(tokens, stats.max_tokens_per_example, t("studio.chart_tokens")), key="studio.chart_tokens"
    )
    right.plotly_chart(_histogram(learned, None, t("studio.chart_assistant")), key="studio.chart_assistant")
    st.caption(t("studio.formula"))


def conversations_tab(report: DatasetReport, data: bytes) -> None:
    measures = report.measures
    if measures is None or len(measures.lines) == 0:
        st.info(t("studio.no_conversations"))
        return
    count = len(measures.lines)
    chosen = st.number_input(
        t("studio.example_number", count=number(count)), 1, count, 1, key=scoped("studio.example_number")
    )
    index = int(chosen) - 1
    st.caption(
        t(
            "studio.example_summary",
            line=measures.lines[index],
            tokens=number(measures.tokens[index]),
            assistant=number(measures.assistant_tokens[index]),
        )
    )
    example_view(data, measures.lines[index], report.encoding)


def raw_tab(report: DatasetReport, data: bytes) -> None:
    examples = datasets.read_examples(data, limit=RAW_ROWS)
    tokens_by_line: dict[int, int] = {}
    if report.measures is not None:
        for line, tokens in zip(
            report.measures.lines[: RAW_ROWS * 4], report.measures.tokens[: RAW_ROWS * 4], strict=True
        ):
            tokens_by_line[line] = tokens
    rows = [_raw_row(line, example, tokens_by_line.get(line)) for line, example in examples]
    if report.examples > len(rows):
        st.caption(t("studio.raw_first", shown=len(rows), total=number(report.examples)))
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="studio.raw_table")


def _raw_row(line: int, example: dict[str, Any], tokens: int | None) -> dict[str, Any]:
    turns = datasets.conversation(example, count=False)
    roles = " → ".join(turn.role for turn in turns)
    first_user = next((turn.text for turn in turns if turn.role == "user"), "")
    last_reply = next((turn.text for turn in reversed(turns) if turn.role == "assistant"), "")
    return {
        t("studio.col_line"): line,
        t("studio.col_roles"): roles,
        t("studio.col_user"): first_user[:300],
        t("studio.col_reply"): last_reply[:300],
        t("studio.col_tokens"): tokens,
    }


# --- fixes


FIXES = fixes.FIX_IDS


def fixes_tab(loaded: Loaded, report: DatasetReport, model: str, method: str) -> None:
    fix = st.radio(
        t("studio.fix_choose"),
        FIXES,
        format_func=_labels(FIXES, "studio.fixes.{}.title"),
        key="studio.fix_choice",
    )
    st.caption(t(f"studio.fixes.{fix}.help"))
    params = _fix_params(fix)
    if params is None:
        return
    key = (fix, loaded.sha256, model, method, json.dumps(params, sort_keys=True))
    if st.button(t("studio.fix_preview"), type="primary", key="studio.fix_run"):
        st.session_state[state.STUDIO_FIX] = key
    if st.session_state.get(state.STUDIO_FIX) != key:
        return
    with st.spinner(t("studio.fix_working")):
        result = _cached(_derived(), key, lambda: fixes.apply_fix(fix, loaded.data, params, model=model, method=method))
    stem = PurePath(loaded.name).stem
    if isinstance(result, fixes.Split):
        _preview_split(loaded, result, stem, model, method)
    else:
        _preview_fix(loaded, report, result, name=f"{stem}.{fix}.jsonl", model=model, method=method)


def _fix_params(fix: str) -> dict[str, Any] | None:
    if fix == "system_prompt":
        prompt = st.text_area(t("studio.fix_prompt"), key="studio.fix_prompt")
        replace = st.checkbox(t("studio.fix_replace"), key="studio.fix_replace")
        if not prompt.strip():
            st.info(t("studio.fix_prompt_needed"))
            return None
        return {"prompt": prompt, "replace": replace}
    if fix == "legacy":
        left, middle, right = st.columns(3)
        system = left.text_input(t("studio.fix_legacy_system"), key="studio.fix_legacy_system")
        separator = middle.text_input(t("studio.fix_legacy_separator"), value="###", key="studio.fix_legacy_separator")
        stop = right.text_input(t("studio.fix_legacy_stop"), value="END", key="studio.fix_legacy_stop")
        return {"system": system, "separator": separator, "stop": stop}
    if fix == "split":
        left, right = st.columns(2)
        ratio = left.slider(t("studio.fix_ratio"), 5, 50, 20, step=5, format="%d%%", key="studio.fix_ratio")
        seed = right.number_input(t("studio.fix_seed"), 0, 2**31 - 1, 42, key="studio.fix_seed")
        return {"ratio": ratio / 100, "seed": int(seed)}
    return {}


def _preview_fix(
    loaded: Loaded,
    report: DatasetReport,
    result: fixes.FixResult,
    *,
    name: str,
    model: str,
    method: str,
) -> None:
    fixed = Loaded(
        loaded.origin, name, result.data, hashlib.sha256(result.data).hexdigest(), False, True, loaded.sample
    )
    after = analysis(fixed, model, method)
    errors_before = sum(report.counts_for("error").values())
    errors_after = sum(after.counts_for("error").values())
    cells = st.columns(4)
    cells[0].metric(t("studio.fix_examples"), number(result.examples), delta=result.examples - report.examples)
    cells[1].metric(t("studio.fix_changed"), number(result.changed))
    cells[2].metric(t("studio.fix_removed"), number(result.removed))
    cells[3].metric(
        t("studio.fix_errors"),
        number(errors_after),
        delta=errors_after - errors_before,
        delta_color="inverse",
    )
    _preview_lines(result.data)
    left, right = st.columns(2)
    left.download_button(
        t("studio.fix_download", name=literal(name)),
        result.data,
        name,
        "application/jsonl",
        on_click="ignore",
        key="studio.fix_dl",
    )
    if right.button(t("studio.fix_use"), key="studio.fix_use"):
        st.session_state[state.STUDIO_LOADED] = fixed
        st.session_state.pop(state.STUDIO_FIX, None)
        hand_on(fixed, model, method)
        st.rerun()


def _preview_split(loaded: Loaded, split: fixes.Split, stem: str, model: str, method: str) -> None:
    train_name, validation_name = f"{stem}.train.jsonl", f"{stem}.validation.jsonl"
    train = Loaded(
        loaded.origin,
        train_name,
        split.train,
        hashlib.sha256(split.train).hexdigest(),
        False,
        True,
        loaded.sample,
    )
    validation = Loaded(
        loaded.origin,
        validation_name,
        split.validation,
        hashlib.sha256(split.validation).hexdigest(),
        False,
        True,
        loaded.sample,
    )
    train_report = analysis(train, model, method)
    validation_report = analysis(validation, model, method, role="validation")
    cells = st.columns(4)
    cells[0].metric(t("studio.split_train"), number(split.train_examples))
    cells[1].metric(t("studio.split_train_errors"), number(sum(train_report.counts_for("error").values())))
    cells[2].metric(t("studio.split_validation"), number(split.validation_examples))
    cells[3].metric(t("studio.split_validation_errors"), number(sum(validation_report.counts_for("error").values())))
    left, right = st.columns(2)
    left.download_button(
        t("studio.fix_download", name=literal(train_name)),
        split.train,
        train_name,
        "application/jsonl",
        on_click="ignore",
        key="studio.dl_train",
    )
    right.download_button(
        t("studio.fix_download", name=literal(validation_name)),
        split.validation,
        validation_name,
        "application/jsonl",
        on_click="ignore",
        key="studio.dl_validation",
    )
    if st.button(t("studio.split_use"), key="studio.split_use"):
        state.set_current_dataset(train_name, split.train, model, method)
        state.set_current_dataset(validation_name, split.validation, model, method, role="validation")
        st.session_state[state.STUDIO_LOADED] = train
        st.session_state.pop(state.STUDIO_FIX, None)
        st.rerun()
    validation_in_use = state.current_dataset("validation")
    if validation_in_use is not None:
        st.caption(t("studio.split_in_use", name=literal(validation_in_use.name)))


def _preview_lines(data: bytes, lines: int = 3) -> None:
    head = b"\n".join(data.split(b"\n", lines)[:lines]).decode("utf-8", "replace")
    if len(head) > SHOWN_CHARS:
        head = head[:SHOWN_CHARS] + "…"
    st.caption(t("studio.fix_first_lines"))
    st.code(head or "—", language="json", wrap_lines=True)


def back_to_original(loaded: Loaded) -> None:
    """After "use this file", a way back to the file as uploaded."""
    if loaded.derived and not loaded.is_table and st.button(t("studio.back_to_original"), key="studio.back"):
        st.session_state.pop(state.STUDIO_LOADED, None)
        st.session_state.pop(state.STUDIO_FIX, None)
        st.rerun()
