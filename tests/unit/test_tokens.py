"""Offline tokenizer: shipped files, verified hashes, model -> encoding map."""

import hashlib

import pytest

from finetune_guide import tokens

SHA256 = {
    "fb374d419588a4632f3f557e76b4b70aebbca790": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "9b5ad71b2ce5302211f9c61530b329a4922fc6a4": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}


def test_shipped_rank_files_are_the_published_ones() -> None:
    for name, digest in SHA256.items():
        assert hashlib.sha256((tokens.DATA_DIR / name).read_bytes()).hexdigest() == digest


def test_both_encodings_load_without_network() -> None:
    assert tokens.count_tokens("Hello world", "o200k_base") == 2
    assert tokens.count_tokens("Hello world", "cl100k_base") == 2
    assert tokens.get_encoding("o200k_base").n_vocab > tokens.get_encoding("cl100k_base").n_vocab


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o-mini-2024-07-18", "o200k_base"),
        ("gpt-4.1-nano-2025-04-14", "o200k_base"),
        ("o4-mini-2025-04-16", "o200k_base"),
        ("ft:gpt-4o-mini-2024-07-18:org::abc", "o200k_base"),
        ("gpt-4.1-mini-2025-04-14.ft-0123456789abcdef", "o200k_base"),
        ("gpt-3.5-turbo-0125", "cl100k_base"),
        ("gpt-35-turbo", "cl100k_base"),
        ("davinci-002", "cl100k_base"),
        ("something-new", "o200k_base"),
    ],
)
def test_models_map_to_their_encoding(model: str, encoding: str) -> None:
    assert tokens.encoding_name_for_model(model) == encoding


def test_special_token_text_in_user_data_is_ordinary_text() -> None:
    assert tokens.count_tokens("<|endoftext|>") > 1


def test_an_unknown_encoding_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown encoding"):
        tokens.get_encoding("p50k_base")
