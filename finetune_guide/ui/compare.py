"""Compare page widgets: choosing the models, the side-by-side playground, evaluation runs and results."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import openai
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from finetune_guide import catalog, datasets, evaluation, jobs, providers
from finetune_guide.evaluation import Contender, EvalCase, EvalRun, Judge, ModelSummary, Price, Verdict
from finetune_guide.jobs import CheckpointView, JobView
from finetune_guide.providers import ProviderSettings
from finetune_guide.ui import connection, learn, state
from finetune_guide.ui.i18n import current_language, t
from finetune_guide.ui.markdown import literal

T = TypeVar("T")

JOBS_PAGE = "app_pages/jobs.py"
STUDIO_PAGE = "app_pages/studio.py"
DEFAULT_EXAMPLES = 20
LISTED_JOBS = 100
# Jobs finish while the visitor is on this page; the list is read again at most this often.
JOBS_TTL_S = 30.0
# One case per fragment run keeps a cancel (or any other click) waiting at most one case's calls.
CASES_PER_TICK = 1
TICK_S = 0.1
SIDES = ("tuned", "base")


@dataclass(frozen=True, slots=True)
class Selection:
    """The fine-tuned model and its base model as chosen on the page, and the job they came from (if any)."""

    tuned: Contender
    base: Contender
    job: JobView | None = None


# --- the connection -----------------------------------------------------------------------------------------


def client_or_stop() -> openai.OpenAI:
    """The session's client; settings that cannot make one stop the page with a link to fix them."""
    try:
        return connection.get_client()
    except providers.ProviderConfigError:
        st.error(t("compare.no_client"), icon=":material/key_off:")
        learn.page_link(connection.CONNECT_PAGE, t("compare.go_connect"), icon=":material/settings:")
        st.stop()


def _labels(labels: dict[str, str]) -> Callable[[str], str]:
    # Labels are translated while the page runs, so the format function needs no session state later
    # (AppTest, for one, formats outside the script run).
    return lambda option: labels.get(option, option)


def connection_note(current: ProviderSettings) -> None:
    if current.kind == "sandbox":
        st.info(t("compare.sandbox_note"), icon=":material/science:")
    elif current.kind == "local":
        st.info(t("compare.local_note"), icon=":material/memory:")
    elif current.kind == "azure":
        st.caption(t("compare.azure_note"))


def _provider(current: ProviderSettings) -> str:
    return "azure" if current.kind == "azure" else "openai"


def _call(fn: Callable[[], T]) -> T | None:
    """A listing call to the provider; a failure is explained on the page and reads as None."""
    try:
        return fn()
    except (openai.OpenAIError, OSError) as error:
        problem = jobs.describe_exception(error, connection.secrets())
        show_problem(problem.kind, problem.detail)
        return None


def show_problem(kind: str, detail: str) -> None:
    st.error(f"**{t(f'compare.problem.{kind}.title')}** — {t(f'compare.problem.{kind}.fix')}")
    if detail:
        # Server text is shown as code, never as Markdown or HTML.
        st.code(detail, language=None, wrap_lines=True)


# --- listings read from the provider, kept per session and per account --------------------------------------


def _listings() -> dict[str, Any]:
    cache: dict[str, dict[str, Any]] = st.session_state.setdefault(state.COMPARE_LISTINGS, {})
    return cache.setdefault(connection.fingerprint(), {})


def forget_listings() -> None:
    st.session_state.pop(state.COMPARE_LISTINGS, None)


def succeeded_jobs(client: openai.OpenAI) -> list[JobView] | None:
    """Your finished jobs with a fine-tuned model, read again after JOBS_TTL_S or on "Refresh"."""
    found = _listings()
    listed_at, views = found.get("jobs", (0.0, []))
    if not views or time.monotonic() - listed_at > JOBS_TTL_S:
        page = _call(lambda: client.fine_tuning.jobs.list(limit=LISTED_JOBS))
        if page is None:
            return None
        views = [v for v in map(jobs.job_view, page.data) if v.status == "succeeded" and v.fine_tuned_model]
        found["jobs"] = (time.monotonic(), views)
    return list(views)


def job_checkpoints(client: openai.OpenAI, job_id: str) -> tuple[CheckpointView, ...]:
    found = _listings().setdefault("checkpoints", {})
    if job_id not in found:
        page = _call(lambda: client.fine_tuning.jobs.checkpoints.list(job_id, limit=100))
        if page is None:
            return ()
        found[job_id] = jobs.checkpoint_views(page.data)
    return tuple(found[job_id])


