"""The jobs page's pieces: safe provider calls, file checks, the job form, the job list and the live view."""

from __future__ import annotations

import functools
import hashlib
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import openai
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from finetune_guide import catalog, costs, datasets, jobs, providers
from finetune_guide.jobs import Action, JobRequest, JobView, Problem
from finetune_guide.providers import ProviderSettings
from finetune_guide.ui import connection, learn, state
from finetune_guide.ui import lab as lab_ui
from finetune_guide.ui.i18n import current_language, t
from finetune_guide.ui.markdown import literal

T = TypeVar("T")

TABS = ("new", "list")
MAX_EVENTS = 2000
MAX_SHOWN_ERRORS = 5
MODELS_TTL_S = 60.0


# --- calling the provider without ever crashing the page ----------------------------------------------------


def call(action: Action, fn: Callable[[], T], *, quiet: bool = False) -> T | None:
    """Run one provider call; on any API fault show what happened and what to do, and return None."""
    try:
        return fn()
    except providers.ProviderConfigError as error:
        if not quiet:
            st.error(t(f"connect.config.{error.code}") if error.code else t("connect.config.unknown"))
        return None
    except openai.OpenAIError as error:
        if not quiet:
            show_problem(jobs.describe_exception(error, connection.secrets()), action)
        return None


def show_problem(problem: Problem, action: Action | None = None) -> None:
    """A problem as the page explains it: what happened, why in plain words, what to do, and the raw facts."""
    kind = problem.kind
    body = f"**{t(f'jobs.problem.{kind}.title')}**\n\n{t(f'jobs.problem.{kind}.explain')}"
    st.error(body, icon=":material/error:")
    st.info(t("jobs.problem.fix", fix=t(f"jobs.problem.{kind}.fix")), icon=":material/build:")
    if action is not None and jobs.outcome_unknown(action, problem):
        st.warning(t("jobs.create_outcome_unknown"), icon=":material/help:")
    elif action is not None and jobs.may_retry(action, problem):
        st.caption(t("jobs.retry_safe"))
    facts = [
        f"HTTP {problem.http_status}" if problem.http_status else "",
        f"code: {problem.code}" if problem.code else "",
        f"param: {problem.param}" if problem.param else "",
        f"request id: {problem.request_id}" if problem.request_id else "",
    ]
    details = " · ".join(f for f in facts if f)
    if problem.detail:
        details = f"{details}\n{problem.detail}" if details else problem.detail
    if details:
        # Server text is shown as code, never as Markdown or HTML.
        st.code(details, language=None, wrap_lines=True)


def client_or_stop() -> openai.OpenAI:
    """The session's client; a connection that cannot be built stops the page with the fix."""
    client = call("test_connection", connection.get_client)
    if client is None:
        st.page_link(connection.CONNECT_PAGE, label=t("jobs.go_connect"), icon=":material/settings:")
        st.stop()
    return client


def connection_banner(current: ProviderSettings) -> None:
    label = connection.connection_label(current)
    if current.kind == "sandbox":
        scenario = connection.sandbox_service().scenario
        st.info(t("jobs.banner_sandbox", provider=label), icon=":material/science:")
        if scenario != "normal":
            st.warning(
                t("connect.sandbox.scenario_active", scenario=t(f"connect.sandbox.scenarios.{scenario}")),
                icon=":material/theater_comedy:",
            )
    elif current.kind == "local":
        st.info(t("jobs.banner_local", provider=label), icon=":material/memory:")
    else:
        st.info(
            t("jobs.banner_paid", provider=label, masked=connection.key_summary(current)),
            icon=":material/key:",
        )
        if connection.uses_operator_credentials():
            st.warning(t("connect.operator_in_use"), icon=":material/badge:")


# --- "show the code" ----------------------------------------------------------------------------------------


def show_code(action: Action, *, title: str | None = None, **values: Any) -> None:
    """Python (openai SDK) and curl doing the same as the page, the key masked."""
    sample = jobs.code_for(action, jobs.code_target(connection.settings()), **values)
    with st.expander(title or t("jobs.code_title", action=t(f"jobs.actions.{action}")), icon=":material/code:"):
        python_tab, curl_tab = st.tabs(["Python", "curl"])
        python_tab.code(sample.python, language="python")
        curl_tab.code(sample.curl, language="bash")


# --- choosing and checking files ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PickedFile:
    name: str
    data: bytes
    sha256: str


