"""The Local lab's widgets: the Connect panel, the LoRA settings, the live run, and the adapter afterwards."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx2
import openai
import pandas as pd
import streamlit as st

from finetune_guide import datasets, jobs
from finetune_guide.jobs import JobRequest, JobView
from finetune_guide.lab import estimate, hub, models, paths, probe, recipe
from finetune_guide.lab import jobs as lab_jobs
from finetune_guide.lab.hub import cached_snapshot
from finetune_guide.lab.spec import TrainingSpec
from finetune_guide.lab.tiny import TINY_ID, tiny_model_folder
from finetune_guide.providers import ProviderSettings
from finetune_guide.ui import cache, connection, learn, state
from finetune_guide.ui.i18n import t

_LORA_SETTINGS = ("learning_rate", "lora_rank", "lora_alpha", "max_seq_length")
DEFAULTS = {"epochs": 3, "batch": 4, "lora_rank": 16, "lora_alpha": 32, "max_length": 512}


# --- Connect --------------------------------------------------------------------------------------------------


def _use_local() -> None:
    where = st.session_state.get("connect.local_where", "here")
    url = str(st.session_state.get("connect.local_url") or "").strip() if where == "server" else ""
    name = str(st.session_state.get("connect.local_name") or "").strip()
    new = ProviderSettings(kind="local", base_url=url, api_key=name if url else "")
    # As the other forms do: settings that cannot make a client are refused with the field to fix, not connected.
    connection._submit(new)


def local_panel(current: ProviderSettings) -> None:
    """What the lab is (honestly), where it runs, which models it offers on this machine, and a button."""
    st.info(t("connect.local.intro"), icon=":material/memory:")
    learn.page_link(
        learn.PAGE_FILES["learn"], t("connect.local.lesson"), icon=":material/school:", lesson="open-model-lora"
    )
    where = st.radio(
        t("connect.local.where"),
        ("here", "server"),
        index=1 if current.kind == "local" and current.base_url else 0,
        format_func=connection.labels(("here", "server"), lambda w: t(f"connect.local.where_{w}")),
        horizontal=True,
        key="connect.local_where",
    )
    if where == "server":
        st.text_input(
            t("connect.local.url"),
            value=current.base_url if current.kind == "local" else "",
            placeholder="http://127.0.0.1:8766/v1",
            key="connect.local_url",
            help=t("connect.local.url_help"),
        )
        st.text_input(t("connect.local.name"), key="connect.local_name", help=t("connect.local.name_help"))
    elif not cache.lab_stack_installed():
        st.warning(t("connect.local.not_installed"), icon=":material/download:")
        st.code("make run", language="bash")
        return
    model_table()
    if where == "here":
        download_panel()
    if current.kind != "local" or where == "server":
        st.button(t("connect.local.use"), type="primary", key="connect.use_local", on_click=_use_local)


def model_table() -> None:
    """The curated models with what they cost on this machine; figures not measured here say so."""
    rows = []
    packaged = models.packaged_gguf_path() is not None
    for entry in models.curated_models():
        if entry.id == TINY_ID:
            where = t("connect.local.source_builtin")
        elif cached_snapshot(entry.id) is not None:
            where = t("connect.local.source_cache")
        elif entry.id == models.PACKAGED_MODEL_ID and packaged:
            where = t("connect.local.source_packaged")
        else:
            where = t("connect.local.source_download", mb=f"{entry.download_mb:,.0f}")
        rows.append(
            {
                t("connect.local.col_model"): t("connect.local.tiny_label") if entry.id == TINY_ID else entry.label,
                t("connect.local.col_where"): where,
                t("connect.local.col_ram"): _figure(entry, "ram_gb", "{:.1f} GB"),
                t("connect.local.col_speed"): _figure(entry, "cpu_seconds_per_1k_tokens", "{:.1f} s"),
                t("connect.local.col_languages"): ", ".join(entry.languages),
                t("connect.local.col_license"): entry.license,
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="connect.local_models")
    st.caption(t("connect.local.table_note"))


def download_panel() -> None:
    """Download a curated model from the Hugging Face Hub now, with a progress bar, before training it."""
    missing = [e for e in models.curated_models() if e.id != TINY_ID and cached_snapshot(e.id) is None]
    with st.expander(t("connect.local.download_title"), icon=":material/download:"):
        st.caption(t("connect.local.download_intro", folder=str(hub.cache_folder())))
        if not missing:
            st.success(t("connect.local.download_none"))
            return
        labels = {e.id: f"{e.label} ({e.download_mb:,.0f} MB)" for e in missing}
        chosen = st.selectbox(
            t("connect.local.download_model"),
            list(labels),
            format_func=labels.__getitem__,
            key="connect.local_download_model",
        )
        if not st.button(t("connect.local.download_button"), key="connect.local_download"):
            return
        bar = st.progress(0.0, text=t("connect.local.download_starting"))
        latest: list[hub.DownloadProgress] = []
        outcome: list[hub.DownloadResult | hub.HubDownloadError] = []

        def download() -> None:
            try:
                outcome.append(hub.download_model(str(chosen), progress=latest.append))
            except hub.HubDownloadError as error:
                outcome.append(error)

        # huggingface_hub reports from its own thread, where Streamlit cannot draw: this thread draws the bar.
        worker = threading.Thread(target=download, daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(0.25)
            if latest:
                done, total = latest[-1].downloaded_bytes, latest[-1].total_bytes or 0
                fraction = min(1.0, done / total) if total else 0.0
                text = t("connect.local.download_progress", done=f"{done / 1e6:,.0f}", total=f"{total / 1e6:,.0f}")
                bar.progress(fraction, text=text)
        result = outcome[0] if outcome else hub.HubDownloadError("interrupted", t("connect.local.download_failed"))
        if isinstance(result, hub.HubDownloadError):
            bar.empty()
            st.error(result.message, icon=":material/cloud_off:")
            return
        bar.progress(1.0, text=t("connect.local.download_done", path=str(result.path)))


def _figure(entry: models.LabModel, name: str, shape: str) -> str:
    value = getattr(entry, name)
    if value is None:
        return "—"
    text = shape.format(value)
    return f"~{text} ({t('connect.local.estimate')})" if entry.is_estimate(name) else text


# --- the job form -------------------------------------------------------------------------------------------


def model_options(listed: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(base models, fine-tuned models) the lab offers for a new job."""
    curated = [entry.id for entry in models.curated_models()]
    base = list(dict.fromkeys([*curated, *(m for m in listed if not jobs.is_fine_tuned_model(m))]))
    return base, [m for m in listed if jobs.is_fine_tuned_model(m)]


