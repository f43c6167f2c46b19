"""HTTP in front of the sandbox: dialects, authentication, request parsing, routing and rehearsal faults."""

from __future__ import annotations

import email.message
import email.parser
import email.policy
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx2

from finetune_guide.sandbox.api import FineTuningAPI, Operation
from finetune_guide.sandbox.errors import SandboxError, bad_request
from finetune_guide.sandbox.simulation import SCENARIOS, SPEEDS, Dialect, new_id

JSON_TYPE = "application/json"
MAX_BODY_BYTES = 25 * 1024 * 1024

HELP_TEXT = """Fine-Tuning Guide sandbox: a simulated fine-tuning API (nothing is trained, nothing is billed).

OpenAI dialect:  <this server>/v1/...          with the header  Authorization: Bearer <any key>
Azure dialect:   <this server>/openai/...?api-version=2025-04-01-preview  with the header  api-key: <any key>
Azure v1:        <this server>/openai/v1/...   with  Authorization: Bearer <any key>  or  api-key: <any key>

Each key is its own private sandbox: use a key nobody else uses.
Rehearsals: POST <base>/sandbox/settings {"scenario": "refused_403"} (one of: %s).
"""


@dataclass(frozen=True, slots=True)
class Call:
    """One parsed request: which dialect spoke, what it asked for, and what it sent."""

    dialect: Dialect
    azure_classic: bool
    method: str
    path: str  # below the dialect's root, e.g. /fine_tuning/jobs
    query: Mapping[str, str]
    request: httpx2.Request


def api_key_of(request: httpx2.Request) -> str:
    """The key a request carries, or "" when there is none.

    OpenAI (`/v1/…`) reads only `Authorization: Bearer`; Azure reads the `api-key` header, then a Bearer
    token (an Entra token, or a key on the v1 API).
    """
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    bearer = token.strip() if scheme.lower() == "bearer" else ""
    if request.url.path.startswith("/v1/"):
        return bearer
    return request.headers.get("api-key", "").strip() or bearer


def split_dialect(path: str) -> tuple[Dialect, bool, str] | None:
    """(dialect, azure classic?, path below the root) for a URL path, or None for a path outside the API."""
    if path.startswith("/v1/"):
        return "openai", False, path[len("/v1") :]
    if path.startswith("/openai/v1/"):
        return "azure", False, path[len("/openai/v1") :]
    if path.startswith("/openai/"):
        return "azure", True, path[len("/openai") :]
    return None


def dispatch(service: FineTuningAPI, request: httpx2.Request) -> httpx2.Response:
    """Answer a request; every failure becomes the JSON error the real service would send."""
    try:
        response = _route(service, request)
    except SandboxError as error:
        response = _json(error.status, error.body(), headers=error.headers)
    except Exception as error:  # a bug in the simulation must still answer like an API
        failure = SandboxError(
            500,
            f"The sandbox hit an unexpected problem ({type(error).__name__}); this is a bug in the "
            "simulation, not in your request.",
            code="sandbox_error",
            error_type="server_error",
        )
        response = _json(500, failure.body())
    response.headers["x-request-id"] = new_id("request", "openai")
    return response


def help_response() -> httpx2.Response:
    return httpx2.Response(
        200, text=HELP_TEXT % ", ".join(SCENARIOS), headers={"content-type": "text/plain; charset=utf-8"}
    )


def _route(service: FineTuningAPI, request: httpx2.Request) -> httpx2.Response:
    path = request.url.path
    if path in {"", "/"} and request.method == "GET":
        return help_response()
    split = split_dialect(path)
    if split is None:
        raise SandboxError(
            404,
            f"Unknown path {path}. The sandbox answers under /v1/ (OpenAI) and /openai/ (Azure OpenAI).",
            code="unknown_url",
        )
    dialect, classic, rest = split
    if not api_key_of(request):
        raise _unauthorized(dialect)
    query = {key: value for key, value in request.url.params.items()}
    if classic and not query.get("api-version"):
        raise bad_request(
            "Missing the api-version query parameter (for example ?api-version=2025-04-01-preview).",
            param="api-version",
            code="missing_api_version",
        )
    if len(request.content) > MAX_BODY_BYTES:
        raise SandboxError(413, "The request body is too large for the sandbox.", code="request_too_large")
    call = Call(dialect, classic, request.method.upper(), rest.rstrip("/") or "/", query, request)
    for method, pattern, operation, handler in _ROUTES:
        match = pattern.fullmatch(call.path)
        if match is None:
            continue
        if method != call.method:
            continue
        if operation is not None:
            fault = service.rehearsal_error(operation)
            if fault is not None:
                raise fault
        return handler(service, call, *match.groups())
    if any(pattern.fullmatch(call.path) for _, pattern, _, _ in _ROUTES):
        raise SandboxError(405, f"{call.method} is not allowed on {call.path}.", code="method_not_allowed")
    raise SandboxError(404, f"The sandbox has no endpoint {call.method} {call.path}.", code="unknown_url")