def pick_file(role: state.DatasetRole) -> PickedFile | None:
    """The training or validation file: the one loaded in the Dataset studio, or an upload."""
    studio = state.current_dataset(role)
    options = (["studio"] if studio else []) + ["upload"] + (["none"] if role == "validation" else [])
    choice = st.radio(
        t(f"jobs.file.{role}"),
        options,
        format_func=connection.labels(
            options, lambda option: t(f"jobs.file.source_{option}", name=literal(studio.name) if studio else "")
        ),
        horizontal=True,
        key=f"jobs.{role}_source",
    )
    if choice == "studio" and studio is not None:
        return PickedFile(studio.name, studio.data, studio.sha256)
    if choice == "none":
        return None
    uploaded = st.file_uploader(
        t("jobs.file.upload", role=t(f"jobs.file.{role}")),
        type=["jsonl"],
        key=f"jobs.{role}_upload",
        help=t("jobs.file.upload_help"),
    )
    kept: dict[str, PickedFile] = st.session_state.setdefault(state.JOBS_KEPT_FILES, {})
    if uploaded is not None:
        data = uploaded.getvalue()
        kept[role] = PickedFile(uploaded.name, data, hashlib.sha256(data).hexdigest())
    elif role in kept and st.session_state.get(f"jobs.{role}_upload") is None:
        # The uploader forgets its file when the visitor leaves the page; keep it so nothing is lost.
        st.caption(t("jobs.file.kept", name=literal(kept[role].name)))
        if st.button(t("jobs.file.forget"), key=f"jobs.{role}_forget"):
            kept.pop(role)
            st.rerun()
    return kept.get(role)


def _report(picked: PickedFile, model: str, method: str) -> datasets.DatasetReport:
    # Kept per session (not st.cache_data): the data is this visitor's own.
    reports: dict[tuple[str, str, str], datasets.DatasetReport] = st.session_state.setdefault(state.JOBS_REPORTS, {})
    key = (picked.sha256, model, method)
    if key not in reports:
        reports[key] = datasets.analyze(picked.data, model=model, method=method)
    return reports[key]


def check_file(picked: PickedFile, role: str, model: str, method: str) -> datasets.DatasetReport:
    """Validate a file and show the verdict; a file with errors cannot be sent (the caller checks .ok)."""
    report = _report(picked, model, method)
    errors = list(report.errors)
    if errors:
        count = sum(report.counts_for("error").values()) or len(errors)
        st.error(t("jobs.file.has_errors", name=literal(picked.name), count=count), icon=":material/block:")
        rows = []
        for issue in errors[:MAX_SHOWN_ERRORS]:
            message, hint = _issue_text(issue)
            rows.append(
                {
                    t("jobs.file.col_line"): str(issue.line) if issue.line else "—",
                    t("jobs.file.col_problem"): message,
                    t("jobs.file.col_hint"): hint,
                }
            )
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key=f"jobs.{role}_errors")
        learn.page_link("app_pages/studio.py", t("jobs.file.fix_in_studio"), icon=":material/build:")
    else:
        st.success(
            t(
                "jobs.file.ok",
                name=literal(picked.name),
                examples=examples(report),
                tokens=f"{billing_tokens_per_epoch(report):,}",
            ),
            icon=":material/check_circle:",
        )
    return report


def _issue_text(issue: datasets.Issue) -> tuple[str, str]:
    """An issue's message and hint in the page's language (the validator writes English)."""
    language = current_language()
    if language == "en" or not issue.text_id:
        return issue.message, issue.hint
    return datasets.issue_text(issue.text_id, dict(issue.params), language)


def examples(report: datasets.DatasetReport) -> int:
    return report.stats.examples if report.stats else report.examples


def billing_tokens_per_epoch(report: datasets.DatasetReport) -> int:
    return report.stats.billing_tokens_per_epoch if report.stats else 0


# --- the job form -------------------------------------------------------------------------------------------

# The API says "supervised"; the catalog says "sft".
CATALOG_METHODS = {"supervised": "sft", "dpo": "dpo"}


def _catalog_provider(current: ProviderSettings) -> str:
    return "azure" if current.kind == "azure" else "openai"


def my_models(client: openai.OpenAI, current: ProviderSettings) -> tuple[str, ...]:
    """Model ids the provider lists for this key, asked at most once a minute per session."""
    cache: dict[str, tuple[float, tuple[str, ...]]] = st.session_state.setdefault(state.JOBS_MODELS, {})
    fingerprint = connection.fingerprint()
    now = datetime.now(UTC).timestamp()
    found = cache.get(fingerprint)
    if found is not None and now - found[0] < MODELS_TTL_S:
        return found[1]
    page = call("list_models", client.models.list, quiet=True)
    ids = tuple(sorted(m.id for m in page.data)) if page is not None else ()
    cache[fingerprint] = (now, ids)
    return ids


