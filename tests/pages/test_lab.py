"""The Local lab in the app, through the real router (the app's own in-process lab, and a lab server in a thread):
- Connect → Local lab is honest about what it trains (tiny memorises, the packaged SmolLM2 is from a 4-bit file),
  links its lesson, lists the curated models, and "Use the Local lab" connects with no key, in English and Polish;
- choosing a lab server asks for its URL and a name; a URL connects a client to that server;
- a malformed server URL is refused with the field to fix, and the visitor stays where they were;
- without the training packages the panel says how to add them and offers no button for this computer;
- the OpenAI form points a visitor with no fine-tuning history to the Local lab;
- Jobs with the lab: the banner says jobs really train and are free; tiny and the curated models are offered, with
  LoRA settings and each model's default learning rate; the review shows tokens, time and memory, and no price;
- a run that needs more memory than this computer has is refused in the review and cannot start;
- a tiny job started from Jobs really trains until it succeeds, is never offered a pause, and then offers its
  adapter and the same recipe as TRL code for bigger hardware;
- Compare with the lab: the lab's note, no prices to enter (calls cost $0), and the evaluation starts unconfirmed;
- the Connect, Jobs and Compare pages read in Polish with the lab connected.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from streamlit.testing.v1 import AppTest

from finetune_guide import i18n
from finetune_guide import jobs as jobs_core
from finetune_guide.lab import estimate, models, paths
from finetune_guide.lab import jobs as lab_jobs
from finetune_guide.lab.tiny import TINY_ID, tiny_model_folder
from finetune_guide.ui import cache, state
from finetune_guide.ui import lab as lab_ui
from tests.pages.conftest import open_page
from tests.support import TERMINAL, chat_rows, jsonl, wait_for
from tests.support.lab import Served, served_lab

STRINGS = {lang: i18n.load_strings(lang) for lang in ("en", "pl")}
LANGS = pytest.mark.parametrize("lang", ["en", "pl"])
TRAIN = jsonl(chat_rows(10) + chat_rows(2))  # 12 short examples: tiny trains on them in seconds
EPOCHS, MAX_LENGTH = 2, 64
BIG_MODEL = "Qwen/Qwen2.5-0.5B-Instruct"  # a curated model with a measured memory figure


def text(key: str, lang: str = "en", **values: object) -> str:
    return i18n.translate(STRINGS[lang], key, **values)


def texts(elements: object) -> list[str]:
    return [e.value for e in elements]  # type: ignore[attr-defined]


def dataset(name: str, data: bytes) -> state.CurrentDataset:
    """A dataset as the Dataset studio hands it on (made for tiny, supervised)."""
    return state.CurrentDataset(name, data, hashlib.sha256(data).hexdigest(), TINY_ID, "supervised")


def local_panel(lang: str = "en") -> AppTest:
    app = open_page("app_pages/connect.py", lang)
    app.segmented_control(key="connect.kind").set_value("local").run()
    assert not app.exception, app.exception
    return app


def connect_local(lang: str = "en") -> AppTest:
    """A session connected to the app's own lab, as the "Use the Local lab" button connects it."""
    app = local_panel(lang)
    app.button(key="connect.use_local").click().run()
    assert not app.exception, app.exception
    assert app.session_state[state.CONNECTION_SETTINGS].kind == "local"
    return app


def lab_jobs_page(lang: str = "en", **datasets: state.CurrentDataset) -> AppTest:
    app = connect_local(lang)
    app.session_state[state.DATASETS] = {"train": dataset("chats.jsonl", TRAIN), **datasets}
    app.switch_page("app_pages/jobs.py").run()
    assert not app.exception, app.exception
    return app


def connected(app: AppTest, lang: str = "en") -> bool:
    prefix = text("connect.check.connected", lang, detail="")
    return any(v.startswith(prefix) for v in texts(app.success))


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


