"""Downloads models from the Hugging Face Hub into its cache, with progress and errors a learner can act on."""

from __future__ import annotations

import errno
import re
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx2
from huggingface_hub import constants, get_cached_repo_tree, snapshot_download
from huggingface_hub.errors import (
    CachedRepoTreeNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    HFValidationError,
    IncompleteSnapshotError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils._paths import filter_repo_objects  # the filter snapshot_download itself applies
from tqdm.std import tqdm

HubErrorCode = Literal["offline", "not_found", "gated", "unreachable", "disk_full", "interrupted", "invalid_id"]

# What a transformers causal LM needs and nothing else: weights only as safetensors, so no pickled .bin is ever
# fetched (and later unpickled), and no ONNX/GGUF/TF/Flax copies that multiply the download.
DEFAULT_ALLOW_PATTERNS: tuple[str, ...] = (
    "*.json",
    "*.safetensors",
    "*.txt",
    "*.model",  # sentencepiece tokenizers
    "*.tiktoken",
)

LOCAL_MODELS = "the built-in tiny model or the packaged SmolLM2-135M-Instruct"
EXAMPLE_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"

# The Hub's rule (96 characters, optional owner, ASCII letters, digits, "-", "_", "."), checked here so that a bad
# id is refused with our message before huggingface_hub builds a URL from it.
_ID_PART = r"[A-Za-z0-9_](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?"
_MODEL_ID = re.compile(rf"(?:{_ID_PART}/)?{_ID_PART}")
_MAX_ID_LENGTH = 96
_REVISION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,254}")


@dataclass(frozen=True, slots=True)
class DownloadProgress:
    """Where a download stands: the file being fetched and the bytes of the whole snapshot."""

    filename: str  # the file being fetched; "" once all are done, or while the file list is unknown
    downloaded_bytes: int
    total_bytes: int | None  # None until the file sizes are known
    files_done: int
    files_total: int


@dataclass(frozen=True, slots=True)
class DownloadResult:
    """A model snapshot on disk, ready for from_pretrained(path)."""

    model_id: str
    path: Path  # .../models--owner--name/snapshots/<commit>
    cache_dir: Path
    bytes: int  # size of the snapshot's files on disk