# --- choosing the models ------------------------------------------------------------------------------------


def _job_label(view: JobView) -> str:
    return f"{view.fine_tuned_model} · {view.model} · {view.id}"


def _pick_job(listed: Sequence[JobView], key: str) -> JobView:
    by_id = {view.id: view for view in listed}
    chosen = st.selectbox(t("compare.pick.job"), list(by_id), format_func=lambda i: _job_label(by_id[i]), key=key)
    return by_id[str(chosen)]


def _no_jobs() -> None:
    st.info(t("compare.pick.no_jobs"), icon=":material/inbox:")
    learn.page_link(JOBS_PAGE, t("compare.go_jobs"), icon=":material/model_training:")


def pick_models(client: openai.OpenAI, current: ProviderSettings) -> Selection | None:
    """The fine-tuned model (a job's, a checkpoint, a typed id or an Azure deployment) and its base model."""
    sources = ["jobs", "checkpoint", "typed"]
    if current.kind == "azure":
        sources = ["deployment", *sources]
    source = st.radio(
        t("compare.pick.source"),
        sources,
        format_func=_labels({s: t(f"compare.pick.sources.{s}") for s in sources}),
        horizontal=True,
        key="compare.source",
    )
    tuned_id, derived_base, job = "", "", None
    if source in ("jobs", "checkpoint"):
        listed = succeeded_jobs(client)
        if st.button(t("compare.pick.refresh"), key="compare.refresh", icon=":material/refresh:"):
            forget_listings()
            st.rerun()
        if not listed:
            if listed is not None:
                _no_jobs()
            return None
        job = _pick_job(listed, "compare.job")
        derived_base = job.model
        tuned_id = job.fine_tuned_model or ""
        if source == "checkpoint":
            found = job_checkpoints(client, job.id)
            if not found:
                st.info(t("compare.pick.no_checkpoints"))
                return None
            by_model = {c.model: c for c in found}
            tuned_id = str(
                st.selectbox(
                    t("compare.pick.checkpoint"),
                    list(reversed(by_model)),
                    format_func=_labels(
                        {m: t("compare.pick.checkpoint_label", step=c.step, model=m) for m, c in by_model.items()}
                    ),
                    key="compare.checkpoint",
                )
            )
    else:
        label = "deployment" if source == "deployment" else "typed"
        tuned_id = st.text_input(
            t(f"compare.pick.{label}"),
            key=f"compare.{label}",
            placeholder=t(f"compare.pick.{label}_placeholder"),
            help=t(f"compare.pick.{label}_help"),
        ).strip()
        derived_base = "" if source == "deployment" else catalog.base_model_name(tuned_id)
    base_id = _base_input(derived_base, deployment=source == "deployment")
    if not tuned_id or not base_id:
        st.info(t("compare.pick.missing"), icon=":material/arrow_upward:")
        return None
    tuned_price, base_price = _prices(base_id, tuned_id, current)
    tuned = Contender(tuned_id, "fine_tuned", tuned_price)
    return Selection(tuned, Contender(base_id, "base", base_price), job)


def _base_input(derived: str, *, deployment: bool) -> str:
    # The base follows the fine-tuned choice until the visitor types their own.
    filled: dict[str, object] = st.session_state.setdefault(state.COMPARE_FILLED_FOR, {})
    if filled.get("base") != derived:
        filled["base"] = derived
        st.session_state["compare.base"] = derived
    return str(
        st.text_input(
            t("compare.pick.base_deployment" if deployment else "compare.pick.base"),
            key="compare.base",
            help=t("compare.pick.base_help"),
        )
    ).strip()


_PRICE_KEYS = ("tuned.input", "tuned.output", "base.input", "base.output")


LOCAL_PRICE = Price(0.0, 0.0, as_of="local")


