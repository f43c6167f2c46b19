"""The jobs core: views of SDK objects, timeline, progress, metrics, problems, retries, code, deployment."""

from __future__ import annotations

import ast
import base64
import json
import shlex
import subprocess
import sys

import httpx2
import openai
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openai.types.fine_tuning import FineTuningJob, FineTuningJobEvent
from openai.types.fine_tuning.jobs import FineTuningJobCheckpoint

from finetune_guide import jobs
from finetune_guide.providers import ProviderSettings

KEY = "sk-proj-SECRETsecretSECRET1234"
AZURE_KEY = "0123456789abcdef0123456789abcdef"


def _job(**overrides: object) -> FineTuningJob:
    fields: dict[str, object] = {
        "id": "ftjob-abc",
        "created_at": 1_700_000_000,
        "hyperparameters": {"n_epochs": "auto", "batch_size": "auto", "learning_rate_multiplier": "auto"},
        "model": "gpt-4.1-mini-2025-04-14",
        "object": "fine_tuning.job",
        "organization_id": "org-1",
        "result_files": [],
        "seed": 42,
        "status": "running",
        "training_file": "file-train",
    }
    fields.update(overrides)
    return FineTuningJob.model_validate(fields)


def _status_error(status: int, body: object, cls: type[openai.APIStatusError]) -> openai.APIStatusError:
    request = httpx2.Request("POST", "https://api.openai.com/v1/fine_tuning/jobs")
    response = httpx2.Response(status, request=request, headers={"x-request-id": "req_1"}, json=body)
    return cls(f"Error code: {status}", response=response, body=body)


# --- views


def test_job_view_reads_an_sdk_job_with_method_hyperparameters() -> None:
    job = _job(
        method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.2, "n_epochs": 2}}},
        user_provided_suffix="support",
        metadata={"finetune_guide_request": "r1"},
    )
    view = jobs.job_view(job)
    assert (view.id, view.status, view.method, view.n_epochs, view.beta) == (
        "ftjob-abc",
        "running",
        "dpo",
        2,
        0.2,
    )
    assert view.suffix == "support"
    assert dict(view.metadata) == {"finetune_guide_request": "r1"}
    assert not view.terminal


def test_job_view_keeps_an_unknown_status_such_as_paused() -> None:
    # The SDK parses responses leniently (construct), so a status outside its Literal arrives as is.
    view = jobs.job_view(_job().model_copy(update={"status": "paused"}))
    assert view.status == "paused"
    assert [s.state for s in jobs.status_timeline("paused")] == ["done", "done", "paused", "pending"]


def test_job_view_carries_the_error_of_a_failed_job() -> None:
    job = _job(
        status="failed",
        error={"code": "invalid_training_file", "message": "Line 3 bad", "param": "training_file"},
    )
    view = jobs.job_view(job)
    assert view.error == jobs.JobError("invalid_training_file", "Line 3 bad", "training_file")
    assert view.terminal


# --- timeline and progress


def test_timeline_marks_steps_done_up_to_the_current_one() -> None:
    assert [s.state for s in jobs.status_timeline("queued")] == ["done", "current", "pending", "pending"]
    assert [s.state for s in jobs.status_timeline("succeeded")] == ["done"] * 4


def test_timeline_of_a_failed_job_ends_in_failure_and_says_whether_training_ran() -> None:
    early = jobs.status_timeline("failed")
    assert [s.state for s in early] == ["done", "skipped", "skipped", "failed"]
    late = jobs.status_timeline("cancelled", reached_running=True)
    assert [(s.status, s.state) for s in late][-2:] == [("running", "done"), ("cancelled", "cancelled")]