class HubDownloadError(Exception):
    """A download that failed for a reason the learner can fix; message says how, and never holds a token."""

    def __init__(self, code: HubErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: HubErrorCode = code
        self.message = message

    def __repr__(self) -> str:
        return f"HubDownloadError({self.code!r}, {self.message!r})"


def cache_folder() -> Path:
    """Where huggingface_hub keeps models: HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub."""
    return Path(constants.HF_HUB_CACHE).expanduser()


def validate_model_id(model_id: str) -> None:
    """Refuse anything that is not owner/name (or a bare name) as the Hub spells ids, before it reaches a URL."""
    shown = model_id if len(model_id) <= 100 else model_id[:100] + "…"
    if (
        len(model_id) > _MAX_ID_LENGTH
        or not _MODEL_ID.fullmatch(model_id)
        or "--" in model_id
        or ".." in model_id
        or model_id.endswith(".git")
    ):
        raise HubDownloadError(
            "invalid_id",
            f"{shown!r} is not a Hugging Face model id. Write it as owner/name, as shown on the model page "
            f"(for example {EXAMPLE_ID}): letters, digits, '-', '_' and '.', no spaces, no '..' or '--'.",
        )


def cached_snapshot(
    model_id: str,
    *,
    cache_dir: Path | None = None,
    revision: str | None = None,
    allow_patterns: list[str] | None = None,
) -> Path | None:
    """The complete cached snapshot of model_id, or None; never touches the network."""
    try:
        validate_model_id(model_id)
        _validate_revision(revision)
        folder = snapshot_download(
            model_id,
            revision=revision,
            cache_dir=cache_dir,
            allow_patterns=_patterns(allow_patterns),
            local_files_only=True,
        )
    except (HubDownloadError, LocalEntryNotFoundError, HFValidationError, OSError):
        return None
    return Path(folder)


def download_model(
    model_id: str,
    *,
    cache_dir: Path | None = None,
    revision: str | None = None,
    allow_patterns: list[str] | None = None,
    progress: Callable[[DownloadProgress], None] | None = None,
    endpoint: str | None = None,
) -> DownloadResult:
    """Download model_id (or find it in the cache) and return its snapshot folder; raises HubDownloadError.

    endpoint defaults to HF_ENDPOINT (a mirror) or huggingface.co; tests point it at a loopback server.
    The token is whatever huggingface_hub finds (HF_TOKEN, `hf auth login`); this module never reads it.
    """
    validate_model_id(model_id)
    _validate_revision(revision)
    patterns = _patterns(allow_patterns)
    folder = Path(cache_dir).expanduser() if cache_dir is not None else cache_folder()
    relay = _ProgressRelay(model_id, folder, revision, patterns, progress)
    try:
        snapshot = snapshot_download(
            model_id,
            revision=revision,
            cache_dir=folder,
            allow_patterns=patterns,
            endpoint=endpoint,
            tqdm_class=_bar_class(relay),
            # One file at a time: the progress can name the file being fetched, and a big model is dominated by
            # its weights file anyway (which xet downloads in parallel chunks by itself).
            max_workers=1,
        )
    except HubDownloadError:
        raise
    except Exception as error:
        mapped = _explain(error, model_id, revision, folder, endpoint, started=relay.listing_known)
        if mapped is None:
            raise
        raise mapped from error
    path = Path(snapshot)
    relay.finish()
    return DownloadResult(model_id=model_id, path=path, cache_dir=folder, bytes=_snapshot_bytes(path))


def _patterns(allow_patterns: list[str] | None) -> list[str]:
    return list(allow_patterns) if allow_patterns is not None else list(DEFAULT_ALLOW_PATTERNS)


def _validate_revision(revision: str | None) -> None:
    if revision is not None and (not _REVISION.fullmatch(revision) or ".." in revision):
        raise HubDownloadError(
            "invalid_id", f"{revision[:80]!r} is not a revision: use a branch, a tag or a commit hash, or leave it out."
        )


def _snapshot_bytes(path: Path) -> int:
    # Snapshot entries are symlinks into blobs/; stat() follows them to the real size.
    return sum(entry.stat().st_size for entry in path.rglob("*") if entry.is_file())


def _free_bytes(folder: Path) -> int:
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.0f} MB" if size >= 1_000_000 else f"{size / 1_000:,.0f} kB"