def _prices(base_id: str, tuned_id: str, current: ProviderSettings) -> tuple[Price, Price]:
    """Catalog prices for the pair, which the visitor may override (prices change; the catalog is dated)."""
    if current.kind == "local":
        # Models on this computer cost nothing per token: costs read $0, and there are no prices to enter.
        return LOCAL_PRICE, LOCAL_PRICE
    book = catalog.load_catalog()
    provider = _provider(current)
    # A fine-tuned id names its own base ("ft:<base>:…", "<base>.ft-…"); a deployment name does not, so its
    # price follows the base model chosen beside it.
    tuned = evaluation.catalog_price(book, tuned_id, fine_tuned=True, provider=provider)
    if not tuned.known:
        tuned = evaluation.catalog_price(book, base_id, fine_tuned=True, provider=provider)
    base = evaluation.catalog_price(book, base_id, fine_tuned=False, provider=provider)
    defaults = {
        "tuned.input": tuned.input_per_1m_usd,
        "tuned.output": tuned.output_per_1m_usd,
        "base.input": base.input_per_1m_usd,
        "base.output": base.output_per_1m_usd,
    }
    filled: dict[str, object] = st.session_state.setdefault(state.COMPARE_FILLED_FOR, {})
    if filled.get("prices") != (tuned_id, base_id, provider):
        filled["prices"] = (tuned_id, base_id, provider)
        for name, value in defaults.items():
            st.session_state[f"compare.price.{name}"] = value
    known = tuned.known and base.known
    with st.expander(t("compare.prices.title"), icon=":material/sell:", expanded=not known):
        if known:
            flagged = t("compare.prices.flagged") if tuned.flagged or base.flagged else ""
            st.caption(t("compare.prices.from_catalog", as_of=max(tuned.as_of, base.as_of), flagged=flagged))
        else:
            st.warning(t("compare.prices.unknown"), icon=":material/help:")
        columns = st.columns(4)
        chosen: dict[str, float | None] = {}
        for column, name in zip(columns, _PRICE_KEYS, strict=True):
            chosen[name] = column.number_input(
                t(f"compare.prices.{name.replace('.', '_')}"),
                min_value=0.0,
                max_value=10_000.0,
                value=None,
                step=0.05,
                format="%.4f",
                key=f"compare.price.{name}",
            )

    def price(side: str, catalog_price: Price) -> Price:
        entered = Price(chosen[f"{side}.input"], chosen[f"{side}.output"])
        same = (entered.input_per_1m_usd, entered.output_per_1m_usd) == (
            catalog_price.input_per_1m_usd,
            catalog_price.output_per_1m_usd,
        )
        return catalog_price if same else entered

    return price("tuned", tuned), price("base", base)


def contender_label(contender: Contender, *, in_text: bool = False) -> str:
    """The contender as tables and charts name it, or (in_text) as a sentence does."""
    group = "role_in_text" if in_text else "role"
    return t(f"compare.{group}.{contender.role}", step=contender.step)


# --- playground ---------------------------------------------------------------------------------------------


def _history() -> dict[str, list[dict[str, Any]]]:
    history: dict[str, list[dict[str, Any]]] = st.session_state.setdefault(
        state.COMPARE_HISTORY, {side: [] for side in SIDES}
    )
    return history


def _conversation(system: str, turns: Sequence[dict[str, Any]], message: str) -> list[dict[str, str]]:
    sent = [{"role": "system", "content": system}] if system.strip() else []
    sent += [{"role": turn["role"], "content": turn["content"]} for turn in turns if not turn.get("problem")]
    return [*sent, {"role": "user", "content": message}]


def _ask(client: openai.OpenAI, contender: Contender, messages: list[dict[str, str]]) -> dict[str, Any]:
    try:
        reply = evaluation.ask(client, contender.model, messages)
    except (openai.OpenAIError, OSError) as error:
        problem = jobs.describe_exception(error, connection.secrets())
        return {"role": "assistant", "content": "", "problem": problem.kind, "detail": problem.detail}
    return {
        "role": "assistant",
        "content": reply.text,
        "model": contender.model,
        "input_tokens": reply.input_tokens,
        "output_tokens": reply.output_tokens,
        "latency_ms": reply.latency_ms,
        "cost_usd": evaluation.call_cost_usd(reply.input_tokens, reply.output_tokens, contender.price),
        "tool_calls": [f"{c.name}({c.arguments})" for c in reply.tool_calls],
    }


def _usage_line(turn: dict[str, Any]) -> str:
    cost = turn.get("cost_usd")
    return t(
        "compare.play.usage",
        input=_number(turn.get("input_tokens")),
        output=_number(turn.get("output_tokens")),
        latency=decimal(turn.get("latency_ms") or 0, 0),
        cost=t("compare.unknown_price") if cost is None else usd(cost),
    )


def _number(value: object) -> str:
    return decimal(value, 0) if isinstance(value, int) else "?"


def decimal(value: float, digits: int) -> str:
    """A number as the visitor's language writes it (Polish: 1 234,5)."""
    text = f"{value:,.{digits}f}"
    if current_language() == "pl":
        return text.replace(",", "\u00a0").replace(".", ",")
    return text


def usd(amount: float) -> str:
    """Per-call costs are fractions of a cent, so small amounts keep six decimals."""
    text = decimal(amount, 6 if amount < 0.01 else 4)
    return f"{text}\u00a0USD" if current_language() == "pl" else f"${text}"


