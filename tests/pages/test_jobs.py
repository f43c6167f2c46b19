"""The Jobs page through the real router, with the sandbox (and a loopback sandbox server for paid paths):
- a fresh session runs in the sandbox, says so, and asks for a file before anything else;
- upload → create → progress → succeeded (speed "instant"): the job list, timeline, charts and model appear;
- a dataset loaded in the Dataset studio is offered first, with its model and method;
- a running job can be cancelled, paused and resumed, each after a confirmation;
- DPO sends its beta; a fine-tuned model can be trained further;
- a file with errors is refused: its first errors show, the start button stays disabled, nothing is uploaded;
- the 403 rehearsal (OpenAI's 2026 refusal) is explained with the fix, not shown as a crash;
- 429 and 500 on create are explained, never retried, and leave no duplicate job;
- a failure mid-training shows the job's error in plain words;
- 401, 403, 404, 429, 5xx, timeouts and dropped connections give a clear message, and no job id is lost;
- a create with an unclear outcome is sent once, then looked up (a job made despite a timeout is found);
- a paid job needs its estimate confirmed first; after an Azure success, deployment and cost are explained;
- two sessions never see each other's key, files or jobs;
- a key never appears in the page (or the logs) except masked;
- every action offers the equivalent code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator

import httpx2
import openai
import pytest
from streamlit.testing.v1 import AppTest

from finetune_guide import datasets, i18n
from finetune_guide.providers import ProviderSettings
from finetune_guide.sandbox import SandboxService
from finetune_guide.sandbox.server import SandboxServer
from finetune_guide.ui import state
from finetune_guide.ui.markdown import literal
from tests.pages.conftest import open_page

STRINGS = {lang: i18n.load_strings(lang) for lang in ("en", "pl")}
KEY = "sk-proj-TopSecretKeyForTests0000000000abcd"


def text(key: str, lang: str = "en", **values: object) -> str:
    return i18n.translate(STRINGS[lang], key, **values)


def jsonl(examples: int = 12) -> bytes:
    rows = [
        {
            "messages": [
                {"role": "system", "content": "Marv is a factual chatbot that is also sarcastic."},
                {"role": "user", "content": f"What is {n} plus {n}?"},
                {"role": "assistant", "content": f"{2 * n}. Like you couldn't count that yourself."},
            ]
        }
        for n in range(examples)
    ]
    return ("\n".join(json.dumps(r) for r in rows) + "\n").encode()


BAD = b'{"messages": [{"role": "user", "content": "hi"}]}\nthis is not json\n{"messages": []}\n'


def all_text(app: AppTest) -> str:
    """Everything the page sends to the browser: every element's protobuf, widget defaults included."""
    return "\n".join(str(getattr(node, "proto", "")) for node in app._tree)


def sandbox_jobs(speed: str = "instant", scenario: str = "normal", lang: str = "en") -> AppTest:
    """The jobs page with this session's sandbox set as the Connect page's controls would set it."""
    app = open_page("app_pages/connect.py", lang)
    sandbox = app.session_state[state.CONNECTION_SANDBOX]
    sandbox.speed, sandbox.scenario = speed, scenario
    app.switch_page("app_pages/jobs.py").run()
    assert not app.exception, app.exception
    return app


def upload(app: AppTest, data: bytes, name: str = "train.jsonl") -> AppTest:
    app.file_uploader(key="jobs.train_upload").upload(name, data, "application/jsonl")
    return app.run()


def start(app: AppTest) -> AppTest:
    app.button(key="jobs.start").click().run()
    assert not app.exception, app.exception
    return app


def sandbox_of(app: AppTest):  # type: ignore[no-untyped-def]
    return app.session_state[state.CONNECTION_SANDBOX]


def texts(elements: object) -> list[str]:
    return [e.value for e in elements]  # type: ignore[attr-defined]


def test_a_fresh_session_is_in_the_sandbox_and_asks_for_a_file() -> None:
    app = open_page("app_pages/jobs.py")
    assert not app.exception
    assert any(text("connect.kind.sandbox") in v for v in texts(app.info))
    assert text("jobs.new.need_file") in texts(app.info)