def forget_models() -> None:
    st.session_state.pop(state.JOBS_MODELS, None)


def pick_method() -> str:
    """Supervised or DPO; a dataset handed on from the Dataset studio brings its method along."""
    studio = state.current_dataset("train")
    methods = ("supervised", "dpo")
    return str(
        st.radio(
            t("jobs.form.method"),
            methods,
            index=methods.index(studio.method) if studio and studio.method in methods else 0,
            format_func=connection.labels(("supervised", "dpo"), lambda method: t(f"jobs.form.methods.{method}")),
            horizontal=True,
            key="jobs.method",
        )
    )


def pick_model(client: openai.OpenAI, current: ProviderSettings, method: str) -> str:
    """A base model from the catalog (filtered by provider and method) or one of your fine-tuned models."""
    listed = my_models(client, current)
    if current.kind == "local":
        base, tuned = lab_ui.model_options(listed)
    else:
        book = catalog.load_catalog()
        wanted = CATALOG_METHODS.get(method, method)
        base = [e.snapshot for e in book.for_provider(_catalog_provider(current)) if wanted in e.methods.value]
        if current.kind == "sandbox" and listed:
            base = [m for m in base if m in listed] or base
        tuned = [m for m in listed if jobs.is_fine_tuned_model(m)]
    source = "base"
    if tuned:
        source = str(
            st.radio(
                t("jobs.form.model_source"),
                ("base", "tuned"),
                format_func=connection.labels(("base", "tuned"), lambda option: t(f"jobs.form.model_source_{option}")),
                horizontal=True,
                key="jobs.model_source",
            )
        )
    options = tuned if source == "tuned" else base
    studio = state.current_dataset("train")
    default = studio.model if studio and studio.model in options else None
    if default is None:
        default = next((m for m in options if "mini" in m), options[0] if options else None)
    if not options:
        st.warning(t("jobs.form.no_models"))
        return ""
    return str(
        st.selectbox(
            t("jobs.form.model"),
            options,
            index=options.index(default) if default in options else 0,
            key=f"jobs.model_{source}_{method}",
            help=t("jobs.form.model_help"),
        )
    )


def _auto_number(
    column: Any, name: str, *, minimum: float, maximum: float, default: float, step: float
) -> float | None:
    """A hyperparameter that is "auto" unless the visitor sets it."""
    with column:
        auto = st.toggle(t(f"jobs.form.{name}_auto"), value=True, key=f"jobs.{name}_auto")
        value = st.number_input(
            t(f"jobs.form.{name}"),
            min_value=minimum,
            max_value=maximum,
            value=default,
            step=step,
            disabled=auto,
            key=f"jobs.{name}",
            help=t(f"jobs.form.{name}_help"),
        )
    return None if auto else value


def job_options(current: ProviderSettings, method: str, model: str, examples: int) -> JobRequest:
    """Hyperparameters, suffix, seed and (on Azure) the training tier; files are filled in at start."""
    if current.kind == "local":
        lab_ui.model_note(model)
        return lab_ui.job_options(method, model)
    columns = st.columns(4 if method == "dpo" else 3)
    epochs = _auto_number(columns[0], "epochs", minimum=1, maximum=50, default=costs.default_epochs(examples), step=1)
    batch = _auto_number(columns[1], "batch", minimum=1, maximum=256, default=1, step=1)
    lr_default = 0.1 if current.kind == "azure" else 1.0
    lr = _auto_number(columns[2], "lr", minimum=0.001, maximum=10.0, default=lr_default, step=0.01)
    beta = None
    if method == "dpo":
        beta = _auto_number(columns[3], "beta", minimum=0.01, maximum=2.0, default=0.1, step=0.01)
    left, middle, right = st.columns(3)
    limit = jobs.AZURE_SUFFIX_MAX if current.kind == "azure" else jobs.OPENAI_SUFFIX_MAX
    suffix = left.text_input(t("jobs.form.suffix"), key="jobs.suffix", help=t("jobs.form.suffix_help", limit=limit))
    seed = middle.number_input(
        t("jobs.form.seed"),
        min_value=0,
        max_value=jobs.SEED_MAX,
        value=None,
        step=1,
        key="jobs.seed",
        help=t("jobs.form.seed_help"),
    )
    training_type = ""
    if current.kind == "azure":
        tiers = providers.AZURE_TRAINING_TYPES
        chosen = current.training_type if current.training_type in tiers else "GlobalStandard"
        training_type = str(
            right.selectbox(
                t("connect.azure.training_type"),
                tiers,
                index=tiers.index(chosen),
                format_func=connection.labels(tiers, lambda tier: t(f"connect.azure.tiers.{tier}")),
                help=t("connect.azure.training_type_help"),
                key="jobs.training_type",
            )
        )
    return JobRequest(
        model=model,
        training_file="pending",
        method="dpo" if method == "dpo" else "supervised",
        n_epochs=int(epochs) if epochs is not None else None,
        batch_size=int(batch) if batch is not None else None,
        learning_rate_multiplier=float(lr) if lr is not None else None,
        beta=float(beta) if beta is not None else None,
        suffix=suffix.strip(),
        seed=int(seed) if seed is not None else None,
        training_type=training_type,
    )