def count_phrase(group: str, n: int) -> str:
    """ "20 examples" with the noun in the form the number needs (Polish has three)."""
    return t(f"compare.{group}.{_plural_form(n)}", n=n)


def _plural_form(n: int) -> str:
    if n == 1:
        return "one"
    if current_language() == "pl" and n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return "few"
    return "many"


def _show_turn(turn: dict[str, Any]) -> None:
    if turn["role"] == "user":
        with st.chat_message("user"):
            st.text(turn["content"])
        return
    with st.chat_message("assistant", avatar=":material/error:" if turn.get("problem") else None):
        if turn.get("problem"):
            show_problem(turn["problem"], turn.get("detail", ""))
            return
        # Model output is shown as text: never Markdown or HTML, whatever the model wrote.
        st.text(turn["content"] or t("compare.play.empty_answer"))
        for call in turn.get("tool_calls") or []:
            st.code(call, language=None, wrap_lines=True)
        st.caption(_usage_line(turn))


def playground(client: openai.OpenAI, selection: Selection) -> None:
    """Send the same system prompt and message to both models; each side keeps its own conversation."""
    st.caption(t("compare.play.intro"))
    system = st.text_area(
        t("compare.play.system"),
        key="compare.play.system",
        height=80,
        placeholder=t("compare.play.system_hint"),
    )
    history = _history()
    columns = st.columns(2)
    boxes = []
    for column, contender in zip(columns, (selection.tuned, selection.base), strict=True):
        with column:
            st.markdown(f"**{contender_label(contender)}**")
            st.code(contender.model, language=None, wrap_lines=True)
            boxes.append(st.container())
    message = st.chat_input(t("compare.play.message"), key="compare.play.input")
    if message:
        with st.spinner(t("compare.play.asking")):
            for side, contender in zip(SIDES, (selection.tuned, selection.base), strict=True):
                answer = _ask(client, contender, _conversation(system, history[side], message))
                history[side] += [{"role": "user", "content": message}, answer]
    for box, side in zip(boxes, SIDES, strict=True):
        with box:
            for turn in history[side]:
                _show_turn(turn)
    if any(history.values()) and st.button(t("compare.play.clear"), key="compare.play.clear", icon=":material/delete:"):
        st.session_state[state.COMPARE_HISTORY] = {side: [] for side in SIDES}
        st.rerun()


# --- evaluation: what to compare, on which file -------------------------------------------------------------


def eval_contenders(client: openai.OpenAI, selection: Selection, current: ProviderSettings) -> list[Contender]:
    """Fine-tuned against base, or the last three checkpoints of a job (optionally with the base model)."""
    mode = st.radio(
        t("compare.eval.mode"),
        ("pair", "checkpoints"),
        format_func=_labels({m: t(f"compare.eval.modes.{m}") for m in ("pair", "checkpoints")}),
        horizontal=True,
        key="compare.eval.mode",
    )
    if mode == "pair":
        return [selection.tuned, selection.base]
    listed = succeeded_jobs(client)
    if not listed:
        if listed is not None:
            _no_jobs()
        return []
    job = _pick_job(listed, "compare.eval.job")
    chosen = evaluation.last_checkpoints(job_checkpoints(client, job.id))
    if not chosen:
        st.info(t("compare.pick.no_checkpoints"))
        return []
    price = evaluation.catalog_price(catalog.load_catalog(), job.model, fine_tuned=True, provider=_provider(current))
    found = [Contender(c.model, "checkpoint", price, c.step) for c in chosen]
    st.caption(t("compare.eval.checkpoints_found", steps=", ".join(str(c.step) for c in chosen)))
    if st.checkbox(t("compare.eval.with_base"), key="compare.eval.with_base"):
        base_price = evaluation.catalog_price(
            catalog.load_catalog(), job.model, fine_tuned=False, provider=_provider(current)
        )
        found.append(Contender(job.model, "base", base_price))
    return found


@dataclass(frozen=True, slots=True)
class PickedFile:
    name: str
    data: bytes
    sha256: str


def _job_file(client: openai.OpenAI, file_id: str) -> bytes | None:
    found = _listings().setdefault("files", {})
    if file_id not in found:
        response = _call(lambda: client.files.content(file_id))
        if response is None:
            return None
        found[file_id] = response.content
    return bytes(found[file_id])


