"""The Local lab over HTTP on uvicorn + Starlette: one private lab per key, for a presenter's machine and a room."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import httpx2
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from finetune_guide.lab.service import LabService
from finetune_guide.sandbox.errors import SandboxError
from finetune_guide.sandbox.routes import MAX_BODY_BYTES, api_key_of

# Requests are rebuilt on this fixed origin: the Host header is the client's to set and must not steer routing.
INTERNAL_ORIGIN = "http://lab.internal"
_METHODS = ["GET", "POST", "DELETE", "PUT", "PATCH"]
_HOP_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive", "date", "server"})


def owner_of(key: str) -> str:
    """Work is filed under a hash of the key: the server never keeps a key it was sent."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def asgi_app(lab: LabService, *, log: Callable[[str], None] | None = None) -> Starlette:
    """Every path goes to the lab tenant of the request's key; a request without a key is refused by the API."""

    async def endpoint(request: Request) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
            return _error(413, "The request body is too large for the lab.")
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return _error(413, "The request body is too large for the lab.")
        query = request.url.query
        inner = httpx2.Request(
            request.method,
            INTERNAL_ORIGIN + request.url.path + (f"?{query}" if query else ""),
            headers=[(k, v) for k, v in request.headers.items() if k.lower() != "host"],
            content=body,
        )
        key = api_key_of(inner)
        tenant = lab.tenant(owner_of(key) if key else "")
        answer = await run_in_threadpool(tenant.handle, inner)
        if log is not None:
            log(f"{request.method} {request.url.path} {answer.status_code}")
        headers = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP_HEADERS}
        return Response(answer.content, status_code=answer.status_code, headers=headers)

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=_METHODS)])


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse(SandboxError(status, message).body(), status_code=status)


def server(lab: LabService, host: str, port: int, *, log: Callable[[str], None] | None = None) -> uvicorn.Server:
    """A uvicorn server with limits set for a room: a deep backlog, keep-alive and header timeouts."""
    config = uvicorn.Config(
        asgi_app(lab, log=log),
        host=host,
        port=port,
        backlog=2048,
        timeout_keep_alive=15,
        limit_concurrency=500,
        timeout_graceful_shutdown=5,
        h11_max_incomplete_event_size=64 * 1024,
        log_level="warning",
        access_log=False,
        server_header=False,
    )
    return uvicorn.Server(config)
