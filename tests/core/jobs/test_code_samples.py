"""jobs.code_samples: Python and curl for every action, valid and with the key masked."""

from __future__ import annotations

import ast
import json
import shlex
import subprocess
import sys
import typing

import pytest

from finetune_guide import jobs
from finetune_guide.providers import ProviderSettings
from tests.support.jobs import AZURE_KEY, KEY


def _target(kind: str = "openai", **kw: object) -> jobs.CodeTarget:
    settings = ProviderSettings(kind=kind, api_key=KEY if kind != "azure" else AZURE_KEY, **kw)  # type: ignore[arg-type]
    return jobs.code_target(settings)


@pytest.mark.parametrize("action", typing.get_args(jobs.Action))
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