def pick_validation_file(client: openai.OpenAI, selection: Selection) -> PickedFile | None:
    """The validation file from the Dataset studio, the chosen job's validation file, or an upload."""
    studio = state.current_dataset("validation")
    job_file = selection.job.validation_file if selection.job else None
    options = (["studio"] if studio else []) + (["job"] if job_file else []) + ["upload"]
    source = st.radio(
        t("compare.file.source"),
        options,
        format_func=_labels(
            {o: t(f"compare.file.sources.{o}", name=literal(studio.name) if studio else "") for o in options}
        ),
        horizontal=True,
        key="compare.file.source",
    )
    if source == "studio" and studio is not None:
        return PickedFile(studio.name, studio.data, studio.sha256)
    if source == "job" and job_file:
        data = _job_file(client, job_file)
        return PickedFile(job_file, data, hashlib.sha256(data).hexdigest()) if data is not None else None
    if not studio:
        st.caption(t("compare.file.studio_hint"))
        learn.page_link(STUDIO_PAGE, t("compare.file.go_studio"), icon=":material/dataset:")
    uploaded = st.file_uploader(t("compare.file.upload"), type=["jsonl"], key="compare.file.upload")
    kept: dict[str, PickedFile] = st.session_state.setdefault(state.COMPARE_FILES, {})
    if uploaded is not None:
        data = uploaded.getvalue()
        kept["upload"] = PickedFile(uploaded.name, data, hashlib.sha256(data).hexdigest())
    elif "upload" in kept:
        # The uploader forgets its file when the visitor leaves the page; keep it so nothing is lost.
        st.caption(t("compare.file.kept", name=literal(kept["upload"].name)))
    return kept.get("upload")


def read_cases(picked: PickedFile) -> evaluation.CaseSet:
    """The file's cases, read once per file and kept in this session (the data is the visitor's own)."""
    found: dict[str, tuple[evaluation.CaseSet, int]] = st.session_state.setdefault(state.COMPARE_CASES, {})
    if picked.sha256 not in found:
        records = datasets.read_examples(picked.data)
        lines = sum(1 for line in picked.data.splitlines() if line.strip())
        found.clear()  # one file at a time is enough; do not grow the session with every upload
        found[picked.sha256] = (evaluation.eval_cases(records), lines - len(records))
    cases, unreadable = found[picked.sha256]
    skipped = len(cases.skipped) + unreadable
    if cases.cases:
        st.caption(t("compare.file.read", name=literal(picked.name), cases=len(cases.cases), skipped=skipped))
    else:
        st.warning(t("compare.file.no_cases", name=literal(picked.name), skipped=skipped), icon=":material/warning:")
    if cases.skipped:
        reasons = sorted({s.reason for s in cases.skipped})
        st.caption(t("compare.file.skipped", reasons="; ".join(t(f"compare.file.skip.{r}") for r in reasons)))
    return cases


# --- evaluation: judge, estimate, confirm -------------------------------------------------------------------


def judge_settings(selection: Selection, current: ProviderSettings) -> Judge | None:
    if not st.toggle(t("compare.judge.enable"), key="compare.judge.enable", help=t("compare.judge.help")):
        return None
    st.session_state.setdefault("compare.judge.model", selection.base.model)
    st.session_state.setdefault("compare.judge.rubric", t("compare.judge.default_rubric"))
    model = st.text_input(t("compare.judge.model"), key="compare.judge.model").strip()
    rubric = st.text_area(t("compare.judge.rubric"), key="compare.judge.rubric", height=120)
    st.caption(t("compare.judge.appended"))
    st.code(evaluation.JUDGE_FORMAT_INSTRUCTION, language=None, wrap_lines=True)
    if current.kind == "sandbox":
        st.caption(t("compare.judge.sandbox"))
    if not model or not rubric.strip():
        st.warning(t("compare.judge.incomplete"))
        return None
    price = evaluation.catalog_price(catalog.load_catalog(), model, fine_tuned=False, provider=_provider(current))
    return Judge(model, rubric, price)


def show_estimate(estimate: evaluation.RunEstimate, contenders: Sequence[Contender], current: ProviderSettings) -> None:
    labels = [contender_label(c) for c in contenders] + ([t("compare.judge.label")] if estimate.judge else [])
    rows = [
        {
            t("compare.col.who"): label,
            t("compare.col.model"): line.model,
            t("compare.col.calls"): line.calls,
            t("compare.col.input_tokens"): line.input_tokens,
            t("compare.col.output_tokens"): line.output_tokens,
            t("compare.col.cost"): t("compare.unknown_price") if line.cost_usd is None else usd(line.cost_usd),
        }
        for label, line in zip(labels, estimate.lines, strict=True)
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="compare.estimate")
    total = usd(estimate.cost_usd)
    st.markdown(
        t(
            "compare.estimate.total",
            calls=count_phrase("calls", estimate.calls),
            cost=total,
            on_n=_on_n(estimate.examples),
        )
    )
    if estimate.unpriced:
        st.warning(t("compare.estimate.unpriced", count=len(estimate.unpriced)), icon=":material/help:")
    st.caption(t("compare.estimate.how"))
    if current.kind == "sandbox":
        st.caption(t("compare.estimate.sandbox"))