def model_note(model: str) -> None:
    if model == TINY_ID:
        st.caption(t("jobs.local.tiny_note"))
    elif model == models.PACKAGED_MODEL_ID and cached_snapshot(model) is None:
        st.caption(t("jobs.local.packaged_note"))


def job_options(method: str, model: str) -> JobRequest:
    """The LoRA run's settings, each with its default shown, not hidden behind "auto"."""
    first = st.columns(3)
    epochs = first[0].number_input(t("jobs.local.epochs"), 1, 100, DEFAULTS["epochs"], key="jobs.local.epochs")
    batch = first[1].number_input(t("jobs.local.batch"), 1, 256, DEFAULTS["batch"], key="jobs.local.batch")
    rate = first[2].number_input(
        t("jobs.local.learning_rate"),
        1e-6,
        1e-1,
        lab_jobs.default_learning_rate(model),
        step=1e-5,
        format="%.0e",
        # tiny has a default of its own: one key per default, so switching the model shows the right one.
        key=f"jobs.local.learning_rate.{'tiny' if model == TINY_ID else 'model'}",
        help=t("jobs.local.learning_rate_help"),
    )
    second = st.columns(3)
    rank = second[0].number_input(
        t("jobs.local.lora_rank"),
        1,
        256,
        DEFAULTS["lora_rank"],
        key="jobs.local.lora_rank",
        help=t("jobs.local.lora_rank_help"),
    )
    alpha = second[1].number_input(
        t("jobs.local.lora_alpha"),
        1,
        1024,
        DEFAULTS["lora_alpha"],
        key="jobs.local.lora_alpha",
        help=t("jobs.local.lora_alpha_help"),
    )
    length = second[2].number_input(
        t("jobs.local.max_length"),
        16,
        8192,
        DEFAULTS["max_length"],
        step=64,
        key="jobs.local.max_length",
        help=t("jobs.local.max_length_help"),
    )
    beta = None
    if method == "dpo":
        beta = st.number_input(t("jobs.form.beta"), 0.01, 2.0, 0.1, step=0.01, key="jobs.local.beta")
    left, right = st.columns(2)
    suffix = left.text_input(t("jobs.form.suffix"), key="jobs.suffix", help=t("jobs.form.suffix_help", limit=64))
    seed = right.number_input(t("jobs.form.seed"), 0, jobs.SEED_MAX, 42, step=1, key="jobs.local.seed")
    return JobRequest(
        model=model,
        training_file="pending",
        method="dpo" if method == "dpo" else "supervised",
        n_epochs=int(epochs),
        batch_size=int(batch),
        beta=float(beta) if beta is not None else None,
        suffix=suffix.strip(),
        seed=int(seed),
        learning_rate=float(rate),
        lora_rank=int(rank),
        lora_alpha=int(alpha),
        max_seq_length=int(length),
    )


