"""Show-the-code samples: the Python (openai SDK) and curl equivalent of each action, with the key masked."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from finetune_guide.jobs.actions import Action
from finetune_guide.providers import ProviderKind, ProviderSettings, masked

SANDBOX_SERVER_URL = "http://127.0.0.1:8765/v1"

LAB_SERVER_URL = "http://127.0.0.1:8766/v1"

_LOCAL_SERVER_URLS = {"sandbox": SANDBOX_SERVER_URL, "local": LAB_SERVER_URL}


@dataclass(frozen=True, slots=True)
class CodeTarget:
    """Where the shown code talks to, with the key already masked (the real key never reaches this module)."""

    kind: ProviderKind
    masked_key: str = ""
    base_url: str = ""
    azure_endpoint: str = ""
    api_version: str = ""
    organization: str = ""
    project: str = ""
    entra: bool = False


@dataclass(frozen=True, slots=True)
class CodeSample:
    python: str
    curl: str


def code_target(settings: ProviderSettings) -> CodeTarget:
    """The code samples' view of a connection: everything but the secret, which is masked."""
    secret = settings.api_key or settings.azure_ad_token
    return CodeTarget(
        kind=settings.kind,
        masked_key=masked(secret) if settings.kind not in {"sandbox", "local"} else "",
        base_url=settings.base_url.strip(),
        azure_endpoint=settings.azure_endpoint.strip(),
        api_version=settings.api_version.strip(),
        organization=settings.organization.strip(),
        project=settings.project.strip(),
        entra=bool(settings.azure_ad_token) and not settings.api_key,
    )


def _py(value: object) -> str:
    """A Python literal for a JSON-like value (repr quotes user text safely)."""
    return repr(value)


def _key_env(target: CodeTarget) -> str:
    if target.kind == "azure":
        return "AZURE_OPENAI_AD_TOKEN" if target.entra else "AZURE_OPENAI_API_KEY"
    if target.kind == "sandbox":
        return "SANDBOX_API_KEY"
    if target.kind == "local":
        return "LAB_API_KEY"
    return "OPENAI_API_KEY"


def _python_client(target: CodeTarget) -> str:
    env = _key_env(target)
    key_comment = f"  # {target.masked_key}" if target.masked_key else ""
    if target.kind == "azure" and not target.base_url:
        auth = "azure_ad_token" if target.entra else "api_key"
        return (
            "import os\n\nfrom openai import AzureOpenAI\n\nclient = AzureOpenAI(\n"
            f"    azure_endpoint={_py(target.azure_endpoint or 'https://<resource>.openai.azure.com')},\n"
            f"    {auth}=os.environ[{_py(env)}],{key_comment}\n"
            f"    api_version={_py(target.api_version)},\n)\n"
        )
    lines = ["import os", "", "from openai import OpenAI", ""]
    if target.kind == "sandbox":
        lines.append("# Start the sandbox first: finetune-guide sandbox --port 8765")
    if target.kind == "local" and not target.base_url:
        lines.append("# Start the lab first: finetune-guide lab serve --port 8766 (any key: it names your work)")
    lines.append("client = OpenAI(")
    lines.append(f"    api_key=os.environ[{_py(env)}],{key_comment}")
    base_url = target.base_url or _LOCAL_SERVER_URLS.get(target.kind, "")
    if base_url:
        lines.append(f"    base_url={_py(base_url)},")
    if target.organization:
        lines.append(f"    organization={_py(target.organization)},")
    if target.project:
        lines.append(f"    project={_py(target.project)},")
    lines.append(")")
    return "\n".join(lines) + "\n"


def _rest_base(target: CodeTarget) -> tuple[str, str]:
    """The URL prefix and the query string every curl call uses."""
    if target.kind == "azure" and not target.base_url:
        endpoint = (target.azure_endpoint or "https://<resource>.openai.azure.com").rstrip("/")
        return f"{endpoint}/openai", f"?api-version={target.api_version}"
    if target.base_url:
        return target.base_url.rstrip("/"), ""
    return _LOCAL_SERVER_URLS.get(target.kind, "https://api.openai.com/v1"), ""


def _curl_auth(target: CodeTarget) -> list[str]:
    env = _key_env(target)
    if target.kind == "azure" and not target.entra and not target.base_url:
        headers = [f'-H "api-key: ${env}"']
    else:
        headers = [f'-H "Authorization: Bearer ${env}"']
    if target.organization:
        headers.append(f"-H {shlex.quote('OpenAI-Organization: ' + target.organization)}")
    if target.project:
        headers.append(f"-H {shlex.quote('OpenAI-Project: ' + target.project)}")
    return headers


def _curl(target: CodeTarget, method: str, path: str, extra: Sequence[str] = ()) -> str:
    base, query = _rest_base(target)
    lines = []
    if target.masked_key:
        lines.append(f"# {_key_env(target)} holds your key ({target.masked_key})")
    parts = ["curl"] + ([f"-X {method}"] if method != "GET" else []) + [shlex.quote(f"{base}{path}{query}")]
    parts += _curl_auth(target)
    parts += list(extra)
    lines.append(" \\\n  ".join(parts))
    return "\n".join(lines) + "\n"