def test_progress_is_steps_over_total_while_running_and_one_when_done() -> None:
    points = (jobs.MetricPoint(step=5, total_steps=20), jobs.MetricPoint(step=10, total_steps=20))
    assert jobs.progress_fraction(jobs.job_view(_job()), points) == 0.5
    assert jobs.progress_fraction(jobs.job_view(_job(status="queued")), points) == 0.0
    assert jobs.progress_fraction(jobs.job_view(_job(status="succeeded")), ()) == 1.0
    assert jobs.progress_fraction(jobs.job_view(_job()), ()) == 0.0


# --- metrics


def _metrics_event(step: int, loss: float) -> FineTuningJobEvent:
    return FineTuningJobEvent.model_validate(
        {
            "id": f"ev-{step}",
            "created_at": 1_700_000_000 + step,
            "level": "info",
            "message": f"Step {step}/10: training loss={loss}",
            "object": "fine_tuning.job.event",
            "type": "metrics",
            "data": {"step": step, "train_loss": loss, "total_steps": 10, "train_mean_token_accuracy": 0.5},
        }
    )


def test_metrics_come_from_metrics_events_sorted_by_step() -> None:
    message = FineTuningJobEvent.model_validate(
        {
            "id": "m",
            "created_at": 1,
            "level": "info",
            "message": "Job started",
            "object": "fine_tuning.job.event",
        }
    )
    points = jobs.metrics_from_events([_metrics_event(2, 0.8), message, _metrics_event(1, 1.2)])
    assert [(p.step, p.train_loss, p.train_accuracy, p.total_steps) for p in points] == [
        (1, 1.2, 0.5, 10),
        (2, 0.8, 0.5, 10),
    ]


def test_results_csv_with_openai_column_names() -> None:
    text = "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n1,1.5,0.4,1.6,0.38\n2,1.1,0.5,,\n"
    points = jobs.metrics_from_results_csv(text)
    assert points[0] == jobs.MetricPoint(1, train_loss=1.5, valid_loss=1.6, train_accuracy=0.4, valid_accuracy=0.38)
    assert points[1].valid_loss is None


def test_results_csv_with_azure_column_names_and_base64_encoding() -> None:
    text = (
        "step,train_loss,train_mean_token_accuracy,valid_loss,validation_mean_token_accuracy,"
        "full_valid_loss,full_valid_mean_token_accuracy\n3,0.9,0.7,1.0,0.66,1.05,0.65\n"
    )
    points = jobs.metrics_from_results_csv(base64.b64encode(text.encode()))
    assert points == (
        jobs.MetricPoint(
            3,
            train_loss=0.9,
            valid_loss=1.0,
            full_valid_loss=1.05,
            train_accuracy=0.7,
            valid_accuracy=0.66,
            full_valid_accuracy=0.65,
        ),
    )


@given(st.text(max_size=300))
def test_results_parser_never_crashes_on_any_text(text: str) -> None:
    assert isinstance(jobs.metrics_from_results_csv(text), tuple)


def test_merge_fills_gaps_from_a_later_source() -> None:
    merged = jobs.merge_metrics([jobs.MetricPoint(1, train_loss=1.0)], [jobs.MetricPoint(1, valid_loss=2.0)])
    assert merged == (jobs.MetricPoint(1, train_loss=1.0, valid_loss=2.0),)


def test_checkpoints_are_read_with_their_metrics_by_step() -> None:
    checkpoint = FineTuningJobCheckpoint.model_validate(
        {
            "id": "ftckpt_1",
            "created_at": 1,
            "fine_tuned_model_checkpoint": "ft:gpt-4.1-mini:org::abc:ckpt-step-10",
            "fine_tuning_job_id": "ftjob-abc",
            "metrics": {"step": 10, "train_loss": 0.5, "valid_loss": 0.6},
            "object": "fine_tuning.job.checkpoint",
            "step_number": 10,
        }
    )
    (view,) = jobs.checkpoint_views([checkpoint])
    assert (view.step, view.train_loss, view.valid_loss) == (10, 0.5, 0.6)