def test_upload_create_progress_and_success_in_the_sandbox() -> None:
    app = upload(sandbox_jobs("instant"), jsonl())
    assert any(literal("train.jsonl") in v for v in texts(app.success))
    start(app)
    app.run()
    assert app.session_state["jobs.tab"] == text("jobs.tab_list")
    job_id = app.session_state[state.JOBS_SELECTED]
    assert job_id.startswith("ftjob-")
    assert text("jobs.view.title", id=job_id) in texts(app.subheader)
    assert text("jobs.status.succeeded") in [m.value for m in app.metric]
    assert any(text("jobs.view.succeeded", model="ft:") in v for v in texts(app.success))
    charts = [e for e in app._tree if getattr(e, "type", "") == "plotly_chart"]
    assert len(charts) == 2
    assert any(e.proto.value == 100 for e in app._tree if getattr(e, "type", "") == "progress")
    assert not any("Session State" in v for v in texts(app.warning))


def test_a_dataset_from_the_studio_is_offered_with_its_model_and_method() -> None:
    data = jsonl()
    app = open_page("app_pages/home.py")
    studio = state.CurrentDataset(
        "marv.jsonl", data, hashlib.sha256(data).hexdigest(), "gpt-4.1-mini-2025-04-14", "supervised"
    )
    app.session_state[state.DATASETS] = {"train": studio}
    app.session_state[state.CONNECTION_SANDBOX] = SandboxService(speed="instant")
    app.switch_page("app_pages/jobs.py").run()
    assert app.radio(key="jobs.train_source").value == "studio"
    assert app.selectbox(key="jobs.model_base_supervised").value == "gpt-4.1-mini-2025-04-14"
    assert any(literal("marv.jsonl") in v for v in texts(app.success))
    start(app)
    job = sandbox_of(app).retrieve_job(app.session_state[state.JOBS_SELECTED])
    assert job["model"] == "gpt-4.1-mini-2025-04-14"


def test_a_running_job_can_be_cancelled_after_confirming() -> None:
    app = start(upload(sandbox_jobs("demo"), jsonl()))
    job_id = app.session_state[state.JOBS_SELECTED]
    app.button(key=f"jobs.ask.cancel_job.{job_id}").click().run()
    assert text("jobs.view.confirm_cancel_job", id=job_id) in texts(app.warning)
    app.button(key=f"jobs.yes.{job_id}").click().run()
    assert not app.exception
    status = sandbox_of(app).retrieve_job(job_id)["status"]
    assert status == "cancelled"
    app.run()
    assert text("jobs.status.cancelled") in [m.value for m in app.metric]


def test_a_running_job_can_be_paused_and_resumed_after_confirming() -> None:
    now = [1_800_000_000.0]
    app = open_page("app_pages/home.py")
    app.session_state[state.CONNECTION_SANDBOX] = SandboxService(speed="demo", clock=lambda: now[0])
    app.switch_page("app_pages/jobs.py").run()
    start(upload(app, jsonl()))
    job_id = app.session_state[state.JOBS_SELECTED]
    now[0] += 15  # past validation and the queue: training
    app.run()
    app.button(key=f"jobs.ask.pause_job.{job_id}").click().run()
    assert text("jobs.view.confirm_pause_job", id=job_id) in texts(app.warning)
    app.button(key=f"jobs.yes.{job_id}").click().run()
    assert sandbox_of(app).retrieve_job(job_id)["status"] == "paused"
    app.run()
    assert text("jobs.status.paused") in [m.value for m in app.metric]
    app.button(key=f"jobs.ask.resume_job.{job_id}").click().run()
    app.button(key=f"jobs.yes.{job_id}").click().run()
    assert not app.exception
    assert sandbox_of(app).retrieve_job(job_id)["status"] in {"queued", "running"}


def dpo_jsonl(examples: int = 12) -> bytes:
    rows = [
        {
            "input": {"messages": [{"role": "user", "content": f"Say hello number {n}."}]},
            "preferred_output": [{"role": "assistant", "content": f"Hello number {n}!"}],
            "non_preferred_output": [{"role": "assistant", "content": "No."}],
        }
        for n in range(examples)
    ]
    return ("\n".join(json.dumps(r) for r in rows) + "\n").encode()