def review(current: ProviderSettings, request: JobRequest, report: datasets.DatasetReport) -> bool:
    """Form problems, then the estimate and an explicit confirmation before a paid job; True when ready."""
    issues = jobs.check_job_request(request, current.kind)
    for issue in issues:
        st.warning(t(f"jobs.issue.{issue.code}", **dict(issue.values)), icon=":material/warning:")
    if current.kind == "sandbox":
        st.success(t("jobs.review.free"), icon=":material/science:")
        return not issues
    if current.kind == "local":
        return lab_ui.review(current, request, report) and not issues
    tier = jobs.AZURE_TRAINING_TIERS.get(request.training_type, "standard")
    plan = costs.EstimatePlan(
        model=request.model,
        provider=_catalog_provider(current),
        method=CATALOG_METHODS.get(request.method, request.method),
        tier=tier,
        billing_tokens_per_epoch=billing_tokens_per_epoch(report),
        examples=examples(report) or None,
        epochs=request.n_epochs,
    )
    try:
        found = costs.estimate(catalog.load_catalog(), plan, on=date.today())
    except (catalog.UnknownModelError, costs.EstimateInputError):
        found = None
    with st.container(border=True):
        st.markdown(f"**{t('jobs.review.title')}**")
        if found is None or found.training_cost_usd is None:
            st.warning(t("jobs.review.no_estimate"), icon=":material/help:")
            cost_text = t("jobs.review.unknown_cost")
        else:
            price = found.training_price
            cost_text = f"${found.training_cost_usd:,.2f}"
            st.metric(t("jobs.review.cost"), cost_text)
            st.caption(
                t(
                    "jobs.review.how",
                    tokens=f"{found.billing_tokens_per_epoch:,}",
                    epochs=found.epochs.epochs,
                    price=f"{price.value:,.2f}",
                )
            )
            if price.figure is not None:
                _source_caption(price.figure, flagged=price.flagged)
            state = found.availability.state
            if state != "open":
                # Azure's "existing customers only" has its own reason and way out; the other states read the same.
                key = "azure_existing_customers_only" if current.kind == "azure" and state != "closed" else state
                st.warning(t(f"jobs.review.availability_{key}"), icon=":material/event_busy:")
        digest = hashlib.sha256(repr((current.kind, request, cost_text)).encode()).hexdigest()[:12]
        confirmed = st.checkbox(t("jobs.review.confirm", cost=cost_text), key=f"jobs.confirm_{digest}")
    return confirmed and not issues


def _source_caption(figure: catalog.Figure[float], *, flagged: bool) -> None:
    """When and where a price comes from, and a warning when no official page confirms it."""
    source = catalog.load_catalog().sources.get(figure.source)
    name = source.title if source else figure.source
    note = t("jobs.review.flagged") if flagged else ""
    st.caption(t("jobs.review.source", as_of=figure.as_of.isoformat(), source=name, note=note))


# --- starting a job -----------------------------------------------------------------------------------------


def remember_job(job_id: str) -> None:
    """Keep the id of a job this session created, so a failing list or a lost connection never loses it."""
    created: list[dict[str, str]] = st.session_state.setdefault(state.JOBS_CREATED, [])
    if all(record["id"] != job_id for record in created):
        created.append({"id": job_id, "connection": connection.fingerprint()})
    st.session_state[state.JOBS_SELECTED] = job_id
    # The job picker is not drawn in this run (the other tab is open), so its value can still be set.
    st.session_state["jobs.pick"] = job_id