def _unauthorized(dialect: Dialect) -> SandboxError:
    if dialect == "azure":
        message = (
            "Access denied: the request carries no key. Send your key in the api-key header "
            "(or a Microsoft Entra token as Authorization: Bearer)."
        )
    else:
        message = (
            "You didn't provide an API key. Send it in the Authorization header using Bearer auth "
            "(Authorization: Bearer YOUR_KEY). Any key works in the sandbox; each key gets its own data."
        )
    return SandboxError(401, message, code="invalid_api_key" if dialect == "openai" else "401")


# --- handlers ---------------------------------------------------------------------------------------------


def _upload_file(service: FineTuningAPI, call: Call) -> httpx2.Response:
    fields, files = _multipart(call.request)
    purpose = fields.get("purpose", "")
    if not purpose:
        raise bad_request("Missing required parameter: 'purpose'.", param="purpose")
    if "file" not in files:
        raise bad_request("Missing required parameter: 'file' (send it as multipart/form-data).", param="file")
    filename, data = files["file"]
    return _json(200, service.upload_file(filename=filename, purpose=purpose, data=data, dialect=call.dialect))


def _list_files(service: FineTuningAPI, call: Call) -> httpx2.Response:
    order = call.query.get("order", "desc")
    if order not in {"asc", "desc"}:
        raise bad_request("order must be 'asc' or 'desc'.", param="order")
    page = service.list_files(
        purpose=call.query.get("purpose") or None,
        after=call.query.get("after") or None,
        limit=_limit(call, default=10_000, highest=10_000),
        order=order,
    )
    return _json(200, page)


def _retrieve_file(service: FineTuningAPI, call: Call, file_id: str) -> httpx2.Response:
    return _json(200, service.retrieve_file(file_id))


def _delete_file(service: FineTuningAPI, call: Call, file_id: str) -> httpx2.Response:
    return _json(200, service.delete_file(file_id))


def _file_content(service: FineTuningAPI, call: Call, file_id: str) -> httpx2.Response:
    data = service.file_content(file_id)
    return httpx2.Response(200, content=data, headers={"content-type": "application/octet-stream"})


def _create_job(service: FineTuningAPI, call: Call) -> httpx2.Response:
    return _json(200, service.create_job(_json_body(call), dialect=call.dialect))


def _list_jobs(service: FineTuningAPI, call: Call) -> httpx2.Response:
    metadata = {
        key[len("metadata[") : -1]: value
        for key, value in call.query.items()
        if key.startswith("metadata[") and key.endswith("]")
    }
    page = service.list_jobs(after=call.query.get("after") or None, limit=_limit(call, 20), metadata=metadata)
    return _json(200, page)


def _retrieve_job(service: FineTuningAPI, call: Call, job_id: str) -> httpx2.Response:
    return _json(200, service.retrieve_job(job_id))


def _change_job(action: str) -> Callable[[FineTuningAPI, Call, str], httpx2.Response]:
    def handler(service: FineTuningAPI, call: Call, job_id: str) -> httpx2.Response:
        operations = {"cancel": service.cancel_job, "pause": service.pause_job, "resume": service.resume_job}
        return _json(200, operations[action](job_id))

    return handler


def _list_events(service: FineTuningAPI, call: Call, job_id: str) -> httpx2.Response:
    page = service.list_events(job_id, after=call.query.get("after") or None, limit=_limit(call, 20))
    return _json(200, page)


def _list_checkpoints(service: FineTuningAPI, call: Call, job_id: str) -> httpx2.Response:
    page = service.list_checkpoints(job_id, after=call.query.get("after") or None, limit=_limit(call, 10))
    return _json(200, page)


def _list_models(service: FineTuningAPI, call: Call) -> httpx2.Response:
    return _json(200, service.list_models())


def _retrieve_model(service: FineTuningAPI, call: Call, model: str) -> httpx2.Response:
    return _json(200, service.retrieve_model(model))


def _delete_model(service: FineTuningAPI, call: Call, model: str) -> httpx2.Response:
    return _json(200, service.delete_model(model))


def _chat(service: FineTuningAPI, call: Call, deployment: str | None = None) -> httpx2.Response:
    body = _json_body(call)
    completion = service.chat_completion(body, model=deployment)
    if body.get("stream") is True:
        options = body.get("stream_options")
        include_usage = isinstance(options, Mapping) and options.get("include_usage") is True
        return _event_stream(completion, include_usage=include_usage)
    return _json(200, completion)


def _deployment_chat(service: FineTuningAPI, call: Call, deployment: str) -> httpx2.Response:
    return _chat(service, call, deployment)


def _settings(service: FineTuningAPI, call: Call) -> httpx2.Response:
    if call.method == "POST":
        body = _json_body(call)
        try:
            if "scenario" in body:
                service.scenario = str(body["scenario"])
            if "speed" in body:
                service.speed = str(body["speed"])
        except ValueError as error:
            raise bad_request(str(error), param="scenario" if "scenario" in str(error) else "speed") from None
    return _json(
        200,
        {
            "object": "sandbox.settings",
            "scenario": service.scenario,
            "speed": service.speed,
            "scenarios": list(SCENARIOS),
            "speeds": list(SPEEDS),
        },
    )


