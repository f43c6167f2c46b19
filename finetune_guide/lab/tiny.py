"""The offline test model: a tiny Llama and a BPE tokenizer, built deterministically from the app's own texts."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

TINY_ID = "tiny"
CONTENT_DIR = Path(__file__).parents[2] / "content"
CORPUS_SUFFIXES = (".md", ".toml", ".yaml", ".yml")
VOCAB_SIZE = 3000
# Ten times Llama's usual 0.02: with LoRA the tied embedding (which is also the output layer) stays frozen, and at 0.02
# its logits cannot get far from uniform, so the loss stalls near ln(vocab). Measured on 8 chats x 10 epochs at lr 3e-2:
# 0.02 ends at loss 7.8, 0.2 at 1.2.
INIT_STD = 0.2
SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|pad|>")
TOKEN_ROLES = {
    "bos_token": "<|im_start|>",
    "eos_token": "<|im_end|>",
    "pad_token": "<|pad|>",
    "unk_token": "<|endoftext|>",
}
# A file in each list decides that the folder holds a complete model; a folder is only ever renamed into place whole,
# so a missing one means somebody emptied it by hand.
REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")

# ChatML markers, as SmolLM2 and Qwen2.5 use them, so what a learner sees on tiny reads like the real models. The
# generation markers wrap the assistant turn *with* its end token, so TRL's assistant_only_loss can use this template
# and the model learns to stop.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}"
    "{{ '<|im_start|>assistant\n' }}"
    "{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}"
    "{{ '\n' }}"
    "{% else %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def tiny_model_folder(models: Path) -> Path:
    """Where the tiny model lives inside the lab's models folder."""
    return models / TINY_ID


def is_complete(folder: Path) -> bool:
    """Whether `folder` holds every file transformers needs to load the tiny model."""
    return all((folder / name).is_file() for name in REQUIRED_FILES)


def ensure_tiny_model(folder: Path) -> Path:
    """Build the tiny model into `folder` unless it is already there; safe when two processes race."""
    if is_complete(folder):
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        _build(staging)
        _move_into_place(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _move_into_place(staging: Path, folder: Path) -> None:
    if folder.exists() and not is_complete(folder):
        broken = Path(tempfile.mkdtemp(prefix=f".{folder.name}-broken-", dir=folder.parent))
        with contextlib.suppress(FileNotFoundError):
            os.replace(folder, broken / folder.name)
        shutil.rmtree(broken, ignore_errors=True)
    try:
        os.rename(staging, folder)
    except OSError:
        # Another process renamed its copy first; both were built from the same seed and texts, so keep theirs.
        if not is_complete(folder):
            raise


def corpus_texts(content: Path = CONTENT_DIR) -> list[str]:
    """The app's own Markdown, TOML and YAML, in a fixed order so the tokenizer comes out the same every time."""
    files = sorted(p for p in content.rglob("*") if p.is_file() and p.suffix in CORPUS_SUFFIXES)
    return [p.read_text(encoding="utf-8", errors="replace") for p in files]


def _build(target: Path) -> None:
    # Imported here, not at the top: models.py (imported by the Streamlit side) needs this module's names, not torch.
    import torch  # noqa: PLC0415
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers  # noqa: PLC0415
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast  # noqa: PLC0415

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(corpus_texts(), trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=bpe, model_max_length=512, padding_side="right", **TOKEN_ROLES
    )
    tokenizer.chat_template = CHAT_TEMPLATE

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=512,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
        initializer_range=INIT_STD,
    )
    torch.manual_seed(0)
    model: Any = LlamaForCausalLM(config)  # float32: the default dtype, and the one a CPU trains best
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(target, safe_serialization=True)
    tokenizer.save_pretrained(target)