def created_ids() -> list[str]:
    fingerprint = connection.fingerprint()
    return [r["id"] for r in st.session_state.get(state.JOBS_CREATED, []) if r["connection"] == fingerprint]


def start_job(
    client: openai.OpenAI,
    current: ProviderSettings,
    train: PickedFile,
    validation: PickedFile | None,
    request: JobRequest,
) -> str | None:
    """Upload the files and create the job once (the rules live in jobs.start_job); show how it ended."""
    uploads: dict[tuple[str, str], str] = st.session_state.setdefault(state.JOBS_UPLOADS, {})
    with st.spinner(t("jobs.starting")):
        started = jobs.start_job(
            client,
            request,
            current.kind,
            training=train,
            validation=validation,
            uploads=uploads,
            connection=connection.fingerprint(),
            secrets=connection.secrets(),
        )
        if started.job_id is None:
            for problem in started.problems:
                show_problem(problem, started.failed_action)
            return None
    remember_job(started.job_id)
    if started.outcome == "found_after_all":
        st.session_state[state.JOBS_FLASH] = t("jobs.created_after_all", id=started.job_id)
    return started.job_id


def switch_to_list() -> None:
    """Open the job list on the next run (a tab can be switched only before it is drawn)."""
    st.session_state[state.JOBS_OPEN_LIST] = True


def tabs() -> tuple[Any, Any]:
    labels = [t(f"jobs.tab_{name}") for name in TABS]
    if st.session_state.pop(state.JOBS_OPEN_LIST, False) or st.session_state.get("jobs.tab") not in labels:
        st.session_state["jobs.tab"] = labels[1] if created_ids() else labels[0]
    new_tab, list_tab = st.tabs(labels, key="jobs.tab", on_change="rerun")
    return new_tab, list_tab


# --- the job list -------------------------------------------------------------------------------------------


def _when(timestamp: int | None) -> str:
    if not timestamp:
        return ""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def status_label(status: str) -> str:
    label = t(f"jobs.status.{status}")
    return status if label == f"jobs.status.{status}" else label


def job_list(client: openai.OpenAI) -> list[JobView]:
    """Jobs as the provider lists them (they survive a reload), plus any this session made that it missed."""
    page = call("list_jobs", lambda: client.fine_tuning.jobs.list(limit=20))
    listed = [jobs.job_view(j) for j in page.data] if page is not None else []
    known = {view.id for view in listed}
    for job_id in reversed(created_ids()):
        if job_id in known:
            continue
        found = call("retrieve_job", functools.partial(client.fine_tuning.jobs.retrieve, job_id), quiet=True)
        listed.append(jobs.job_view(found) if found is not None else JobView(job_id, "unknown", "", 0))
    if not listed:
        if page is not None:
            # Only an answer from the provider can say there are no jobs; a failed list says nothing.
            st.info(t("jobs.list.empty"), icon=":material/inbox:")
        return []
    rows = [
        {
            t("jobs.list.col_id"): view.id,
            t("jobs.list.col_status"): status_label(view.status),
            t("jobs.list.col_model"): view.model,
            t("jobs.list.col_result"): view.fine_tuned_model or "",
            t("jobs.list.col_created"): _when(view.created_at),
        }
        for view in listed
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="jobs.list_table")
    return listed


def show_flash() -> None:
    """A message from the previous run (for example a job found after a dropped connection)."""
    message = st.session_state.pop(state.JOBS_FLASH, None)
    if message:
        st.info(message, icon=":material/info:")


def pick_job(listed: Sequence[JobView]) -> str | None:
    if not listed:
        return None
    ids = [view.id for view in listed]
    models = {view.id: view.model for view in listed}
    if st.session_state.get("jobs.pick") not in ids:
        selected = st.session_state.get(state.JOBS_SELECTED)
        st.session_state["jobs.pick"] = selected if selected in ids else ids[0]
    chosen = st.selectbox(
        t("jobs.list.pick"),
        ids,
        format_func=connection.labels(ids, lambda job_id: f"{job_id} · {models[job_id]}" if models[job_id] else job_id),
        key="jobs.pick",
    )
    st.session_state[state.JOBS_SELECTED] = chosen
    return str(chosen) if chosen else None


# --- one job, live ------------------------------------------------------------------------------------------