def test_fine_tuned_model_ids_of_both_providers_are_recognised() -> None:
    assert jobs.is_fine_tuned_model("ft:gpt-4o-mini-2024-07-18:org:x:abc")
    assert jobs.is_fine_tuned_model("gpt-4.1-2025-04-14.ft-0123abcd")
    assert not jobs.is_fine_tuned_model("gpt-4.1-2025-04-14")


# --- problems


@pytest.mark.parametrize(
    ("status", "cls", "body", "kind"),
    [
        (401, openai.AuthenticationError, {"message": "Incorrect API key"}, "unauthorized"),
        (403, openai.PermissionDeniedError, {"message": "You are not allowed to do that"}, "forbidden"),
        (
            403,
            openai.PermissionDeniedError,
            {
                "message": "Fine-tuning is no longer available to new users.",
                "code": "fine_tuning_not_available",
            },
            "fine_tuning_closed",
        ),
        (404, openai.NotFoundError, {"message": "No such job"}, "not_found"),
        (400, openai.BadRequestError, {"message": "bad"}, "bad_request"),
        (429, openai.RateLimitError, {"message": "slow down"}, "rate_limited"),
        (429, openai.RateLimitError, {"message": "no money", "code": "insufficient_quota"}, "quota"),
        (503, openai.InternalServerError, {"message": "oops"}, "server_error"),
    ],
)
def test_http_errors_are_sorted_into_explainable_kinds(
    status: int, cls: type[openai.APIStatusError], body: dict[str, str], kind: str
) -> None:
    problem = jobs.describe_exception(_status_error(status, {"error": body}, cls))
    assert problem.kind == kind
    assert problem.http_status == status
    assert problem.request_id == "req_1"
    assert problem.detail == body["message"]


def test_timeouts_and_dropped_connections_are_their_own_kinds() -> None:
    request = httpx2.Request("GET", "https://api.openai.com/v1/models")
    assert jobs.describe_exception(openai.APITimeoutError(request)).kind == "timeout"
    assert jobs.describe_exception(openai.APIConnectionError(request=request)).kind == "connection"
    assert jobs.describe_exception(RuntimeError("boom")).kind == "unknown"


def test_a_key_in_an_error_message_is_masked() -> None:
    body = {"error": {"message": f"Incorrect API key provided: {KEY}. Also {AZURE_KEY}."}}
    problem = jobs.describe_exception(_status_error(401, body, openai.AuthenticationError), secrets=(KEY,))
    assert KEY not in problem.detail and AZURE_KEY not in problem.detail
    assert "sk-…1234" in problem.detail


def test_redaction_spares_azure_ids_that_end_in_hex() -> None:
    text = f"job ftjob-{AZURE_KEY} made gpt-4.1-2025-04-14.ft-{AZURE_KEY}"
    assert jobs.redact(text) == text


@pytest.mark.parametrize(
    ("code", "param", "kind"),
    [
        ("invalid_training_file", "training_file", "bad_file"),
        ("invalid_n_examples", None, "too_few_examples"),
        ("exceeded_quota", None, "quota"),
        ("moderation_failed", None, "safety"),
        ("internal_server_error", None, "server_error"),
        ("something_new", None, "job_failed"),
    ],
)
def test_failed_job_errors_are_explained_by_code(code: str, param: str | None, kind: str) -> None:
    assert jobs.describe_job_error(jobs.JobError(code, "msg", param)).kind == kind


# --- retry policy


def test_a_create_is_never_retried_by_the_sdk_or_after_an_unclear_fault() -> None:
    assert jobs.sdk_max_retries("create_job") == 0
    assert jobs.sdk_max_retries("upload_file") == 0
    assert jobs.sdk_max_retries("retrieve_job") == 2
    for kind in ("timeout", "connection", "server_error", "rate_limited"):
        assert not jobs.may_retry("create_job", jobs.Problem(kind))  # type: ignore[arg-type]
    assert jobs.outcome_unknown("create_job", jobs.Problem("timeout"))
    assert not jobs.outcome_unknown("create_job", jobs.Problem("bad_request", 400))