def test_dpo_sends_its_beta() -> None:
    app = sandbox_jobs()
    app.radio(key="jobs.method").set_value("dpo").run()
    upload(app, dpo_jsonl())
    app.toggle(key="jobs.beta_auto").set_value(False).run()
    app.number_input(key="jobs.beta").set_value(0.3).run()
    start(app)
    job = sandbox_of(app).retrieve_job(app.session_state[state.JOBS_SELECTED])
    assert job["method"]["type"] == "dpo"
    assert job["method"]["dpo"]["hyperparameters"]["beta"] == 0.3


def test_a_fine_tuned_model_can_be_trained_further() -> None:
    app = start(upload(sandbox_jobs(), jsonl()))
    app.run()
    tuned = sandbox_of(app).retrieve_job(app.session_state[state.JOBS_SELECTED])["fine_tuned_model"]
    app.session_state["jobs.tab"] = text("jobs.tab_new")
    app.run()
    app.radio(key="jobs.model_source").set_value("tuned").run()
    assert app.selectbox(key="jobs.model_tuned_supervised").value == tuned
    start(app)
    second = sandbox_of(app).retrieve_job(app.session_state[state.JOBS_SELECTED])
    assert second["model"] == tuned


def test_a_file_with_errors_is_refused_and_nothing_is_uploaded() -> None:
    app = upload(sandbox_jobs(), BAD, "broken.jsonl")
    report = datasets.analyze(BAD, model="gpt-4o-mini-2024-07-18", method="supervised")
    count = sum(report.counts_for("error").values())
    assert text("jobs.file.has_errors", name=literal("broken.jsonl"), count=count) in texts(app.error)
    assert app.button(key="jobs.start").disabled
    assert len(app.dataframe) >= 1
    assert sandbox_of(app).list_files()["data"] == []


def test_the_403_refusal_is_explained_with_the_way_forward() -> None:
    app = start(upload(sandbox_jobs(scenario="refused_403"), jsonl()))
    errors = texts(app.error)
    assert any(text("jobs.problem.fine_tuning_closed.title") in v for v in errors)
    assert any(text("jobs.problem.fine_tuning_closed.fix") in v for v in texts(app.info))
    assert sandbox_of(app).list_jobs()["data"] == []


@pytest.mark.parametrize(
    ("scenario", "kind"), [("rate_limited_429", "rate_limited"), ("server_error_500", "server_error")]
)
def test_create_faults_are_explained_and_never_retried(scenario: str, kind: str) -> None:
    app = start(upload(sandbox_jobs(scenario=scenario), jsonl()))
    assert any(text(f"jobs.problem.{kind}.title") in v for v in texts(app.error))
    if kind == "server_error":
        assert text("jobs.create_outcome_unknown") in texts(app.warning)
    sandbox = sandbox_of(app)
    sandbox.scenario = "normal"
    assert sandbox.list_jobs()["data"] == []


def test_a_failure_mid_training_shows_the_jobs_error_in_plain_words() -> None:
    app = start(upload(sandbox_jobs(scenario="fail_mid_training"), jsonl()))
    app.run()
    assert text("jobs.status.failed") in [m.value for m in app.metric]
    assert any(text("jobs.problem.server_error.title") in v for v in texts(app.error))


def _faulty_session(handler: Callable[[httpx2.Request], httpx2.Response]) -> AppTest:
    """A session whose client answers every request with `handler` (the session's client slot is the seam)."""
    settings = ProviderSettings(kind="openai", api_key=KEY, base_url="http://faults.invalid/v1")
    client = openai.OpenAI(
        api_key=KEY,
        base_url=settings.base_url,
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    )
    app = open_page("app_pages/home.py")
    app.session_state[state.CONNECTION_SETTINGS] = settings
    app.session_state[state.CONNECTION_CLIENT] = (settings, client)
    fingerprint = f"openai|{settings.base_url}|sk-…abcd"
    app.session_state[state.JOBS_CREATED] = [{"id": "ftjob-kept-by-this-session", "connection": fingerprint}]
    app.switch_page("app_pages/jobs.py").run()
    return app


def _status(code: int, message: str) -> Callable[[httpx2.Request], httpx2.Response]:
    return lambda request: httpx2.Response(code, json={"error": {"message": message, "code": None}})


def _raise(error: type[Exception]) -> Callable[[httpx2.Request], httpx2.Response]:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise error("simulated", request=request)  # type: ignore[call-arg]

    return handler