def job_view(job_id: str) -> None:
    """The job's panel, refreshed every few seconds until the job reaches a terminal state."""
    last: dict[str, str] = st.session_state.setdefault(state.JOBS_LAST_STATUS, {})
    polling = not jobs.is_terminal(last.get(job_id, ""))
    interval = jobs.poll_interval_s(connection.settings().kind) if polling else None
    panel = st.fragment(run_every=interval, key=f"jobs.view.{job_id}")(_job_panel)
    panel(job_id, polling)


def _events(client: openai.OpenAI, job_id: str) -> list[Any]:
    page = call("list_events", lambda: client.fine_tuning.jobs.list_events(job_id, limit=100), quiet=True)
    return list(itertools.islice(page, MAX_EVENTS)) if page is not None else []


def _results(client: openai.OpenAI, file_id: str) -> tuple[jobs.MetricPoint, ...]:
    store: dict[str, tuple[jobs.MetricPoint, ...]] = st.session_state.setdefault(state.JOBS_RESULTS, {})
    if file_id not in store:
        content = call("download_results", lambda: client.files.content(file_id), quiet=True)
        if content is None:
            return ()
        store[file_id] = jobs.metrics_from_results_csv(content.content)
    return store[file_id]


def _job_panel(job_id: str, polling: bool) -> None:
    client = call("retrieve_job", connection.get_client)
    if client is None:
        return
    job = call("retrieve_job", lambda: client.fine_tuning.jobs.retrieve(job_id))
    if job is None:
        st.caption(t("jobs.view.kept_id", id=job_id))
        return
    view = jobs.job_view(job)
    last: dict[str, str] = st.session_state.setdefault(state.JOBS_LAST_STATUS, {})
    previous, last[job_id] = last.get(job_id), view.status
    if view.terminal and previous != view.status:
        # A new fine-tuned model may exist now; let the model picker ask for the list again.
        forget_models()
    if (previous is not None and previous != view.status) or (polling and view.terminal):
        # Redraw the whole page once per status change: the job list above shows the new status, and a
        # finished job's panel is defined again without a timer, which stops the polling.
        st.rerun()
    events = _events(client, job_id)
    metrics = jobs.metrics_from_events(events)
    if view.status == "succeeded" and view.result_files:
        metrics = jobs.merge_metrics(metrics, _results(client, view.result_files[0]))
    st.subheader(t("jobs.view.title", id=view.id))
    _timeline(view, bool(metrics))
    _facts(view, metrics)
    if connection.settings().kind == "local":
        lab_ui.live_facts(job, view)
    if view.error is not None:
        show_problem(jobs.describe_job_error(view.error))
    job_actions(client, view)
    if connection.settings().kind == "local":
        lab_ui.stop_button(client, view)
    _charts(job_id, metrics)
    _events_log(events)
    _checkpoints(client, view)
    if view.status == "succeeded":
        _success(view)
    if connection.settings().kind == "local" and view.status in {"succeeded", "cancelled"}:
        lab_ui.after_run(client, view, job)
    reads: tuple[Action, ...] = ("retrieve_job", "list_events", "list_checkpoints")
    for action in reads:
        show_code(action, job_id=job_id)
    if view.result_files:
        show_code("download_results", file_id=view.result_files[0])


_STEP_ICONS = {
    "done": ":material/check_circle:",
    "current": ":material/pending:",
    "pending": ":material/radio_button_unchecked:",
    "failed": ":material/cancel:",
    "cancelled": ":material/block:",
    "paused": ":material/pause_circle:",
    "skipped": ":material/remove:",
}


def _timeline(view: JobView, reached_running: bool) -> None:
    steps = jobs.status_timeline(view.status, reached_running=reached_running)
    for column, step in zip(st.columns(len(steps)), steps, strict=True):
        with column:
            st.markdown(f"{_STEP_ICONS[step.state]} **{status_label(step.status)}**")
            st.caption(t(f"jobs.view.step_{step.state}"))