def _start(run: EvalRun, confirm_key: str) -> None:
    st.session_state[state.COMPARE_RUN] = run
    # A new run needs a new confirmation.
    st.session_state[confirm_key] = False


def estimate(cases: Sequence[EvalCase], contenders: Sequence[Contender], judge: Judge | None) -> evaluation.RunEstimate:
    return evaluation.estimate_run(cases, contenders, judge)


def confirm_and_start(
    found: evaluation.RunEstimate,
    cases: Sequence[EvalCase],
    contenders: Sequence[Contender],
    judge: Judge | None,
) -> None:
    """A confirmation that names the calls and the estimated cost, then the start button."""
    # The confirmation belongs to this estimate: other models, examples or prices need a new one.
    digest = hashlib.sha256(repr((found, contenders, judge)).encode()).hexdigest()[:12]
    confirm_key = f"compare.eval.confirm.{digest}"
    # The lab costs nothing and asks nothing; the sandbox rehearses a paid provider's confirmation on purpose.
    confirmed = connection.settings().kind == "local" or st.checkbox(
        t("compare.estimate.confirm", calls=count_phrase("calls", found.calls), cost=usd(found.cost_usd)),
        key=confirm_key,
    )
    running = current_run()
    busy = running is not None and not running.finished
    st.button(
        t("compare.eval.start"),
        type="primary",
        icon=":material/play_arrow:",
        disabled=not confirmed or busy,
        key="compare.eval.start",
        on_click=_start,
        args=(evaluation.start_run(cases, contenders, limit=len(cases), judge=judge), confirm_key),
    )


def examples_to_run(total: int) -> int:
    top = min(total, evaluation.MAX_EXAMPLES)
    chosen = st.session_state.get("compare.eval.n")
    if not isinstance(chosen, int) or not 1 <= chosen <= top:
        st.session_state["compare.eval.n"] = min(DEFAULT_EXAMPLES, top)
    return int(
        st.number_input(
            t("compare.eval.examples", total=total), min_value=1, max_value=top, step=1, key="compare.eval.n"
        )
    )


# --- evaluation: the run, a case per fragment run, cancellable between cases --------------------------------


def current_run() -> EvalRun | None:
    run = st.session_state.get(state.COMPARE_RUN)
    return run if isinstance(run, EvalRun) else None


def run_panel(client: openai.OpenAI) -> None:
    """Progress and cancel while a run is going (it advances in a fragment so the page stays usable)."""
    run = current_run()
    if run is None:
        return
    every = None if run.finished else TICK_S
    st.fragment(_progress, run_every=every)(client)


def _progress(client: openai.OpenAI) -> None:
    run = current_run()
    if run is None or run.finished:
        return
    if st.button(t("compare.eval.cancel"), key="compare.eval.cancel", icon=":material/stop:"):
        st.session_state[state.COMPARE_RUN] = run.cancelled()
        st.rerun()
    bar = st.progress(run.done_count / run.total, text=_progress_text(run))
    run = evaluation.advance(client, run, cases=CASES_PER_TICK, secrets=connection.secrets())
    st.session_state[state.COMPARE_RUN] = run
    bar.progress(run.done_count / run.total, text=_progress_text(run))
    if run.finished:
        # Draw the results outside the fragment and stop the fragment's timer.
        st.rerun()


def _progress_text(run: EvalRun) -> str:
    return t("compare.eval.progress", done=run.done_count, total=run.total)


# --- evaluation: results ------------------------------------------------------------------------------------


def results(run: EvalRun) -> None:
    if not run.finished:
        return
    st.subheader(t("compare.results.title"))
    if run.status == "cancelled":
        st.warning(t("compare.results.cancelled", done=run.done_count, total=run.total), icon=":material/stop:")
    if not run.results:
        return
    summaries = evaluation.summarize(run)
    show_verdict(run, summaries, evaluation.verdict(summaries))
    _problems(summaries, run)
    _summary_table(run, summaries)
    _charts(run, summaries)
    _examples_table(run)
    st.download_button(
        t("compare.results.download"),
        evaluation.results_csv(run),
        "finetune-guide-evaluation.csv",
        "text/csv",
        icon=":material/download:",
        key="compare.results.download",
    )