@pytest.mark.parametrize(
    ("handler", "kind"),
    [
        (_status(401, "Incorrect API key provided"), "unauthorized"),
        (_status(403, "You have insufficient permissions"), "forbidden"),
        (_status(404, "Not found"), "not_found"),
        (_status(429, "Rate limit reached"), "rate_limited"),
        (_status(502, "Bad gateway"), "server_error"),
        (_raise(httpx2.ReadTimeout), "timeout"),
        (_raise(httpx2.RemoteProtocolError), "connection"),
    ],
    ids=["401", "403", "404", "429", "5xx", "timeout", "dropped"],
)
def test_read_faults_are_explained_and_no_job_id_is_lost(
    handler: Callable[[httpx2.Request], httpx2.Response], kind: str
) -> None:
    app = _faulty_session(handler)
    assert not app.exception, app.exception
    assert any(text(f"jobs.problem.{kind}.title") in v for v in texts(app.error))
    assert "ftjob-kept-by-this-session" in all_text(app)
    assert KEY not in all_text(app)


class FlakyCreate:
    """A provider whose job creation fails (the job may exist all the same); counts the creates it gets."""

    def __init__(self, failure: str, *, job_exists: bool) -> None:
        self.failure = failure
        self.job_exists = job_exists
        self.creates = 0
        self.jobs: list[dict[str, object]] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        path = request.url.path.removeprefix("/v1")
        if request.method == "POST" and path == "/fine_tuning/jobs":
            self.creates += 1
            body = json.loads(request.content)
            if self.job_exists:
                self.jobs.append(
                    {
                        "id": "ftjob-made-despite-the-fault",
                        "object": "fine_tuning.job",
                        "created_at": 1,
                        "model": body["model"],
                        "organization_id": "org",
                        "result_files": [],
                        "seed": 1,
                        "status": "queued",
                        "training_file": body["training_file"],
                        "hyperparameters": {},
                        "metadata": body.get("metadata"),
                    }
                )
            if self.failure == "timeout":
                raise httpx2.ReadTimeout("simulated", request=request)
            return httpx2.Response(500, json={"error": {"message": "Internal error", "code": "server_error"}})
        if request.method == "POST" and path == "/files":
            return httpx2.Response(
                200,
                json={
                    "id": "file-1",
                    "object": "file",
                    "bytes": 1,
                    "created_at": 1,
                    "filename": "train.jsonl",
                    "purpose": "fine-tune",
                    "status": "processed",
                },
            )
        if path.startswith("/fine_tuning/jobs/"):
            found = [j for j in self.jobs if path.endswith(str(j["id"]))]
            if found:
                return httpx2.Response(200, json=found[0])
            return httpx2.Response(200, json={"object": "list", "data": [], "has_more": False})
        data = self.jobs if path == "/fine_tuning/jobs" else []
        return httpx2.Response(200, json={"object": "list", "data": data, "has_more": False})


@pytest.mark.parametrize("failure", ["server_error", "timeout"])
def test_a_create_with_an_unclear_outcome_is_sent_once_and_looked_up(failure: str) -> None:
    provider = FlakyCreate(failure, job_exists=False)
    app = _faulty_session(provider)
    app.session_state["jobs.tab"] = text("jobs.tab_new")
    app.run()
    upload(app, jsonl())
    app.checkbox[0].check().run()
    start(app)
    assert provider.creates == 1
    assert text("jobs.create_outcome_unknown") in texts(app.warning)


def test_a_job_created_despite_a_timeout_is_found_and_not_created_twice() -> None:
    provider = FlakyCreate("timeout", job_exists=True)
    app = _faulty_session(provider)
    app.session_state["jobs.tab"] = text("jobs.tab_new")
    app.run()
    upload(app, jsonl())
    app.checkbox[0].check().run()
    start(app)
    assert provider.creates == 1
    assert app.session_state[state.JOBS_SELECTED] == "ftjob-made-despite-the-fault"
    assert text("jobs.created_after_all", id="ftjob-made-despite-the-fault") in texts(app.info)
    assert "ftjob-made-despite-the-fault" in all_text(app)


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer("127.0.0.1", 0, speed="instant") as running:
        yield running