def _facts(view: JobView, metrics: Sequence[jobs.MetricPoint]) -> None:
    fraction = jobs.progress_fraction(view, metrics)
    last_step = metrics[-1].step if metrics else 0
    total = next((p.total_steps for p in reversed(metrics) if p.total_steps), None)
    if total:
        text = t("jobs.view.progress", percent=round(fraction * 100), step=last_step, total=total)
    else:
        text = t("jobs.view.progress_done" if view.status == "succeeded" else "jobs.view.progress_waiting")
    st.progress(fraction, text=text)
    left, right = st.columns(2)
    left.metric(t("jobs.view.status"), status_label(view.status))
    right.metric(t("jobs.view.trained_tokens"), f"{view.trained_tokens:,}" if view.trained_tokens else "—")
    lines = [t("jobs.view.created", when=_when(view.created_at))]
    if view.estimated_finish and not view.terminal:
        lines.append(t("jobs.view.estimated_finish", when=_when(view.estimated_finish)))
    if view.finished_at:
        lines.append(t("jobs.view.finished", when=_when(view.finished_at)))
    settings = [
        f"model: {view.model}",
        f"method: {view.method}",
        f"n_epochs: {view.n_epochs}",
        f"batch_size: {view.batch_size}",
        f"learning_rate_multiplier: {view.learning_rate_multiplier}",
    ]
    if view.method == "dpo":
        settings.append(f"beta: {view.beta}")
    if view.training_type:
        settings.append(f"trainingType: {view.training_type}")
    st.caption(" · ".join(lines))
    st.text(" · ".join(settings))


def _chart(points: Sequence[jobs.MetricPoint], series: Sequence[tuple[str, str]], title: str) -> go.Figure:
    figure = go.Figure()
    for attribute, label in series:
        xs = [p.step for p in points if getattr(p, attribute) is not None]
        ys = [getattr(p, attribute) for p in points if getattr(p, attribute) is not None]
        if xs:
            figure.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers" if len(xs) < 30 else "lines", name=label))
    figure.update_layout(
        title=title,
        xaxis_title=t("jobs.view.chart_step"),
        height=320,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
    )
    return figure


def _charts(job_id: str, metrics: Sequence[jobs.MetricPoint]) -> None:
    if not metrics:
        st.caption(t("jobs.view.no_metrics"))
        return
    left, right = st.columns(2)
    loss = _chart(
        metrics,
        [
            ("train_loss", t("jobs.view.train")),
            ("valid_loss", t("jobs.view.valid")),
            ("full_valid_loss", t("jobs.view.full_valid")),
        ],
        t("jobs.view.chart_loss"),
    )
    accuracy = _chart(
        metrics,
        [
            ("train_accuracy", t("jobs.view.train")),
            ("valid_accuracy", t("jobs.view.valid")),
            ("full_valid_accuracy", t("jobs.view.full_valid")),
        ],
        t("jobs.view.chart_accuracy"),
    )
    left.plotly_chart(loss, width="stretch", key=f"jobs.loss.{job_id}")
    right.plotly_chart(accuracy, width="stretch", key=f"jobs.accuracy.{job_id}")


