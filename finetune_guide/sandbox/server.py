"""The sandbox over HTTP (stdlib ThreadingHTTPServer) with one private tenant per API key."""

from __future__ import annotations

import hashlib
import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx2

from finetune_guide.sandbox.errors import SandboxError
from finetune_guide.sandbox.routes import MAX_BODY_BYTES, api_key_of
from finetune_guide.sandbox.service import SandboxService
from finetune_guide.sandbox.simulation import Speed

MAX_TENANTS = 1000
# Response headers the HTTP layer sets itself; copying the transport's would send them twice.
_HOP_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive", "date", "server"})


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class SandboxServer:
    """A loopback HTTP server with one SandboxService per key, so attendees never see each other's data."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8765,
        *,
        speed: Speed = "demo",
        clock: Callable[[], float] = time.time,
        allow_remote: bool = False,
        log: Callable[[str], None] | None = None,
        max_tenants: int = MAX_TENANTS,
    ) -> None:
        if not allow_remote and not is_loopback(host):
            raise ValueError(
                f"Refusing to listen on {host}: the sandbox serves only this computer (127.0.0.1) unless you "
                "pass --allow-remote."
            )
        self._speed: Speed = speed
        self._clock = clock
        self._log = log
        self._max_tenants = max_tenants
        self._tenants: dict[str, SandboxService] = {}
        self._tenants_lock = threading.Lock()
        # Requests that fail before reaching a tenant (no key, unknown path) are answered by a tenant that
        # never stores anything: dispatch refuses them before any state is touched.
        self._gatekeeper = SandboxService(speed=speed, clock=clock)
        self._thread: threading.Thread | None = None
        server_class = _IPv6Server if ":" in host.strip("[]") else _IPv4Server
        self._http = server_class((host.strip("[]"), port), _BridgeHandler)
        self._http.sandbox = self

    @property
    def host(self) -> str:
        return str(self._http.server_address[0])

    @property
    def port(self) -> int:
        return int(self._http.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def tenant_count(self) -> int:
        with self._tenants_lock:
            return len(self._tenants)

    def tenant_for(self, api_key: str) -> SandboxService:
        # Tenants are filed under a hash: the server never keeps a key it was sent.
        digest = hashlib.sha256(api_key.encode("utf-8")).hexdigest()
        with self._tenants_lock:
            found = self._tenants.get(digest)
            if found is None:
                if len(self._tenants) >= self._max_tenants:
                    raise SandboxError(
                        503,
                        "The sandbox server has as many users as it can hold; ask whoever runs it to restart it.",
                        code="sandbox_full",
                        error_type="server_error",
                    )
                found = SandboxService(speed=self._speed, clock=self._clock)
                self._tenants[digest] = found
            return found

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        key = api_key_of(request)
        if not key:
            return self._gatekeeper.handle(request)
        try:
            tenant = self.tenant_for(key)
        except SandboxError as error:
            return httpx2.Response(error.status, json=error.body())
        return tenant.handle(request)

    def serve_forever(self) -> None:
        self._http.serve_forever(poll_interval=0.2)

    def start(self) -> SandboxServer:
        """Serve from a background thread (tests, the app); call close() to stop."""
        self._thread = threading.Thread(target=self.serve_forever, name="sandbox-server", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:
            self._http.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._http.server_close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()

    def log(self, line: str) -> None:
        if self._log is not None:
            self._log(line)


class _IPv4Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sandbox: SandboxServer


class _IPv6Server(_IPv4Server):
    address_family = socket.AF_INET6


class _BridgeHandler(BaseHTTPRequestHandler):
    """Turns each HTTP request into an httpx2.Request for the sandbox and writes its response back."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm on, each response waits ~40 ms for an ACK.
    disable_nagle_algorithm = True
    server: _IPv4Server

    def do_GET(self) -> None:
        self._bridge()

    def do_POST(self) -> None:
        self._bridge()

    def do_DELETE(self) -> None:
        self._bridge()

    def do_PUT(self) -> None:
        self._bridge()

    def do_PATCH(self) -> None:
        self._bridge()

    def _bridge(self) -> None:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            self._send_error(411, "Send the body with a Content-Length header (chunked uploads are not supported).")
            return
        try:
            length = int(self.headers.get("content-length") or 0)
        except ValueError:
            self._send_error(400, "The Content-Length header is not a number.")
            return
        if length < 0 or length > MAX_BODY_BYTES:
            self._send_error(413, "The request body is too large for the sandbox.")
            return
        if not self.path.startswith("/"):
            self._send_error(400, "The request line must carry a path starting with /.")
            return
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("host") or f"127.0.0.1:{self.server.server_address[1]}"
        request = httpx2.Request(
            self.command, f"http://{host}{self.path}", headers=list(self.headers.items()), content=body
        )
        response = self.server.sandbox.handle(request)
        self._send(response.status_code, response.headers.multi_items(), response.content)

    def _send_error(self, status: int, message: str) -> None:
        error = SandboxError(status, message)
        response = httpx2.Response(status, json=error.body())
        self.close_connection = True
        self._send(status, response.headers.multi_items(), response.content)

    def _send(self, status: int, headers: list[tuple[str, str]], content: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in _HOP_HEADERS:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        # The path only: query strings are where a careless client might put a key.
        path = self.path.split("?", 1)[0]
        self.server.sandbox.log(f"{self.command} {path} {code}")

    def log_message(self, format: str, *args: Any) -> None:
        # The stdlib logs malformed requests with their raw request line, query string and all.
        self.server.sandbox.log("Refused a malformed HTTP request")