@pytest.fixture(scope="module", autouse=True)
def app_lab() -> Iterator[None]:
    """The app's lab is a process-wide cached resource: stop and close it after this module."""
    yield
    lab = cache.lab_service()
    for job in lab.store.jobs(statuses=("running",)):
        lab.stop_now(job)
    lab.close()
    cache.lab_service.clear()


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`finetune-guide lab serve` in a thread, with a lab folder of its own."""
    with served_lab(tmp_path_factory.mktemp("lab-server")) as found:
        yield found


# --- Connect ------------------------------------------------------------------------------------------------


@LANGS
def test_the_local_panel_is_honest_links_its_lesson_lists_the_models_and_connects(lang: str) -> None:
    app = local_panel(lang)
    intro = text("connect.local.intro", lang)
    assert intro in texts(app.info)
    assert "`tiny`" in intro and "SmolLM2" in intro and "4-bit" in intro
    links = [link.proto for link in app.get("page_link")]
    assert any(
        link.label == text("connect.local.lesson", lang) and link.query_string == "lesson=open-model-lora"
        for link in links
    )
    table = next(frame.value for frame in app.dataframe if text("connect.local.col_model", lang) in frame.value)
    curated = models.curated_models()
    # The catalog's labels, except tiny's, which is the app's own and so speaks the visitor's language.
    expected = [text("connect.local.tiny_label", lang) if entry.id == "tiny" else entry.label for entry in curated]
    assert list(table[text("connect.local.col_model", lang)]) == expected
    tiny_row = [entry.id for entry in curated].index(TINY_ID)
    assert table[text("connect.local.col_where", lang)][tiny_row] == text("connect.local.source_builtin", lang)

    app.button(key="connect.use_local").click().run()
    assert not app.exception, app.exception
    label = text("connect.kind.local", lang)
    assert text("connect.current_provider", lang, provider=label) in texts(app.markdown)
    assert text("connect.no_key_needed", lang) in texts(app.caption)
    assert any(label in v for v in texts(app.sidebar.markdown))
    assert text("connect.no_key_needed", lang) in texts(app.sidebar.caption)
    assert connected(app, lang)
    app.button(key="connect.test").click().run()
    assert connected(app, lang)
    assert not any(b.key == "connect.use_local" for b in app.button)  # already connected to this computer's lab


def test_a_lab_server_is_reached_at_its_url_under_a_name(lab_server: Served) -> None:
    app = local_panel()
    app.radio(key="connect.local_where").set_value("server").run()
    assert {"connect.local_url", "connect.local_name"} <= {field.key for field in app.text_input}
    app.text_input(key="connect.local_url").input(lab_server.url)
    app.text_input(key="connect.local_name").input("ada").run()
    app.button(key="connect.use_local").click().run()
    assert not app.exception, app.exception
    settings = app.session_state[state.CONNECTION_SETTINGS]
    assert (settings.kind, settings.base_url, settings.api_key) == ("local", lab_server.url, "ada")
    built_for, client = app.session_state[state.CONNECTION_CLIENT]
    assert built_for == settings and str(client.base_url).rstrip("/") == lab_server.url
    assert connected(app)
    assert app.radio(key="connect.local_where").value == "server"


def test_a_malformed_server_url_is_refused_with_the_field_to_fix() -> None:
    app = local_panel()
    app.radio(key="connect.local_where").set_value("server").run()
    app.text_input(key="connect.local_url").input("lab-server:8766").run()
    app.button(key="connect.use_local").click().run()
    assert not app.exception, app.exception
    assert text("connect.config.base_url") in texts(app.error)
    assert app.session_state[state.CONNECTION_SETTINGS].kind == "sandbox"
    assert app.text_input(key="connect.local_url").value == "lab-server:8766"


def test_without_the_training_packages_the_panel_says_how_to_add_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "lab_stack_installed", lambda: False)
    app = local_panel()
    assert text("connect.local.not_installed") in texts(app.warning)
    assert "`make install-lab`" in text("connect.local.not_installed")
    assert "make run" in texts(app.code)
    assert not any(b.key == "connect.use_local" for b in app.button)
    assert not app.dataframe
    # A lab server trains on its own machine: that way stays open.
    app.radio(key="connect.local_where").set_value("server").run()
    assert any(b.key == "connect.use_local" for b in app.button)


@LANGS
def test_the_openai_form_points_to_the_local_lab(lang: str) -> None:
    app = open_page("app_pages/connect.py", lang)
    app.segmented_control(key="connect.kind").set_value("openai").run()
    assert not app.exception, app.exception
    assert text("connect.openai.no_account", lang) in texts(app.caption)


# --- Jobs -----------------------------------------------------------------------------------------------------


def test_jobs_with_the_lab_train_for_real_for_free_with_lora_settings_and_no_price() -> None:
    app = lab_jobs_page()
    assert text("jobs.banner_local", provider=text("connect.kind.local")) in texts(app.info)
    picker = app.selectbox(key="jobs.model_base_supervised")
    curated = [entry.id for entry in models.curated_models()]
    assert TINY_ID in picker.options and picker.options[: len(curated)] == curated
    assert picker.value == TINY_ID
    assert text("jobs.local.tiny_note") in texts(app.caption)
    assert lab_jobs.default_learning_rate(TINY_ID) == 1e-2
    assert app.number_input(key="jobs.local.learning_rate.tiny").value == 1e-2
    for name in ("epochs", "batch", "lora_rank", "lora_alpha", "max_length"):
        assert app.number_input(key=f"jobs.local.{name}").value == lab_ui.DEFAULTS[name]

    shown = metrics(app)
    assert shown[text("jobs.local.tokens")] not in {"", "0", "—"}
    assert shown[text("jobs.local.time")] != "—"
    assert shown[text("jobs.local.memory")].endswith(" GB")
    assert text("jobs.local.free") in texts(app.success)
    assert text("jobs.review.cost") not in shown
    assert not [box for box in app.checkbox if str(box.key).startswith("jobs.confirm_")]
    assert not app.button(key="jobs.start").disabled

    other = models.PACKAGED_MODEL_ID
    app.selectbox(key="jobs.model_base_supervised").set_value(other).run()
    assert not app.exception, app.exception
    assert lab_jobs.default_learning_rate(other) == 2e-4
    assert app.number_input(key="jobs.local.learning_rate.model").value == 2e-4
    assert text("jobs.local.tiny_note") not in texts(app.caption)


def test_a_run_too_big_for_this_computers_memory_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = models.find_model(BIG_MODEL)
    assert entry is not None and entry.ram_gb is not None
    monkeypatch.setattr(estimate, "available_memory_gb", lambda: 0.01)
    app = lab_jobs_page()
    app.selectbox(key="jobs.model_base_supervised").set_value(BIG_MODEL).run()
    assert not app.exception, app.exception
    need = metrics(app)[text("jobs.local.memory")].removesuffix(" GB")
    assert text("jobs.local.too_big", need=need, free="0.0") in texts(app.error)
    assert text("jobs.local.free") not in texts(app.success)
    assert app.button(key="jobs.start").disabled


@dataclass
class Trained:
    app: AppTest
    job_id: str
    offered: dict[str, set[str]] = field(default_factory=dict)  # status -> the job's action buttons drawn


def _job_buttons(app: AppTest, job_id: str) -> set[str]:
    return {str(b.key) for b in app.button if job_id in str(b.key)}


@pytest.fixture(scope="module")
def trained() -> Trained:
    """The one real training of this module: tiny, started from the Jobs page, polled until it ends."""
    app = lab_jobs_page()
    app.number_input(key="jobs.local.epochs").set_value(EPOCHS)
    app.number_input(key="jobs.local.max_length").set_value(MAX_LENGTH).run()
    app.button(key="jobs.start").click().run()
    assert not app.exception, app.exception
    job_id = app.session_state[state.JOBS_SELECTED]
    run = Trained(app, job_id)

    def finished() -> bool:
        status = app.session_state[state.JOBS_LAST_STATUS].get(job_id, "")
        run.offered.setdefault(status, set()).update(_job_buttons(app, job_id))
        if status in TERMINAL:
            return True
        app.run()  # what the job panel's timer does in a browser
        assert not app.exception, app.exception
        return False

    wait_for(finished, timeout=150, interval=0.5, what=f"job {job_id} to finish")
    return run


@pytest.mark.lab
def test_a_tiny_job_trains_for_real_then_offers_its_adapter_and_recipe(trained: Trained) -> None:
    app, job_id = trained.app, trained.job_id
    lab = cache.lab_service().tenant()
    assert job_id in [job["id"] for job in lab.list_jobs()["data"]]
    job = lab.retrieve_job(job_id)
    assert job["status"] == "succeeded", job.get("error")
    settings = job["method"]["supervised"]["hyperparameters"]
    assert (settings["n_epochs"], settings["max_seq_length"], settings["learning_rate"]) == (EPOCHS, MAX_LENGTH, 1e-2)
    assert text("jobs.status.succeeded") in metrics(app).values()

    assert "pause_job" not in jobs_core.allowed_actions("running", "local")
    waiting = {status: keys for status, keys in trained.offered.items() if status not in TERMINAL}
    assert "running" in waiting
    assert f"jobs.ask.cancel_job.{job_id}" in waiting["running"]
    assert not any(".pause_job." in key or ".resume_job." in key for keys in waiting.values() for key in keys)

    assert f"**{text('jobs.local.after_title')}**" in texts(app.markdown)
    app.button(key=f"jobs.local.adapter.{job_id}.prepare").click().run()
    assert not app.exception, app.exception
    assert app.get("download_button")
    assert text("jobs.local.recipe_title") in [e.label for e in app.expander]
    folder = str(tiny_model_folder(paths.models_dir()))
    code = [(c.language, c.value) for c in app.code]
    assert any(lang == "python" and "SFTTrainer" in value and folder in value for lang, value in code)
    assert any(lang == "yaml" and f"model_name_or_path: {folder}" in value for lang, value in code)


# --- Compare --------------------------------------------------------------------------------------------------


@pytest.mark.lab
def test_compare_with_the_lab_has_no_prices_and_starts_without_a_confirmation(trained: Trained) -> None:
    app = connect_local()
    app.session_state[state.DATASETS] = {"validation": dataset("valid.jsonl", jsonl(chat_rows(2)))}
    app.switch_page("app_pages/compare.py").run()
    assert not app.exception, app.exception
    assert text("compare.local_note") in texts(app.info)
    app.selectbox(key="compare.job").set_value(trained.job_id).run()
    assert app.text_input(key="compare.base").value == TINY_ID
    assert text("compare.prices.title") not in [e.label for e in app.expander]
    assert not [n for n in app.number_input if str(n.key).startswith("compare.price.")]
    assert not [box for box in app.checkbox if str(box.key).startswith("compare.eval.confirm.")]

    app.number_input(key="compare.eval.n").set_value(1).run()
    assert not app.button(key="compare.eval.start").disabled
    app.button(key="compare.eval.start").click().run()

    def finished() -> bool:
        if app.session_state[state.COMPARE_RUN].finished:
            return True
        app.run()  # each run advances the evaluation by one example, as the page's fragment timer does
        return False

    wait_for(finished, timeout=120, interval=0.1, what="the evaluation to finish")
    assert not app.exception, app.exception
    run = app.session_state[state.COMPARE_RUN]
    assert (run.status, run.done_count) == ("done", 1)


# --- Polish ---------------------------------------------------------------------------------------------------


def test_the_lab_pages_read_in_polish() -> None:
    app = lab_jobs_page("pl")
    assert text("jobs.banner_local", "pl", provider=text("connect.kind.local", "pl")) in texts(app.info)
    assert text("jobs.local.tiny_note", "pl") in texts(app.caption)
    assert text("jobs.local.free", "pl") in texts(app.success)
    assert text("jobs.local.tokens", "pl") in metrics(app)
    app.session_state[state.DATASETS] = {"validation": dataset("valid.jsonl", jsonl(chat_rows(2)))}
    app.switch_page("app_pages/compare.py").run()
    assert not app.exception, app.exception
    assert text("compare.local_note", "pl") in texts(app.info)
    app.switch_page("app_pages/connect.py").run()
    app.segmented_control(key="connect.kind").set_value("local").run()
    assert not app.exception, app.exception
    assert app.title[0].value == text("connect.title", "pl")
    assert text("connect.local.intro", "pl") in texts(app.info)
    app.radio(key="connect.local_where").set_value("server").run()
    assert not app.exception, app.exception
    assert text("connect.local.url", "pl") in [field.label for field in app.text_input]