class _ProgressRelay:
    """Turns the bars snapshot_download creates into DownloadProgress values for one call.

    snapshot_download (huggingface_hub 2.5) makes three bars from tqdm_class: "Downloading bytes" (network
    transfer), "Reconstructing…" (bytes written to disk, including a resumed file's head) and "Fetching N files".
    Only the last two matter here. Once the first bar exists, the commit's file list is in the tree cache on disk,
    which gives the file names, their order (one worker) and their sizes, so the total is known up front and files
    already cached still count as done.
    """

    def __init__(
        self,
        model_id: str,
        cache_dir: Path,
        revision: str | None,
        patterns: list[str],
        callback: Callable[[DownloadProgress], None] | None,
    ) -> None:
        self._model_id = model_id
        self._cache_dir = cache_dir
        self._revision = revision
        self._patterns = patterns
        self._callback = callback
        self._lock = threading.Lock()
        self._files: list[tuple[str, int]] | None = None
        self._files_done = 0
        self._files_total = 0
        self._written = 0  # the "Reconstructing" bar: bytes of every file fetched so far in this call
        self._written_before_current = 0
        self._written_total: int | None = None
        self._last: DownloadProgress | None = None
        self.listing_known = False

    def bar_opened(self, desc: str, unit: str, total: float | None) -> str:
        """Which role a new bar plays: "bytes", "files" or "ignored"."""
        with self._lock:
            if not self.listing_known:
                self.listing_known = True
                self._files = self._read_listing()
                self._check_disk_space()
        if unit != "B":
            with self._lock:
                self._files_total = int(total or 0)
            self._emit()
            return "files"
        return "bytes" if desc.startswith("Reconstructing") else "ignored"

    def bytes_total_changed(self, total: float | None) -> None:
        with self._lock:
            self._written_total = int(total) if total else None

    def bytes_written(self, n: float) -> None:
        with self._lock:
            self._written += int(n)
        self._emit()

    def file_finished(self, n: float) -> None:
        with self._lock:
            self._files_done += int(n)
            self._written_before_current = self._written
        self._emit()

    def finish(self) -> None:
        if self.listing_known:
            self._emit()

    def _read_listing(self) -> list[tuple[str, int]] | None:
        try:
            tree = get_cached_repo_tree(self._model_id, revision=self._revision, cache_dir=self._cache_dir)
        except (CachedRepoTreeNotFoundError, OSError, ValueError):
            return None
        sizes = {entry.path: int(entry.size or 0) for entry in tree}
        return [(name, sizes[name]) for name in filter_repo_objects(sizes, allow_patterns=self._patterns)]

    def _check_disk_space(self) -> None:
        if self._files is None:
            return
        snapshots = self._cache_dir / f"models--{self._model_id.replace('/', '--')}" / "snapshots"
        present = {p.relative_to(snapshot).as_posix() for snapshot in snapshots.glob("*") for p in snapshot.rglob("*")}
        needed = sum(size for name, size in self._files if name not in present)
        free = _free_bytes(self._cache_dir)
        if needed > free:
            raise HubDownloadError(
                "disk_full",
                f"Not enough disk space for {self._model_id}: it needs about {_megabytes(needed)}, and "
                f"{self._cache_dir} has {_megabytes(free)} free. Free some space, or point HF_HUB_CACHE (or "
                "HF_HOME) at a larger disk and try again.",
            )

    def _emit(self) -> None:
        if self._callback is None:
            return
        with self._lock:
            done = min(self._files_done, self._files_total)
            if self._files is not None:
                sizes = [size for _, size in self._files]
                current = self._files[done][0] if done < len(self._files) else ""
                in_flight = max(self._written - self._written_before_current, 0)
                total: int | None = sum(sizes)
                downloaded = min(sum(sizes[:done]) + in_flight, sum(sizes))
            else:
                current, total, downloaded = "", self._written_total, max(self._written, 0)
            value = DownloadProgress(
                filename=current,
                downloaded_bytes=downloaded,
                total_bytes=total,
                files_done=done,
                files_total=self._files_total,
            )
            if value == self._last:
                return
            self._last = value
        self._callback(value)


def _bar_class(relay: _ProgressRelay) -> type[tqdm]:
    """A tqdm class bound to one call's relay: it draws nothing and forwards every update."""

    class RelayBar(tqdm):  # type: ignore[misc]  # tqdm ships no type information
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._role = "ignored"
            # The bar would be noise on the Streamlit server's stderr or in the worker's log; counting stays ours.
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)
            self._role = relay.bar_opened(str(kwargs.get("desc") or ""), str(kwargs.get("unit") or "it"), self.total)
            if self._role == "bytes":
                relay.bytes_total_changed(self.total)

        def __setattr__(self, name: str, value: Any) -> None:
            object.__setattr__(self, name, value)
            # snapshot_download grows the bytes bar's total as each file starts.
            if name == "total" and getattr(self, "_role", "ignored") == "bytes":
                relay.bytes_total_changed(value)

        def update(self, n: float | None = 1) -> bool | None:
            step = n or 0
            self.n += step
            if self._role == "bytes":
                relay.bytes_written(step)
            elif self._role == "files":
                relay.file_finished(step)
            return None

    return RelayBar