def test_reads_are_retried_on_transient_faults_only() -> None:
    assert jobs.may_retry("retrieve_job", jobs.Problem("server_error", 500))
    assert jobs.may_retry("list_events", jobs.Problem("timeout"))
    assert not jobs.may_retry("retrieve_job", jobs.Problem("unauthorized", 401))
    assert jobs.may_retry("cancel_job", jobs.Problem("rate_limited", 429))
    assert not jobs.may_retry("cancel_job", jobs.Problem("timeout"))


def test_a_job_is_found_again_by_its_request_tag() -> None:
    tagged = jobs.job_view(_job(id="ftjob-2", metadata={jobs.REQUEST_TAG: "r-7"}))
    assert jobs.find_job_by_request([jobs.job_view(_job()), tagged], "r-7") == tagged
    assert jobs.find_job_by_request([tagged], "r-8") is None


# --- the request


def test_azure_suffix_rules_are_stricter_than_openai() -> None:
    request = jobs.JobRequest(model="m", training_file="f", suffix="my.support-model-2026")
    assert {i.code for i in jobs.check_job_request(request, "openai")} == set()
    assert {i.code for i in jobs.check_job_request(request, "azure")} == {"suffix_too_long", "suffix_dot"}
    too_long = jobs.JobRequest(model="m", training_file="f", suffix="x" * 65)
    assert [i.code for i in jobs.check_job_request(too_long, "openai")] == ["suffix_too_long"]


def test_out_of_range_hyperparameters_are_reported() -> None:
    request = jobs.JobRequest(
        model="",
        training_file="",
        method="dpo",
        n_epochs=0,
        batch_size=300,
        learning_rate_multiplier=0,
        beta=3,
        seed=-1,
    )
    codes = {i.code for i in jobs.check_job_request(request, "sandbox")}
    assert codes == {
        "no_model",
        "no_training_file",
        "epochs_range",
        "batch_range",
        "lr_range",
        "beta_range",
        "seed_range",
    }


def test_create_params_put_hyperparameters_under_the_method_and_the_tier_in_extra_body() -> None:
    request = jobs.JobRequest(
        model="gpt-4.1-mini-2025-04-14",
        training_file="file-1",
        validation_file="file-2",
        method="dpo",
        n_epochs=2,
        beta=0.1,
        suffix="s",
        seed=7,
        training_type="GlobalStandard",
    )
    params = jobs.create_params(request, "azure")
    assert params["method"] == {"type": "dpo", "dpo": {"hyperparameters": {"n_epochs": 2, "beta": 0.1}}}
    assert params["extra_body"] == {"trainingType": "GlobalStandard"}
    assert "extra_body" not in jobs.create_params(request, "openai")


# --- show the code


def _target(kind: str = "openai", **kw: object) -> jobs.CodeTarget:
    settings = ProviderSettings(kind=kind, api_key=KEY if kind != "azure" else AZURE_KEY, **kw)  # type: ignore[arg-type]
    return jobs.code_target(settings)


ACTIONS = (
    "test_connection",
    "upload_file",
    "create_job",
    "list_jobs",
    "retrieve_job",
    "list_events",
    "list_checkpoints",
    "download_results",
    "cancel_job",
    "pause_job",
    "resume_job",
)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("kind", ["openai", "azure", "sandbox"])
def test_every_action_has_valid_python_and_curl_with_the_key_masked(action: str, kind: str) -> None:
    target = _target(kind, azure_endpoint="https://res.openai.azure.com") if kind == "azure" else _target(kind)
    params = jobs.create_params(jobs.JobRequest(model="gpt-4.1-mini-2025-04-14", training_file="file-1"), "openai")
    sample = jobs.code_for(action, target, job_id="ftjob-1", filename="it's.jsonl", params=params)  # type: ignore[arg-type]
    compile(sample.python, "<sample>", "exec")
    shlex.split(sample.curl, comments=True)
    for text in (sample.python, sample.curl):
        assert KEY not in text and AZURE_KEY not in text
    if kind == "azure":
        assert "api-version=2025-04-01-preview" in sample.curl and "api-key: $AZURE_OPENAI_API_KEY" in sample.curl
    if kind == "openai":
        assert "sk-…1234" in sample.python


