"""A loopback imitation of the few Hugging Face Hub endpoints snapshot_download uses, for offline tests."""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

_INFO = re.compile(r"/api/models/(?P<repo>[^/]+/[^/]+)/revision/(?P<rev>[^/]+)")
_TREE = re.compile(r"/api/models/(?P<repo>[^/]+/[^/]+)/tree/(?P<rev>[^/]+)")
_RESOLVE = re.compile(r"/(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<file>.+)")
_RANGE = re.compile(r"bytes=(?P<start>\d+)-")


@dataclass
class FakeRepo:
    """One model repository: its files, and how the fake Hub misbehaves for it."""

    files: dict[str, bytes]
    commit: str = "0123456789abcdef0123456789abcdef01234567"
    gated: bool = False  # file downloads answer 403 with X-Error-Code: GatedRepo, as the Hub does
    info_status: int | None = None  # e.g. 500: the model-info endpoint fails
    cuts: dict[str, list[int]] = field(default_factory=dict)  # file -> bytes sent before dropping, per GET


@dataclass(frozen=True)
class Seen:
    """One request the fake Hub received."""

    method: str
    path: str
    headers: dict[str, str]


class FakeHub:
    """Serves FakeRepos on 127.0.0.1 and records every request."""

    def __init__(self) -> None:
        self.repos: dict[str, FakeRepo] = {}
        self.requests: list[Seen] = []
        self.connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        # Handler threads keep serving kept-alive connections after shutdown(); hang them up so that a client's
        # pooled connection cannot reach a "stopped" Hub.
        with self._lock:
            open_connections = list(self.connections)
        for connection in open_connections:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)

    def track(self, connection: socket.socket, *, open_: bool) -> None:
        with self._lock:
            if open_:
                self.connections.add(connection)
            else:
                self.connections.discard(connection)

    def record(self, seen: Seen) -> None:
        with self._lock:
            self.requests.append(seen)

    def seen(self, method: str | None = None, path_contains: str = "") -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if (method is None or r.method == method) and path_contains in r.path]

    def next_cut(self, repo: FakeRepo, filename: str) -> int | None:
        with self._lock:
            plan = repo.cuts.get(filename)
            return plan.pop(0) if plan else None


@contextmanager
def running_hub() -> Iterator[FakeHub]:
    """A started FakeHub that stops when the block ends, whatever happens inside it."""
    hub = FakeHub()
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # git's object id, not security


def _handler_for(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects from the Hub

        def setup(self) -> None:
            super().setup()
            hub.track(self.connection, open_=True)

        def finish(self) -> None:
            hub.track(self.connection, open_=False)
            super().finish()

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self._serve(send_body=True)

        def do_HEAD(self) -> None:
            self._serve(send_body=False)

        def _serve(self, *, send_body: bool) -> None:
            path = unquote(urlsplit(self.path).path)
            hub.record(Seen(self.command, path, {k.lower(): v for k, v in self.headers.items()}))
            if match := _INFO.fullmatch(path):
                self._info(match["repo"])
            elif match := _TREE.fullmatch(path):
                self._tree(match["repo"])
            elif match := _RESOLVE.fullmatch(path):
                self._resolve(match["repo"], match["file"], send_body=send_body)
            else:
                self._error(404, "RepoNotFound", "Not found")

        def _repo(self, repo_id: str) -> FakeRepo | None:
            repo = hub.repos.get(repo_id)
            if repo is None:
                self._error(404, "RepoNotFound", "Repository not found")
            return repo

        def _info(self, repo_id: str) -> None:
            if (repo := self._repo(repo_id)) is None:
                return
            if repo.info_status is not None:
                self._error(repo.info_status, None, "Internal Error")
                return
            self._json(
                {
                    "_id": "fake",
                    "id": repo_id,
                    "modelId": repo_id,
                    "sha": repo.commit,
                    "private": False,
                    "gated": "manual" if repo.gated else False,
                    "siblings": [{"rfilename": name} for name in repo.files],
                }
            )

        def _tree(self, repo_id: str) -> None:
            if (repo := self._repo(repo_id)) is None:
                return
            entries = []
            for name, data in repo.files.items():
                entry: dict[str, object] = {"type": "file", "path": name, "size": len(data), "oid": _git_blob_id(data)}
                if name.endswith(".safetensors"):
                    entry["lfs"] = {"oid": sha256(data), "size": len(data), "pointerSize": 134}
                entries.append(entry)
            self._json(entries)

        def _resolve(self, repo_id: str, filename: str, *, send_body: bool) -> None:
            if (repo := self._repo(repo_id)) is None:
                return
            if repo.gated:
                self._error(403, "GatedRepo", f"Access to model {repo_id} is restricted.")
                return
            data = repo.files.get(filename)
            if data is None:
                self._error(404, "EntryNotFound", "Entry not found")
                return
            start = 0
            if (wanted := _RANGE.fullmatch(self.headers.get("Range", ""))) is not None:
                start = min(int(wanted["start"]), len(data))
            self.send_response(206 if start else 200)
            self.send_header("ETag", f'"{sha256(data)}"')
            self.send_header("X-Repo-Commit", repo.commit)
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Length", str(len(data) - start))
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.end_headers()
            if not send_body:
                return
            cut = hub.next_cut(repo, filename)
            if cut is None:
                self.wfile.write(data[start:])
                return
            # Announce the whole length, send part of it, hang up: what a dropped connection looks like.
            self.wfile.write(data[start : start + cut])
            self.wfile.flush()
            self.close_connection = True

        def _json(self, payload: object) -> None:
            body = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _error(self, status: int, code: str | None, message: str) -> None:
            body = json.dumps({"error": message}).encode()
            self.send_response(status)
            if code is not None:
                self.send_header("X-Error-Code", code)
            self.send_header("X-Error-Message", message)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    return Handler
