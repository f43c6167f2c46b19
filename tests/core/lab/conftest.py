"""Fixtures for the Local lab's tests: a private lab home, one thread, no network, the tiny model built once."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from huggingface_hub import constants

from finetune_guide.lab import paths
from tests.core.lab.worker_support import SFT_EPOCHS, LabWorld, support_chats, tiny_spec, write_jsonl

# One thread everywhere: on this 2-core box two torch threads under load were 12-20x slower than one.
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"


@pytest.fixture(scope="session", autouse=True)
def lab_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    # Session-wide, so no test of this folder writes models into the developer's ~/.cache. HF_HUB_OFFLINE is not
    # set here for the whole folder: the hub tests talk to a loopback fake Hub and huggingface_hub reads that
    # variable once, at import. Each lab test gets it from `offline` or from the worker's environment instead.
    torch.set_num_threads(1)
    home = tmp_path_factory.mktemp("lab-home")
    previous = os.environ.get(paths.HOME_VARIABLE)
    os.environ[paths.HOME_VARIABLE] = str(home)
    yield home
    if previous is None:
        os.environ.pop(paths.HOME_VARIABLE, None)
    else:
        os.environ[paths.HOME_VARIABLE] = previous


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """HF_HUB_OFFLINE=1 and an empty Hugging Face cache, for code that reads them when called."""
    cache = tmp_path / "hf-cache"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    return cache


@pytest.fixture(scope="session")
def world(lab_home: Path, tmp_path_factory: pytest.TempPathFactory) -> LabWorld:
    """The lab home with tiny built in it, and the environment a worker process runs in."""
    return LabWorld.create(lab_home, tmp_path_factory.mktemp("hf-cache"))


@pytest.fixture
def chats_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "chats.jsonl", support_chats())


@pytest.fixture(scope="session")
def sft_run(world: LabWorld, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SFT run of tiny through the worker, shared by the tests that read what it left: memorisable data
    (8 chats, SFT_EPOCHS epochs at lr 3e-2), a validation file, the last 2 epochs' checkpoints kept."""
    data = tmp_path_factory.mktemp("sft-data")
    training = write_jsonl(data / "train.jsonl", support_chats())
    validation = write_jsonl(data / "valid.jsonl", support_chats(4))
    run_dir = world.run_dir("sft")
    spec = tiny_spec(run_dir, training, validation_file=str(validation), epochs=SFT_EPOCHS, save_checkpoints=2)
    done = world.train(spec)
    assert done.returncode == 0, done.stderr[-2000:]
    return run_dir