def _python_call(target: CodeTarget, call: str, args: Mapping[str, Any], result: str) -> str:
    if args:
        body = "".join(f"    {name}={_py(value)},\n" for name, value in args.items())
        text = f"{result} = {call}(\n{body})\n"
    else:
        text = f"{result} = {call}()\n"
    return _python_client(target) + "\n" + text


_JOB_ACTIONS = frozenset({"retrieve_job", "list_events", "list_checkpoints", "cancel_job", "pause_job", "resume_job"})


def code_for(action: Action, target: CodeTarget, **values: Any) -> CodeSample:
    """Equivalent Python (openai SDK) and curl for one action of the jobs or connection page.

    Values by action: upload_file(filename), create_job(params = create_params(...)), job actions (job_id),
    download_results(file_id).
    """
    if action in {"test_connection", "list_models"}:
        python = _python_client(target) + "\nfor model in client.models.list():\n    print(model.id)\n"
        return CodeSample(python, _curl(target, "GET", "/models"))
    if action == "upload_file":
        return _upload_code(target, str(values.get("filename", "train.jsonl")))
    if action == "create_job":
        return _create_code(target, dict(values.get("params") or {}))
    if action == "list_jobs":
        python = (
            _python_client(target)
            + "\nfor job in client.fine_tuning.jobs.list(limit=20):\n    print(job.id, job.status)\n"
        )
        return CodeSample(python, _curl(target, "GET", "/fine_tuning/jobs"))
    if action in _JOB_ACTIONS:
        return _job_code(action, target, str(values.get("job_id", "<job-id>")))
    if action == "download_results":
        file_id = str(values.get("file_id", "<file-id>"))
        python = _python_client(target) + f"\ncontent = client.files.content({_py(file_id)})\nprint(content.text)\n"
        return CodeSample(python, _curl(target, "GET", f"/files/{file_id}/content", ["-o results.csv"]))
    raise ValueError(f"no code sample for {action!r}")


def _upload_code(target: CodeTarget, filename: str) -> CodeSample:
    python = (
        _python_client(target)
        + f"\nwith open({_py(filename)}, 'rb') as handle:\n"
        + "    uploaded = client.files.create(file=handle, purpose='fine-tune')\nprint(uploaded.id)\n"
    )
    extra = ["-F purpose=fine-tune", f"-F {shlex.quote('file=@' + filename)}"]
    return CodeSample(python, _curl(target, "POST", "/files", extra))


def _create_code(target: CodeTarget, params: dict[str, Any]) -> CodeSample:
    python = _python_call(target, "client.fine_tuning.jobs.create", params, "job") + "print(job.id, job.status)\n"
    # curl sends the body as the API sees it: the SDK's extra_body is merged in, not a field of its own.
    body = {k: v for k, v in params.items() if k != "extra_body"}
    body.update(params.get("extra_body") or {})
    extra = ['-H "Content-Type: application/json"', f"-d {shlex.quote(json.dumps(body, indent=2))}"]
    return CodeSample(python, _curl(target, "POST", "/fine_tuning/jobs", extra))


def _job_code(action: Action, target: CodeTarget, job_id: str) -> CodeSample:
    """The actions on one job: reading it, its events and checkpoints, and cancel / pause / resume."""
    if action == "retrieve_job":
        python = _python_call(target, "client.fine_tuning.jobs.retrieve", {"fine_tuning_job_id": job_id}, "job")
        python += "print(job.status, job.fine_tuned_model)\n"
        return CodeSample(python, _curl(target, "GET", f"/fine_tuning/jobs/{job_id}"))
    if action == "list_events":
        python = (
            _python_client(target)
            + f"\nfor event in client.fine_tuning.jobs.list_events({_py(job_id)}, limit=100):\n"
            + "    print(event.created_at, event.level, event.message)\n"
        )
        return CodeSample(python, _curl(target, "GET", f"/fine_tuning/jobs/{job_id}/events"))
    if action == "list_checkpoints":
        python = (
            _python_client(target)
            + f"\nfor checkpoint in client.fine_tuning.jobs.checkpoints.list({_py(job_id)}):\n"
            + "    print(checkpoint.step_number, checkpoint.fine_tuned_model_checkpoint)\n"
        )
        return CodeSample(python, _curl(target, "GET", f"/fine_tuning/jobs/{job_id}/checkpoints"))
    verb = action.removesuffix("_job")
    python = _python_call(target, f"client.fine_tuning.jobs.{verb}", {"fine_tuning_job_id": job_id}, "job")
    python += "print(job.status)\n"
    return CodeSample(python, _curl(target, "POST", f"/fine_tuning/jobs/{job_id}/{verb}"))