def _explain(
    error: BaseException,
    model_id: str,
    revision: str | None,
    cache_dir: Path,
    endpoint: str | None,
    *,
    started: bool,
) -> HubDownloadError | None:
    """The HubDownloadError for an exception out of huggingface_hub, or None for one that is not about the Hub."""
    hub = (endpoint or constants.ENDPOINT).rstrip("/")
    cause = error.__cause__ if isinstance(error, LocalEntryNotFoundError) else None
    if isinstance(error, HFValidationError):
        return HubDownloadError("invalid_id", f"huggingface_hub refused {model_id!r} as a model id: {error}")
    # GatedRepoError is a RepositoryNotFoundError, so it must be tested first.
    if isinstance(error, GatedRepoError):
        return HubDownloadError(
            "gated",
            f"{model_id} is gated: its authors must grant access. Open {hub}/{model_id}, log in and accept the "
            "license there, then log in on this machine with `hf auth login` (or set HF_TOKEN to a token of that "
            "account) and try again.",
        )
    if isinstance(error, RevisionNotFoundError):
        return HubDownloadError(
            "not_found",
            f"{model_id} has no revision {revision!r}. Leave the revision empty for the default branch, or copy a "
            f"branch, tag or commit from {hub}/{model_id}.",
        )
    if isinstance(error, RepositoryNotFoundError):
        return HubDownloadError(
            "not_found",
            f"There is no model {model_id} on the Hugging Face Hub, or it is private. Check the id on its model page "
            f"(owner/name, for example {EXAMPLE_ID}); for a private model, log in with `hf auth login` or set "
            "HF_TOKEN.",
        )
    if isinstance(error, RemoteEntryNotFoundError):
        return HubDownloadError(
            "not_found", f"A file listed for {model_id} is missing on the Hub; try again later or pick another model."
        )
    if isinstance(error, HfHubHTTPError) and error.response.status_code in {401, 403}:
        # A token the Hub refuses (expired, revoked, wrong scope): the fix is the same as for a gated model.
        return HubDownloadError(
            "gated",
            f"The Hugging Face Hub refused access to {model_id} (HTTP {error.response.status_code}): the token "
            "on this machine is invalid or lacks access. Log in again with `hf auth login` or fix HF_TOKEN.",
        )
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return HubDownloadError(
            "disk_full",
            f"The disk holding {cache_dir} is full, so {model_id} could not be saved. Free some space, or point "
            "HF_HUB_CACHE (or HF_HOME) at a larger disk; files already downloaded are kept.",
        )
    if isinstance(error, OfflineModeIsEnabled) or isinstance(cause, OfflineModeIsEnabled):
        return HubDownloadError(
            "offline",
            f"Hugging Face Hub cannot be reached: offline mode is on (HF_HUB_OFFLINE=1) and {model_id} is not in the "
            f"cache at {cache_dir}. Use {LOCAL_MODELS}, or unset HF_HUB_OFFLINE, connect and try again.",
        )
    connection = isinstance(error, httpx2.TransportError) or isinstance(cause, httpx2.TransportError | ConnectionError)
    if started and (connection or isinstance(error, LocalEntryNotFoundError) or _is_size_mismatch(error)):
        return HubDownloadError(
            "interrupted",
            f"The download of {model_id} was cut off. Files already downloaded are kept in {cache_dir}; run the "
            "download again to fetch the rest.",
        )
    if isinstance(error, IncompleteSnapshotError):
        return HubDownloadError(
            "offline",
            f"Hugging Face Hub cannot be reached, and only part of {model_id} is in the cache at {cache_dir}. "
            f"Use {LOCAL_MODELS}, or connect and try again to fetch the rest.",
        )
    if isinstance(cause, httpx2.ConnectError | ConnectionError) or isinstance(error, httpx2.ConnectError):
        return HubDownloadError(
            "offline",
            f"Hugging Face Hub cannot be reached ({hub}) and {model_id} is not in the cache at {cache_dir}. "
            f"Use {LOCAL_MODELS}, or connect and try again.",
        )
    if isinstance(cause, HfHubHTTPError | httpx2.HTTPError) or isinstance(error, httpx2.HTTPError | HfHubHTTPError):
        status = _status(cause) or _status(error)
        answer = f"answered HTTP {status}" if status else "did not answer in time"
        return HubDownloadError(
            "unreachable",
            f"The Hugging Face Hub ({hub}) {answer}, and {model_id} is not in the cache at {cache_dir}. Try again "
            f"in a few minutes, or use {LOCAL_MODELS}.",
        )
    return None


def _status(error: BaseException | None) -> int | None:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def _is_size_mismatch(error: BaseException) -> bool:
    # http_get raises a bare OSError when the bytes received do not match the announced size.
    return type(error) is OSError and "Consistency check failed" in str(error)