def _ratio(part: int, whole: int) -> str:
    return f"{part}/{whole}"


def _f1(summary: ModelSummary) -> str:
    return "–" if summary.mean_f1 is None else decimal(summary.mean_f1, 2)


def verdict_text(run: EvalRun, summaries: Sequence[ModelSummary], decision: Verdict) -> str:
    """The verdict in one paragraph: who is better, on what basis, with the figures side by side."""
    if decision.decision == "no_answers" or decision.winner is None:
        return t("compare.verdict.no_answers")
    best = summaries[decision.winner]
    best_label = contender_label(run.contenders[decision.winner], in_text=True)
    if decision.decision == "only_one" or decision.runner_up is None:
        return t("compare.verdict.only_one", best=best_label, f1=_f1(best), on_n=_on_n(best.examples))
    other = summaries[decision.runner_up]
    other_label = contender_label(run.contenders[decision.runner_up], in_text=True)
    facts = [t("compare.verdict.f1", a=_f1(best), b=_f1(other))]
    if best.format_applicable or other.format_applicable:
        facts.append(
            t(
                "compare.verdict.format",
                a=_ratio(best.format_valid, best.format_applicable),
                b=_ratio(other.format_valid, other.format_applicable),
            )
        )
    facts.append(
        t(
            "compare.verdict.exact",
            a=_ratio(best.exact_matches, best.answered),
            b=_ratio(other.exact_matches, other.answered),
        )
    )
    if best.mean_judge_score is not None and other.mean_judge_score is not None:
        facts.append(
            t(
                "compare.verdict.judge",
                a=decimal(best.mean_judge_score, 1),
                b=decimal(other.mean_judge_score, 1),
            )
        )
    head_key = "compare.verdict.tie" if decision.decision == "tie" else f"compare.verdict.better_by_{decision.basis}"
    head = t(
        head_key,
        Best=_capitalised(best_label),
        best=best_label,
        other=other_label,
        on_n=_on_n(decision.examples),
    )
    return f"{head} " + "; ".join(facts) + "."


def _on_n(n: int) -> str:
    return count_phrase("on_examples", n)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def show_verdict(run: EvalRun, summaries: Sequence[ModelSummary], decision: Verdict) -> None:
    text = verdict_text(run, summaries, decision)
    if decision.decision == "better":
        st.success(text, icon=":material/emoji_events:")
    elif decision.decision == "tie":
        st.info(text, icon=":material/balance:")
    else:
        st.warning(text, icon=":material/warning:")
    if decision.few_examples:
        st.caption(
            t(
                "compare.verdict.few",
                count=count_phrase("examples", decision.examples),
                min=count_phrase("examples", evaluation.FEW_EXAMPLES),
            )
        )
    extra = _cost_and_speed(run, summaries, decision)
    if extra:
        st.caption(extra)


def _cost_and_speed(run: EvalRun, summaries: Sequence[ModelSummary], decision: Verdict) -> str:
    if decision.winner is None or decision.runner_up is None:
        return ""
    best, other = summaries[decision.winner], summaries[decision.runner_up]
    parts = []
    if best.mean_latency_ms is not None and other.mean_latency_ms is not None:
        parts.append(
            t(
                "compare.verdict.latency",
                a=decimal(best.mean_latency_ms, 0),
                b=decimal(other.mean_latency_ms, 0),
            )
        )
    if best.cost_usd is not None and other.cost_usd is not None:
        parts.append(t("compare.verdict.cost", a=usd(best.cost_usd), b=usd(other.cost_usd)))
    return " · ".join(parts)


def _problems(summaries: Sequence[ModelSummary], run: EvalRun) -> None:
    for index, (contender, summary) in enumerate(zip(run.contenders, summaries, strict=True)):
        for kind, count in summary.problems.items():
            st.warning(
                t("compare.results.failed_calls", who=contender_label(contender), count=count)
                + f" **{t(f'compare.problem.{kind}.title')}** — {t(f'compare.problem.{kind}.fix')}",
                icon=":material/error:",
            )
            detail = next(
                (r.outcomes[index].problem_detail for r in run.results if r.outcomes[index].problem == kind),
                "",
            )
            if detail:
                # Server text is shown as code, never as Markdown or HTML.
                st.code(detail, language=None, wrap_lines=True)
    if run.judge is not None:
        unscored = sum(1 for r in run.results for o in r.outcomes if o.answered and o.judge_score is None)
        if unscored:
            st.caption(t("compare.results.unscored", count=unscored))