def _events_log(events: Sequence[Any]) -> None:
    views = jobs.event_views(events)
    with st.expander(t("jobs.view.events", count=len(views)), icon=":material/list:"):
        if not views:
            st.caption(t("jobs.view.no_events"))
            return
        rows = [
            {
                t("jobs.view.col_time"): _when(v.created_at),
                t("jobs.view.col_level"): v.level,
                t("jobs.view.col_message"): v.message,
            }
            for v in reversed(views)
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _checkpoints(client: openai.OpenAI, view: JobView) -> None:
    page = call("list_checkpoints", lambda: client.fine_tuning.jobs.checkpoints.list(view.id), quiet=True)
    found = jobs.checkpoint_views(page.data) if page is not None else ()
    if not found:
        return
    with st.expander(t("jobs.view.checkpoints", count=len(found)), icon=":material/flag:"):
        st.caption(t("jobs.view.checkpoints_help"))
        rows = [
            {
                t("jobs.view.col_step"): c.step,
                t("jobs.view.col_checkpoint"): c.model,
                t("jobs.view.train_loss"): c.train_loss,
                t("jobs.view.valid_loss"): c.valid_loss,
            }
            for c in found
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


# --- cancel, pause, resume (each confirmed first) -----------------------------------------------------------


def _ask(job_id: str, action: str | None) -> None:
    key = f"jobs.pending_action.{job_id}"
    if action is None:
        st.session_state.pop(key, None)
    else:
        st.session_state[key] = action


def job_actions(client: openai.OpenAI, view: JobView) -> None:
    """Cancel, pause and resume as the job's status allows, each asked once more before it is sent."""
    offered = jobs.allowed_actions(view.status, connection.settings().kind)
    if not offered:
        return
    pending = st.session_state.get(f"jobs.pending_action.{view.id}")
    if pending not in offered:
        for column, action in zip(st.columns(len(offered)), offered, strict=True):
            column.button(
                t(f"jobs.view.ask_{action}"),
                key=f"jobs.ask.{action}.{view.id}",
                on_click=_ask,
                args=(view.id, action),
            )
        return
    st.warning(t(f"jobs.view.confirm_{pending}", id=view.id), icon=":material/help:")
    yes, no = st.columns(2)
    no.button(t("jobs.view.keep"), key=f"jobs.no.{view.id}", on_click=_ask, args=(view.id, None))
    if yes.button(t(f"jobs.view.yes_{pending}"), type="primary", key=f"jobs.yes.{view.id}"):
        _ask(view.id, None)
        verb = {"cancel_job": "cancel", "pause_job": "pause", "resume_job": "resume"}[pending]
        method = getattr(client.fine_tuning.jobs, verb)
        if call(pending, lambda: method(view.id)) is not None:
            st.toast(t(f"jobs.view.done_{pending}"))
            st.rerun()
    show_code(pending, job_id=view.id)


# --- after success ------------------------------------------------------------------------------------------


def _success(view: JobView) -> None:
    st.success(t("jobs.view.succeeded", model=view.fine_tuned_model or ""), icon=":material/celebration:")
    if view.fine_tuned_model:
        st.code(view.fine_tuned_model, language=None)
    learn.page_link("app_pages/compare.py", t("jobs.view.compare"), icon=":material/compare:")
    if connection.settings().kind == "azure" and view.fine_tuned_model:
        azure_deployment(view)


def azure_deployment(view: JobView) -> None:
    """How to deploy the model on Azure, filled in, with the hosting cost and the inactivity rule."""
    book = catalog.load_catalog()
    entry = catalog.find_model(book, view.model, "azure")
    tier = jobs.AZURE_TRAINING_TIERS.get(view.training_type or "", "standard")
    offered = list(entry.deployment_types.value) if entry and entry.deployment_types else list(catalog.DEPLOYMENT_TYPES)
    default = catalog.default_deployment_type(tier)
    with st.container(border=True):
        st.markdown(f"**{t('jobs.deploy.title')}**")
        st.caption(t("jobs.deploy.intro"))
        first, second = st.columns(2)
        current = connection.settings()
        subscription = first.text_input(t("jobs.deploy.subscription"), key="jobs.deploy_subscription")
        group = second.text_input(t("jobs.deploy.resource_group"), key="jobs.deploy_group")
        resource = first.text_input(
            t("jobs.deploy.resource"),
            value=jobs.resource_from_endpoint(current.azure_endpoint or current.base_url),
            key="jobs.deploy_resource",
        )
        name = second.text_input(
            t("jobs.deploy.name"),
            value=jobs.deployment_name_for(view.fine_tuned_model or "", view.suffix),
            key="jobs.deploy_name",
        )
        deployment_type = first.selectbox(
            t("jobs.deploy.type"),
            offered,
            index=offered.index(default) if default in offered else 0,
            format_func=connection.labels(offered, lambda kind: t(f"jobs.deploy.types.{kind}")),
            key="jobs.deploy_type",
        )
        price = catalog.hosting_price(entry, deployment_type) if entry else None
        plan = jobs.azure_deployment_plan(
            view.fine_tuned_model or "",
            hourly_hosting_usd=price.value if price else 0.0,
            inactivity_deletion_days=book.azure.inactivity_deletion_days.value,
            developer_deployment_hours=book.azure.developer_deployment_hours.value,
            deployment_type=deployment_type,
            deployment_name=name,
            subscription_id=subscription,
            resource_group=group,
            resource_name=resource,
        )
        st.markdown(t("jobs.deploy.cli"))
        st.code(plan.az_command, language="bash")
        st.markdown(t("jobs.deploy.rest"))
        st.code(plan.rest_curl, language="bash")
        cost_left, cost_right = st.columns(2)
        if price is None:
            st.warning(t("jobs.deploy.no_price"))
        else:
            cost_left.metric(t("jobs.deploy.hourly"), f"${plan.hourly_hosting_usd:,.2f}")
            cost_right.metric(t("jobs.deploy.monthly"), f"${plan.monthly_hosting_usd:,.0f}")
            _source_caption(price, flagged=price.flagged)
        if plan.removed_after_hours:
            st.warning(t("jobs.deploy.developer", hours=plan.removed_after_hours), icon=":material/timer:")
        st.warning(t("jobs.deploy.inactivity", days=plan.inactivity_deletion_days), icon=":material/delete:")
        st.caption(t("jobs.deploy.role"))
