"""Hub downloads against a loopback fake Hub (tests/core/lab/hub_server.py); nothing here reaches the internet.

- a download reports progress whose bytes add up, and lands in the cache folder it was given
- an id the Hub does not know is "not_found", with what to check
- a gated model is "gated", says how to get access, and never shows the token
- a connection dropped mid-file is resumed by the same call with a Range request, and the file is intact
- a download cut off for good is "interrupted"; the next call keeps the finished files and completes
- HF_HUB_OFFLINE=1 gives "offline" without any request reaching the Hub
- offline, a model already in the cache is still returned, and cached_snapshot finds it
- a Hub that refuses connections is "offline"; a Hub answering 500 is "unreachable"
- a malformed id is "invalid_id" before any request
- too little free disk space is "disk_full" before any file is fetched
- cache_folder shows huggingface_hub's cache

The fake Hub advertises no xet metadata, so huggingface_hub takes its plain HTTP path; HF_HUB_DISABLE_XET is not needed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from huggingface_hub import constants

from finetune_guide.lab import hub
from finetune_guide.lab.hub import DownloadProgress, HubDownloadError, cache_folder, cached_snapshot, download_model
from tests.core.lab.hub_server import FakeHub, FakeRepo, running_hub, sha256

pytestmark = pytest.mark.timeout(60)

MODEL = "acme/tiny-chat"
FAKE_TOKEN = "hf_FakeTokenThatMustNeverBeShown0123"
MIB = 1024 * 1024
# huggingface_hub writes a download in 10 MiB chunks and resumes from the last chunk written, so only a file
# larger than that can show a Range request after a drop.
BIG = 12 * MIB


@pytest.fixture(autouse=True)
def _fake_token(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's real token must never travel to the fake Hub; this one is checked for in every message.
    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)


@pytest.fixture(autouse=True)
def _online_to_the_fake_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    # tests/conftest.py sets HF_HUB_OFFLINE=1 for the whole suite, so nothing can reach the real Hub by accident;
    # these tests talk only to the loopback fake Hub, so the library may go "online" to it.
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)


@pytest.fixture
def fake_hub() -> Iterator[FakeHub]:
    with running_hub() as server:
        yield server


def model_files(weights_size: int = 300_000) -> dict[str, bytes]:
    return {
        "config.json": b'{"model_type": "llama", "hidden_size": 64}',
        "tokenizer.json": b'{"version": "1.0", "model": {"type": "BPE"}}',
        "pytorch_model.bin": b"pickled weights the lab must never fetch",
        "model.safetensors": os.urandom(weights_size),
    }


def file_gets(server: FakeHub, filename: str) -> list[str | None]:
    """The Range header of each GET of filename, in order."""
    return [seen.headers.get("range") for seen in server.seen("GET", "/resolve/") if seen.path.endswith(filename)]


def test_download_reports_progress_and_lands_in_the_given_cache(fake_hub: FakeHub, tmp_path: Path) -> None:
    files = model_files()
    fake_hub.repos[MODEL] = FakeRepo(files=files)
    events: list[DownloadProgress] = []

    result = download_model(MODEL, cache_dir=tmp_path, endpoint=fake_hub.url, progress=events.append)

    wanted = {name: data for name, data in files.items() if not name.endswith(".bin")}
    total = sum(len(data) for data in wanted.values())
    assert result.cache_dir == tmp_path
    assert result.path.is_relative_to(tmp_path / "models--acme--tiny-chat" / "snapshots")
    assert sorted(p.name for p in result.path.iterdir()) == sorted(wanted)
    assert all(sha256((result.path / name).read_bytes()) == sha256(data) for name, data in wanted.items())
    assert result.bytes == total
    assert events[0].downloaded_bytes == 0
    assert events[-1] == DownloadProgress("", total, total, files_done=3, files_total=3)
    assert {e.total_bytes for e in events} == {total}
    assert [e.downloaded_bytes for e in events] == sorted(e.downloaded_bytes for e in events)
    assert "model.safetensors" in {e.filename for e in events}
    assert file_gets(fake_hub, "pytorch_model.bin") == []


def test_unknown_id_is_not_found(fake_hub: FakeHub, tmp_path: Path) -> None:
    with pytest.raises(HubDownloadError) as raised:
        download_model("acme/no-such-model", cache_dir=tmp_path, endpoint=fake_hub.url)

    assert raised.value.code == "not_found"
    assert "acme/no-such-model" in raised.value.message
    assert "owner/name" in raised.value.message


def test_gated_model_says_how_to_get_access_and_never_shows_the_token(
    fake_hub: FakeHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake_hub.repos[MODEL] = FakeRepo(files=model_files(), gated=True)

    with pytest.raises(HubDownloadError) as raised:
        download_model(MODEL, cache_dir=tmp_path, endpoint=fake_hub.url)

    assert raised.value.code == "gated"
    assert f"{fake_hub.url}/{MODEL}" in raised.value.message
    assert "hf auth login" in raised.value.message
    assert "HF_TOKEN" in raised.value.message
    assert FAKE_TOKEN not in f"{raised.value!s} {raised.value!r} {caplog.text}"


def test_dropped_connection_is_resumed_with_a_range_request(fake_hub: FakeHub, tmp_path: Path) -> None:
    files = model_files(weights_size=BIG)
    fake_hub.repos[MODEL] = FakeRepo(files=files, cuts={"model.safetensors": [10 * MIB + 512 * 1024]})
    events: list[DownloadProgress] = []

    result = download_model(MODEL, cache_dir=tmp_path, endpoint=fake_hub.url, progress=events.append)

    ranges = file_gets(fake_hub, "model.safetensors")
    assert ranges[0] is None
    assert ranges[1] is not None
    assert int(ranges[1].removeprefix("bytes=").split("-")[0]) > 0
    assert sha256((result.path / "model.safetensors").read_bytes()) == sha256(files["model.safetensors"])
    assert events[-1].downloaded_bytes == events[-1].total_bytes


def test_download_cut_off_for_good_is_interrupted_and_the_next_call_completes(
    fake_hub: FakeHub, tmp_path: Path
) -> None:
    files = model_files()
    # huggingface_hub retries a stalled file five times, a second apart, then gives up: six cuts make it give up.
    fake_hub.repos[MODEL] = FakeRepo(files=files, cuts={"model.safetensors": [1024] * 6})

    with pytest.raises(HubDownloadError) as raised:
        download_model(MODEL, cache_dir=tmp_path, endpoint=fake_hub.url)
    assert raised.value.code == "interrupted"
    assert "again" in raised.value.message

    result = download_model(MODEL, cache_dir=tmp_path, endpoint=fake_hub.url)

    assert len(file_gets(fake_hub, "config.json")) == 1  # finished files are not fetched again
    assert len(file_gets(fake_hub, "model.safetensors")) == 7
    assert sha256((result.path / "model.safetensors").read_bytes()) == sha256(files["model.safetensors"])


def test_offline_mode_is_offline_without_any_request(fake_hub: FakeHub, tmp_path: Path) -> None:
    # huggingface_hub reads HF_HUB_OFFLINE when it is imported, so the variable is set for a fresh interpreter.
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from finetune_guide.lab.hub import HubDownloadError, download_model
        try:
            download_model("acme/tiny-chat", cache_dir=Path(sys.argv[1]), endpoint=sys.argv[2])
        except HubDownloadError as error:
            print(error.code)
            print(error.message)
        """
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), fake_hub.url],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )

    code, message = done.stdout.strip().split("\n", 1)
    assert code == "offline"
    assert "tiny model" in message
    assert "SmolLM2-135M-Instruct" in message
    assert fake_hub.requests == []