def review(current: ProviderSettings, request: JobRequest, report: datasets.DatasetReport) -> bool:
    """Time, tokens and memory on this machine before the start; a run that cannot fit is refused here."""
    tokens = report.stats.billing_tokens_per_epoch if report.stats else 0
    here = not current.base_url  # a lab server's speed and memory are the server's, not this computer's
    measured = cache.lab_service().store.speed(request.model) if here else None
    speed = measured.tokens_per_s if measured else (cache.lab_service().measured_speed(request.model) if here else None)
    found = estimate.estimate_run(
        models.find_model(request.model),
        tokens_per_epoch=tokens,
        epochs=request.n_epochs or 1,
        device="cpu",
        available_memory_gb=estimate.available_memory_gb() if here else None,
        measured_tokens_per_s=speed,
        measured_peak_memory_gb=measured.peak_memory_gb if measured else None,
    )
    with st.container(border=True):
        st.markdown(f"**{t('jobs.local.review_title')}**")
        columns = st.columns(3)
        columns[0].metric(t("jobs.local.tokens"), f"{found.tokens:,}")
        columns[1].metric(t("jobs.local.time"), _duration(found.seconds) if found.seconds is not None else "—")
        memory = f"{found.peak_memory_gb:.1f} GB" if found.peak_memory_gb is not None else "—"
        columns[2].metric(t("jobs.local.memory"), memory)
        st.caption(t(f"jobs.local.basis_{found.basis}"))
        if here:
            probe_button(request)
        if found.fits is False:
            st.error(
                t("jobs.local.too_big", need=f"{found.peak_memory_gb:.1f}", free=f"{found.available_memory_gb:.1f}"),
                icon=":material/memory:",
            )
            return False
        st.success(t("jobs.local.free"), icon=":material/savings:")
    return True


def _picked_training_data() -> bytes | None:
    """The training file the Jobs form shows now: the Dataset studio's, or the one uploaded on the page."""
    if st.session_state.get("jobs.train_source") == "studio":
        studio = state.current_dataset("train")
        return studio.data if studio else None
    kept = st.session_state.get(state.JOBS_KEPT_FILES) or {}
    picked = kept.get("train")
    return picked.data if picked is not None else None


def probe_button(request: JobRequest) -> None:
    """Measure speed and memory with a few real steps of this run, so the estimate is this machine's own."""
    lab = cache.lab_service()
    busy = bool(lab.store.jobs(statuses=("running",)))
    data = _picked_training_data()
    clicked = st.button(
        t("jobs.local.probe"),
        key="jobs.local.probe",
        icon=":material/speed:",
        disabled=busy or data is None,
        help=t("jobs.local.probe_busy") if busy else t("jobs.local.probe_help"),
    )
    if not clicked or data is None:
        return
    spec = TrainingSpec(
        model=request.model,
        training_file="",
        output_dir="",
        method="dpo" if request.method == "dpo" else "sft",
        learning_rate=request.learning_rate or lab_jobs.default_learning_rate(request.model),
        batch_size=request.batch_size or DEFAULTS["batch"],
        lora_rank=request.lora_rank or DEFAULTS["lora_rank"],
        lora_alpha=request.lora_alpha or DEFAULTS["lora_alpha"],
        max_seq_length=request.max_seq_length or DEFAULTS["max_length"],
    )
    with st.spinner(t("jobs.local.probing")):
        try:
            probe.measure(lab.store, spec, data=data, home=lab.home)
        except probe.ProbeError as error:
            st.error(t("jobs.local.probe_failed", reason=str(error)), icon=":material/error:")
            return
    st.rerun()


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