def _percent(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _summary_table(run: EvalRun, summaries: Sequence[ModelSummary]) -> None:
    reference_words = evaluation.mean_reference_words(run)
    rows = [
        {
            t("compare.col.who"): contender_label(contender),
            t("compare.col.model"): s.model,
            t("compare.col.examples"): s.examples,
            t("compare.col.errors"): s.errors,
            t("compare.col.exact"): _percent(s.exact_match_rate),
            t("compare.col.f1"): None if s.mean_f1 is None else round(s.mean_f1, 3),
            t("compare.col.format"): _ratio(s.format_valid, s.format_applicable) if s.format_applicable else "–",
            t("compare.col.words"): None if s.mean_answer_words is None else round(s.mean_answer_words, 1),
            t("compare.col.latency"): None if s.mean_latency_ms is None else round(s.mean_latency_ms),
            t("compare.col.input_tokens"): s.input_tokens,
            t("compare.col.output_tokens"): s.output_tokens,
            t("compare.col.cost"): t("compare.unknown_price") if s.cost_usd is None else usd(s.cost_usd),
            t("compare.col.judge"): None if s.mean_judge_score is None else round(s.mean_judge_score, 2),
        }
        for contender, s in zip(run.contenders, summaries, strict=True)
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="compare.results.summary")
    if reference_words is not None:
        st.caption(t("compare.results.reference_words", words=decimal(reference_words, 1)))


def _charts(run: EvalRun, summaries: Sequence[ModelSummary]) -> None:
    # Plotly reads a few HTML tags in labels, so charts name models by their role, never by a typed id.
    labels = [contender_label(c) for c in run.contenders]
    measures = [
        (t("compare.chart.f1"), [s.mean_f1 for s in summaries]),
        (t("compare.chart.exact"), [s.exact_match_rate for s in summaries]),
        (t("compare.chart.format"), [s.format_valid_rate for s in summaries]),
    ]
    if run.judge is not None:
        judged = [
            None if s.mean_judge_score is None else s.mean_judge_score / evaluation.JUDGE_MAX_SCORE for s in summaries
        ]
        measures.append((t("compare.chart.judge"), judged))
    bars = go.Figure(
        [
            go.Bar(name=label, x=[m[0] for m in measures], y=[m[1][i] for m in measures])
            for i, label in enumerate(labels)
        ]
    )
    bars.update_layout(
        barmode="group",
        yaxis={"range": [0, 1]},
        title=t("compare.chart.title"),
        height=360,
        margin={"t": 50, "b": 30},
    )
    spread = go.Figure(
        [
            go.Box(
                name=label,
                y=[r.outcomes[i].f1 for r in run.results if i < len(r.outcomes) and r.outcomes[i].answered],
                boxpoints="all",
                jitter=0.4,
            )
            for i, label in enumerate(labels)
        ]
    )
    spread.update_layout(
        title=t("compare.chart.spread"),
        yaxis={"range": [-0.05, 1.05]},
        showlegend=False,
        height=360,
        margin={"t": 50, "b": 30},
    )
    left, right = st.columns(2)
    left.plotly_chart(bars, width="stretch", key="compare.chart.bars")
    right.plotly_chart(spread, width="stretch", key="compare.chart.spread")


def _examples_table(run: EvalRun) -> None:
    labels = [contender_label(c) for c in run.contenders]
    rows = []
    for result in run.results:
        row: dict[str, object] = {
            t("compare.col.line"): result.case.line,
            t("compare.col.question"): result.case.question,
            t("compare.col.reference"): result.case.reference_text,
        }
        for label, outcome in zip(labels, result.outcomes, strict=False):
            answer = evaluation.comparable_text(outcome.answer, outcome.tool_calls)
            row[f"{label} · {t('compare.col.answer')}"] = answer if outcome.answered else f"⚠ {outcome.problem}"
            row[f"{label} · F1"] = round(outcome.f1, 2) if outcome.answered else None
            row[f"{label} · {t('compare.col.format_ok')}"] = outcome.format.ok
        rows.append(row)
    with st.expander(t("compare.results.examples", count=len(rows)), icon=":material/table_rows:"):
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="compare.results.examples")


def last_run_note(run: EvalRun | None, contenders: Sequence[Contender]) -> None:
    """Say so when the results shown were made with other models than the ones now chosen."""
    if run is not None and run.finished and [c.model for c in run.contenders] != [c.model for c in contenders]:
        st.caption(t("compare.results.other_models"))
