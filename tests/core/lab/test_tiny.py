"""The tiny offline model.

- building it twice gives byte-identical files (weights and tokenizer);
- it has a ChatML chat template that ends each turn with the eos token, and a pad token;
- a complete folder is reused, a half-written one is rebuilt.
"""

from __future__ import annotations

from pathlib import Path

from transformers import AutoTokenizer

from finetune_guide.lab.tiny import REQUIRED_FILES, ensure_tiny_model


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_building_tiny_twice_gives_identical_weights_and_tokenizer(tmp_path: Path) -> None:
    first = ensure_tiny_model(tmp_path / "a")
    second = ensure_tiny_model(tmp_path / "b")
    assert set(REQUIRED_FILES) <= set(_files(first))
    assert _files(first) == _files(second)


def test_tiny_has_a_chat_template_an_eos_and_a_pad_token(tmp_path: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(ensure_tiny_model(tmp_path / "tiny"))
    chat = [{"role": "user", "content": "Where is my parcel?"}, {"role": "assistant", "content": "On its way."}]
    text = tokenizer.apply_chat_template(chat, tokenize=False)
    assert text == "<|im_start|>user\nWhere is my parcel?<|im_end|>\n<|im_start|>assistant\nOn its way.<|im_end|>\n"
    prompt = tokenizer.apply_chat_template(chat[:1], tokenize=False, add_generation_prompt=True)
    assert prompt.endswith("<|im_start|>assistant\n")
    assert tokenizer.eos_token == "<|im_end|>"
    assert tokenizer.pad_token == "<|pad|>"
    assert tokenizer.pad_token_id != tokenizer.eos_token_id
    assert 2000 <= len(tokenizer) <= 4000


def test_a_complete_tiny_folder_is_reused(tmp_path: Path) -> None:
    folder = ensure_tiny_model(tmp_path / "tiny")
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    ensure_tiny_model(folder)
    assert (folder / "model.safetensors").stat().st_mtime_ns == stamp


def test_a_half_written_tiny_folder_is_rebuilt(tmp_path: Path) -> None:
    folder = ensure_tiny_model(tmp_path / "tiny")
    expected = _files(folder)
    (folder / "model.safetensors").unlink()
    ensure_tiny_model(folder)
    assert _files(folder) == expected
    assert [p.name for p in tmp_path.iterdir()] == ["tiny"]  # no staging folder left behind