# --- while it runs, and afterwards ----------------------------------------------------------------------------


def live_facts(job: Any, view: JobView) -> None:
    """Step, speed, time left, queue place and where the model came from, as the lab reports them."""
    lab: dict[str, Any] = dict(getattr(job, "model_extra", None) or {}).get("lab") or {}
    if not lab:
        return
    facts = []
    if lab.get("queue_position"):
        facts.append(t("jobs.local.queued", position=lab["queue_position"]))
    if isinstance(lab.get("tokens_per_s"), int | float):
        facts.append(t("jobs.local.speed", speed=f"{lab['tokens_per_s']:,.0f}"))
    if view.estimated_finish and not view.terminal and isinstance(lab.get("elapsed_s"), int | float):
        facts.append(t("jobs.local.left", left=_duration(max(0.0, view.estimated_finish - time.time()))))
    if lab.get("device"):
        facts.append(t("jobs.local.device", device=lab["device"]))
    if facts:
        st.markdown(" · ".join(facts))
    method = job.method.model_dump() if getattr(job, "method", None) is not None else {}
    values = (method.get(method.get("type") or "supervised") or {}).get("hyperparameters") or {}
    lora = [f"{name}: {values[name]:g}" for name in _LORA_SETTINGS if isinstance(values.get(name), int | float)]
    if lora:
        st.text(" · ".join(lora))
    if lab.get("model_note"):
        st.caption(t("jobs.local.source", note=lab["model_note"]))
    if lab.get("cancel_requested") and not view.terminal:
        st.info(t("jobs.local.cancelling"), icon=":material/hourglass_top:")


def stop_button(client: openai.OpenAI, view: JobView) -> None:
    """Stop now: end the process at once (Cancel, beside it, stops after the step and keeps a checkpoint)."""
    if view.status != "running":
        return
    if st.button(t("jobs.local.stop_now"), key=f"jobs.local.stop.{view.id}", help=t("jobs.local.stop_now_help")):
        try:
            client.post(f"/lab/jobs/{view.id}/stop", cast_to=object)
        except openai.OpenAIError as error:
            st.error(jobs.describe_exception(error).detail or t("jobs.local.stop_failed"))
            return
        st.rerun()


def adapter_download(client: openai.OpenAI, view: JobView) -> None:
    """The LoRA adapter as a zip, fetched only when asked for."""
    key = f"jobs.local.adapter.{view.id}"
    if st.button(t("jobs.local.prepare_adapter"), key=f"{key}.prepare", icon=":material/folder_zip:"):
        try:
            response = client.get(f"/lab/jobs/{view.id}/adapter.zip", cast_to=httpx2.Response)
            st.session_state[key] = response.content
        except openai.OpenAIError as error:
            st.error(jobs.describe_exception(error).detail or t("jobs.local.no_adapter"))
    data = st.session_state.get(key)
    if isinstance(data, bytes):
        st.download_button(
            t("jobs.local.download_adapter"),
            data,
            file_name=f"{view.id}-adapter.zip",
            mime="application/zip",
            key=f"{key}.download",
        )