def test_create_code_matches_the_call_the_app_makes() -> None:
    request = jobs.JobRequest(
        model="gpt-4.1-2025-04-14", training_file="file-1", suffix="x'; rm -rf /", training_type="Standard"
    )
    params = jobs.create_params(request, "azure")
    sample = jobs.code_for("create_job", _target("azure", azure_endpoint="https://r.openai.azure.com"), params=params)
    call = sample.python.split("job = ", 1)[1].split("print(", 1)[0]
    # The sample's own call, read as Python: its keyword arguments, each a literal, are what the app sends.
    parsed = ast.parse(call.strip(), mode="eval").body
    assert isinstance(parsed, ast.Call)
    assert {keyword.arg: ast.literal_eval(keyword.value) for keyword in parsed.keywords} == params
    body = json.loads(shlex.split(sample.curl.split("-d ", 1)[1])[0])
    assert body["trainingType"] == "Standard" and body["suffix"] == "x'; rm -rf /"


def test_sandbox_code_points_at_the_loopback_sandbox_server() -> None:
    sample = jobs.code_for("list_jobs", _target("sandbox"))
    assert jobs.SANDBOX_SERVER_URL in sample.python and jobs.SANDBOX_SERVER_URL in sample.curl


def test_shown_python_runs_against_a_fake_server() -> None:
    """The sample is real code: run it with a stub transport standing in for the network."""
    sample = jobs.code_for("list_jobs", _target("openai"))
    script = (
        "import httpx2, openai\n"
        "def handler(request):\n"
        "    return httpx2.Response(200, json={'object': 'list', 'data': [], 'has_more': False})\n"
        "_init = openai.OpenAI.__init__\n"
        "def init(self, **kw):\n"
        "    _init(self, http_client=httpx2.Client(transport=httpx2.MockTransport(handler)), **kw)\n"
        "openai.OpenAI.__init__ = init\n" + sample.python
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        env={"OPENAI_API_KEY": "sk-test"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


# --- deployment


def test_azure_deployment_plan_fills_in_the_model_and_costs_the_hours() -> None:
    model = f"gpt-4.1-mini-2025-04-14.ft-{AZURE_KEY}"
    plan = jobs.azure_deployment_plan(
        model,
        hourly_hosting_usd=1.7,
        inactivity_deletion_days=15,
        developer_deployment_hours=24,
        resource_group="rg",
        resource_name="res",
        subscription_id="sub",
    )
    assert "az cognitiveservices account deployment create" in plan.az_command
    assert f"--model-name {model}" in plan.az_command
    assert json.loads(plan.rest_body)["properties"]["model"]["name"] == model
    assert plan.rest_url.startswith("https://management.azure.com/subscriptions/sub/resourceGroups/rg/")
    assert (plan.hourly_hosting_usd, plan.monthly_hosting_usd, plan.inactivity_deletion_days) == (
        1.7,
        1224.0,
        15,
    )
    developer = jobs.azure_deployment_plan(
        model,
        hourly_hosting_usd=1.7,
        inactivity_deletion_days=15,
        developer_deployment_hours=24,
        deployment_type="developer",
    )
    assert (developer.sku, developer.hourly_hosting_usd, developer.removed_after_hours) == (
        "developertier",
        0.0,
        24,
    )


def test_deployment_names_are_valid_for_any_suffix() -> None:
    assert jobs.deployment_name_for("gpt-4.1-2025-04-14.ft-abc") == "gpt-4.1-2025-04-14-ft"
    assert jobs.deployment_name_for("m", "my model/é!") == "my-model"