_Handler = Callable[..., httpx2.Response]
_JOB = r"/fine_tuning/jobs/([^/]+)"
_ROUTES: tuple[tuple[str, re.Pattern[str], Operation | None, _Handler], ...] = (
    ("POST", re.compile(r"/files"), "files", _upload_file),
    ("GET", re.compile(r"/files"), "files", _list_files),
    ("GET", re.compile(r"/files/([^/]+)"), "files", _retrieve_file),
    ("DELETE", re.compile(r"/files/([^/]+)"), "files", _delete_file),
    ("GET", re.compile(r"/files/([^/]+)/content"), "files", _file_content),
    ("POST", re.compile(r"/fine_tuning/jobs"), "create_job", _create_job),
    ("GET", re.compile(r"/fine_tuning/jobs"), "read_job", _list_jobs),
    ("GET", re.compile(_JOB), "read_job", _retrieve_job),
    ("POST", re.compile(_JOB + "/cancel"), "change_job", _change_job("cancel")),
    ("POST", re.compile(_JOB + "/pause"), "change_job", _change_job("pause")),
    ("POST", re.compile(_JOB + "/resume"), "change_job", _change_job("resume")),
    ("GET", re.compile(_JOB + "/events"), "read_job", _list_events),
    ("GET", re.compile(_JOB + "/checkpoints"), "read_job", _list_checkpoints),
    ("GET", re.compile(r"/models"), "models", _list_models),
    ("GET", re.compile(r"/models/(.+)"), "models", _retrieve_model),
    ("DELETE", re.compile(r"/models/(.+)"), "models", _delete_model),
    ("POST", re.compile(r"/chat/completions"), "chat", _chat),
    ("POST", re.compile(r"/deployments/([^/]+)/chat/completions"), "chat", _deployment_chat),
    ("GET", re.compile(r"/sandbox/settings"), None, _settings),
    ("POST", re.compile(r"/sandbox/settings"), None, _settings),
)

# --- parsing ----------------------------------------------------------------------------------------------


def _json(status: int, body: object, *, headers: Mapping[str, str] | None = None) -> httpx2.Response:
    content = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return httpx2.Response(status, content=content, headers={"content-type": JSON_TYPE, **(headers or {})})


def _json_body(call: Call) -> dict[str, Any]:
    try:
        body = json.loads(call.request.content or b"{}", parse_constant=_no_constant)
    except ValueError:
        raise bad_request(
            "The request body is not valid JSON. Send a JSON object with Content-Type: application/json."
        ) from None
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


def _no_constant(name: str) -> object:
    # Python's json accepts NaN and Infinity; JSON (and the real API) does not.
    raise ValueError(f"{name} is not JSON")


def _limit(call: Call, default: int, highest: int = 100) -> int:
    raw = call.query.get("limit")
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"limit must be a whole number from 1 to {highest}.", param="limit") from None
    if not 1 <= value <= highest:
        raise bad_request(f"limit must be a whole number from 1 to {highest}.", param="limit")
    return value


def _multipart(request: httpx2.Request) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """Form fields and files of a multipart/form-data body, split on the boundary byte for byte."""
    header = email.message.Message()
    header["content-type"] = request.headers.get("content-type", "")
    boundary = header.get_param("boundary")
    if header.get_content_type() != "multipart/form-data" or not isinstance(boundary, str) or not boundary:
        raise bad_request("Upload files as multipart/form-data with the fields 'file' and 'purpose'.", param="file")
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    parser = email.parser.BytesParser(policy=email.policy.HTTP)
    for part in request.content.split(b"--" + boundary.encode("latin-1"))[1:]:
        if part.startswith(b"--"):
            break
        head, separator, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not separator:
            continue
        headers = parser.parsebytes(head + b"\r\n\r\n", headersonly=True)
        name = headers.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        content = content.removesuffix(b"\r\n")
        filename = headers.get_filename()
        if filename is not None:
            files[name] = (filename, content)
        else:
            fields[name] = content.decode("utf-8", errors="replace")
    return fields, files


def _event_stream(completion: Mapping[str, Any], *, include_usage: bool) -> httpx2.Response:
    """The completion as server-sent chunks, the way `stream=True` delivers it."""
    head = {key: completion[key] for key in ("id", "created", "model", "system_fingerprint")}
    head["object"] = "chat.completion.chunk"
    chunks: list[dict[str, Any]] = []
    for choice in completion["choices"]:
        index = choice["index"]
        text = choice["message"]["content"] or ""
        pieces = re.findall(r"\S+\s*", text) or [""]
        chunks.append({**head, "choices": [_delta(index, {"role": "assistant", "content": ""})]})
        chunks.extend({**head, "choices": [_delta(index, {"content": piece})]} for piece in pieces)
        chunks.append({**head, "choices": [_delta(index, {}, finish_reason=choice["finish_reason"])]})
    if include_usage:
        chunks.append({**head, "choices": [], "usage": completion["usage"]})
    lines = [f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n" for chunk in chunks]
    lines.append("data: [DONE]\n\n")
    return httpx2.Response(200, content="".join(lines).encode("utf-8"), headers={"content-type": "text/event-stream"})


def _delta(index: int, delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    return {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