def _spec_of(job: Any, view: JobView) -> TrainingSpec:
    """The job's recipe, read back from what the lab reports (its resolved hyperparameters)."""
    method = job.method.model_dump() if getattr(job, "method", None) is not None else {}
    kind = method.get("type") or "supervised"
    values = (method.get(kind) or {}).get("hyperparameters") or {}
    return TrainingSpec(
        model=view.model,
        training_file="train.jsonl",
        output_dir="adapter",
        method="dpo" if kind == "dpo" else "sft",
        validation_file="validation.jsonl" if view.validation_file else None,
        epochs=int(values.get("n_epochs") or DEFAULTS["epochs"]),
        learning_rate=float(values.get("learning_rate") or lab_jobs.default_learning_rate(view.model)),
        batch_size=int(values.get("batch_size") or DEFAULTS["batch"]),
        lora_rank=int(values.get("lora_rank") or DEFAULTS["lora_rank"]),
        lora_alpha=int(values.get("lora_alpha") or DEFAULTS["lora_alpha"]),
        max_seq_length=int(values.get("max_seq_length") or DEFAULTS["max_length"]),
        beta=float(values.get("beta") or 0.1),
        seed=int(getattr(job, "seed", None) or 42),
        device="auto",
    )


def after_run(client: openai.OpenAI, view: JobView, job: Any) -> None:
    """The adapter to download or merge, and the same recipe as code for bigger hardware."""
    with st.container(border=True):
        st.markdown(f"**{t('jobs.local.after_title')}**")
        adapter_download(client, view)
        merged_download(client, view)
    show_recipe(_spec_of(job, view), _recipe_model(view.model))


def merged_download(client: openai.OpenAI, view: JobView) -> None:
    """Merge the adapter into its base model (in the lab's worker process) and offer the full model."""
    if view.status != "succeeded":
        return
    key = f"jobs.local.merged.{view.id}"
    if st.button(t("jobs.local.merge"), key=f"{key}.start", icon=":material/merge:", help=t("jobs.local.merge_help")):
        with st.spinner(t("jobs.local.merging")):
            try:
                merged = client.post(f"/lab/jobs/{view.id}/merge", cast_to=object)
                response = client.get(f"/lab/jobs/{view.id}/merged.zip", cast_to=httpx2.Response)
            except openai.OpenAIError as error:
                st.error(jobs.describe_exception(error).detail or t("jobs.local.merge_failed"))
                return
        st.session_state[key] = (response.content, merged)
    found = st.session_state.get(key)
    if isinstance(found, tuple):
        data, merged = found
        if isinstance(merged, dict) and merged.get("path"):
            st.caption(t("jobs.local.merged_at", path=str(merged["path"])))
        st.download_button(
            t("jobs.local.download_merged"),
            data,
            file_name=f"{view.id}-merged.zip",
            mime="application/zip",
            key=f"{key}.download",
        )


def _recipe_model(model: str) -> str:
    """What the exported code loads: `tiny` is a name only the lab knows, so its folder on this machine."""
    if model == TINY_ID:
        return str(tiny_model_folder(paths.models_dir()))
    return model


def show_recipe(spec: TrainingSpec, model: str) -> None:
    """Show the code: a TRL script, a `trl sft --config` file and accelerate commands for bigger machines."""
    config_name = "lab-recipe.yaml"
    with st.expander(t("jobs.local.recipe_title"), icon=":material/rocket_launch:"):
        st.caption(t("jobs.local.recipe_intro"))
        script_tab, yaml_tab, launch_tab = st.tabs(
            [t("jobs.local.recipe_script"), t("jobs.local.recipe_yaml"), t("jobs.local.recipe_launch")]
        )
        script = recipe.trl_script(spec, data_path="train.jsonl", model=model)
        script_tab.code(script, language="python")
        script_tab.download_button(
            t("jobs.local.download_file", name="train_lora.py"),
            script,
            file_name="train_lora.py",
            key="jobs.local.recipe_script_download",
        )
        config = recipe.trl_config_yaml(spec, data_path="train.jsonl", output_dir="adapter", model=model)
        yaml_tab.code(config, language="yaml")
        yaml_tab.download_button(
            t("jobs.local.download_file", name=config_name),
            config,
            file_name=config_name,
            key="jobs.local.recipe_yaml_download",
        )
        for command in recipe.launch_commands(spec, config_path=config_name):
            launch_tab.markdown(f"**{command.title}** — {command.note}")
            launch_tab.code(command.command, language="bash")
            if command.accelerate_config:
                launch_tab.code(command.accelerate_config, language="yaml")