def _connect_openai(app: AppTest, server: SandboxServer, key: str = KEY) -> AppTest:
    app.switch_page("app_pages/connect.py").run()
    app.segmented_control(key="connect.kind").set_value("openai").run()
    app.text_input(key="connect.openai_key").input(key)
    app.text_input(key="connect.openai_base_url").input(f"{server.url}/v1")
    app.button(key="FormSubmitter:connect.openai_form-" + text("connect.connect_button")).click().run()
    assert not app.exception, app.exception
    return app


def _connect_azure(app: AppTest, server: SandboxServer, key: str) -> AppTest:
    app.switch_page("app_pages/connect.py").run()
    app.segmented_control(key="connect.kind").set_value("azure").run()
    app.text_input(key="connect.azure_endpoint").input(server.url)
    app.text_input(key="connect.azure_key").input(key)
    app.button(key="FormSubmitter:connect.azure_form-" + text("connect.connect_button")).click().run()
    assert not app.exception, app.exception
    return app


def test_a_paid_job_needs_the_estimate_confirmed_first(server: SandboxServer) -> None:
    app = _connect_openai(open_page("app_pages/home.py"), server)
    app.switch_page("app_pages/jobs.py").run()
    upload(app, jsonl())
    assert app.button(key="jobs.start").disabled
    assert any(m.label == text("jobs.review.cost") for m in app.metric)
    app.checkbox[0].check().run()
    assert not app.button(key="jobs.start").disabled
    start(app)
    app.run()
    assert text("jobs.status.succeeded") in [m.value for m in app.metric]


def test_azure_success_explains_deployment_and_its_cost(server: SandboxServer) -> None:
    azure_key = "0123456789abcdef0123456789abcdef"
    app = _connect_azure(open_page("app_pages/home.py"), server, azure_key)
    app.switch_page("app_pages/jobs.py").run()
    upload(app, jsonl())
    app.checkbox[0].check().run()
    start(app)
    app.run()
    assert not app.exception, app.exception
    code = "\n".join(c.value for c in app.code)
    assert "az cognitiveservices account deployment create" in code
    assert ".ft-" in code and "management.azure.com" in code
    assert any(text("jobs.deploy.inactivity", days=15) == v for v in texts(app.warning))
    assert any(m.label == text("jobs.deploy.hourly") for m in app.metric)
    assert azure_key not in all_text(app)


def test_two_sessions_never_see_each_others_key_files_or_jobs(server: SandboxServer) -> None:
    first = start(upload(sandbox_jobs(), jsonl()))
    first_job = first.session_state[state.JOBS_SELECTED]
    _connect_openai(first, server)
    second = sandbox_jobs()
    second.session_state["jobs.tab"] = text("jobs.tab_list")
    second.run()
    assert text("jobs.list.empty") in texts(second.info)
    page = all_text(second)
    assert first_job not in page and KEY not in page and "sk-…abcd" not in page
    assert sandbox_of(second).list_files()["data"] == []
    assert sandbox_of(first) is not sandbox_of(second)


def test_a_key_appears_only_masked_in_the_page_and_logs(
    server: SandboxServer, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    app = _connect_openai(open_page("app_pages/home.py"), server)
    assert app.session_state["connect.openai_key"] == ""
    seen = [all_text(app)]
    app.switch_page("app_pages/jobs.py").run()
    upload(app, jsonl())
    seen.append(all_text(app))
    app.checkbox[0].check().run()
    start(app)
    app.run()
    seen.append(all_text(app))
    joined = "\n".join(seen)
    assert KEY not in joined
    assert "sk-…abcd" in joined
    captured = capsys.readouterr()
    assert KEY not in captured.out + captured.err + caplog.text


def test_every_step_offers_python_and_curl_with_the_key_masked(server: SandboxServer) -> None:
    app = _connect_openai(open_page("app_pages/home.py"), server)
    app.switch_page("app_pages/jobs.py").run()
    upload(app, jsonl())
    code = [c.value for c in app.code]
    assert any("client.files.create" in c for c in code)
    assert any("client.fine_tuning.jobs.create" in c for c in code)
    assert any(c.startswith("# OPENAI_API_KEY holds your key (sk-…abcd)") for c in code)
    assert all(KEY not in c for c in code)


def test_the_page_works_in_polish() -> None:
    app = upload(sandbox_jobs(lang="pl"), jsonl())
    start(app)
    app.run()
    assert text("jobs.status.succeeded", "pl") in [m.value for m in app.metric]
    assert app.title[0].value == text("jobs.title", "pl")