def test_offline_a_cached_model_is_still_returned(
    fake_hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_hub.repos[MODEL] = FakeRepo(files=model_files())
    first = download_model(MODEL, cache_dir=tmp_path, endpoint=fake_hub.url)
    seen_before = len(fake_hub.requests)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)

    again = download_model(MODEL, cache_dir=tmp_path, endpoint=fake_hub.url)

    assert again.path == first.path
    assert cached_snapshot(MODEL, cache_dir=tmp_path) == first.path
    assert cached_snapshot("acme/other", cache_dir=tmp_path) is None
    assert len(fake_hub.requests) == seen_before


def test_a_hub_that_refuses_connections_is_offline(tmp_path: Path) -> None:
    with running_hub() as server:
        closed_url = server.url
        # Leaves a kept-alive connection in huggingface_hub's pool, which the stopped server must not answer on.
        with pytest.raises(HubDownloadError):
            download_model("acme/warm-up", cache_dir=tmp_path, endpoint=closed_url)

    with pytest.raises(HubDownloadError) as raised:
        download_model(MODEL, cache_dir=tmp_path, endpoint=closed_url)

    assert raised.value.code == "offline"
    assert "SmolLM2-135M-Instruct" in raised.value.message


def test_a_hub_answering_500_is_unreachable(fake_hub: FakeHub, tmp_path: Path) -> None:
    fake_hub.repos[MODEL] = FakeRepo(files=model_files(), info_status=500)

    with pytest.raises(HubDownloadError) as raised:
        download_model(MODEL, cache_dir=tmp_path, endpoint=fake_hub.url)

    assert raised.value.code == "unreachable"
    assert "500" in raised.value.message


@pytest.mark.parametrize("bad_id", ["../etc", "a b", "", "acme/", "a/b/c", "acme/x--y", "acme/model.git", "x" * 97])
def test_malformed_id_is_refused_before_any_request(fake_hub: FakeHub, tmp_path: Path, bad_id: str) -> None:
    with pytest.raises(HubDownloadError) as raised:
        download_model(bad_id, cache_dir=tmp_path, endpoint=fake_hub.url)

    assert raised.value.code == "invalid_id"
    assert "owner/name" in raised.value.message
    assert fake_hub.requests == []


def test_too_little_disk_space_is_disk_full_before_any_file(
    fake_hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_hub.repos[MODEL] = FakeRepo(files=model_files())
    monkeypatch.setattr(hub, "_free_bytes", lambda folder: 1_000)

    with pytest.raises(HubDownloadError) as raised:
        download_model(MODEL, cache_dir=tmp_path, endpoint=fake_hub.url)

    assert raised.value.code == "disk_full"
    assert "HF_HUB_CACHE" in raised.value.message
    assert fake_hub.seen(path_contains="/resolve/") == []


def test_cache_folder_is_huggingface_hubs_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))

    assert cache_folder() == tmp_path / "hub"
