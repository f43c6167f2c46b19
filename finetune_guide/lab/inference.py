"""Answering chat messages with a base model plus an optional LoRA adapter, and merging an adapter into its base."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch
from transformers import GenerationConfig, PreTrainedTokenizerBase

from finetune_guide.lab import models
from finetune_guide.lab.loading import (
    ADAPTER_CONFIG,
    ModelUnavailableError,
    check_adapter,
    load_for_inference,
    load_tokenizer,
    materialize,
)

FinishReason = Literal["stop", "length"]


@dataclass(frozen=True, slots=True)
class Generation:
    """One answer, with the token counts a hosted API would bill."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: FinishReason


@dataclass(frozen=True, slots=True)
class LoadedModel:
    model: Any
    tokenizer: PreTrainedTokenizerBase


def generate(
    model_path: Path,
    adapter: Path | None,
    messages: list[dict[str, str]],
    *,
    max_tokens: int,
    temperature: float,
    seed: int,
    device: str = "cpu",
) -> Generation:
    """Load the model (and adapter) and answer `messages` once; the chat worker keeps models loaded instead."""
    model, tokenizer = load_for_inference(model_path, adapter, device)
    return answer(LoadedModel(model, tokenizer), messages, max_tokens=max_tokens, temperature=temperature, seed=seed)


def answer(
    loaded: LoadedModel, messages: list[dict[str, str]], *, max_tokens: int, temperature: float, seed: int
) -> Generation:
    """Greedy when temperature is 0, else sampling seeded by `seed`, so the same request gives the same answer."""
    tokenizer, model = loaded.tokenizer, loaded.model
    # In transformers 5, tokenize=True returns a BatchEncoding (a dict), not a list of ids.
    encoded: Any = tokenizer.apply_chat_template(
        messages, add_generation_prompt=True, tokenize=True, return_dict=True, return_tensors="pt"
    )
    inputs = {name: tensor.to(model.device) for name, tensor in encoded.items()}
    prompt_tokens = int(inputs["input_ids"].shape[1])
    stop_ids = _stop_ids(model, tokenizer)
    sampling = temperature > 0
    # A fresh config, not the model's own: a checkpoint's saved defaults (top_p, temperature) must not change what
    # "temperature 0" means from one model to the next.
    config = GenerationConfig(  # type: ignore[no-untyped-call]
        max_new_tokens=max(1, max_tokens),
        do_sample=sampling,
        temperature=temperature if sampling else None,
        top_p=None,
        top_k=None,
        eos_token_id=stop_ids,
        pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else stop_ids[0],
    )
    torch.manual_seed(seed)
    with torch.inference_mode():
        output = model.generate(**inputs, generation_config=config)
    completion = output[0, prompt_tokens:].tolist()
    finished = bool(completion) and completion[-1] in stop_ids
    text = str(tokenizer.decode(completion, skip_special_tokens=True))
    return Generation(
        text=text.strip(),
        prompt_tokens=prompt_tokens,
        completion_tokens=len(completion),
        finish_reason="stop" if finished else "length",
    )


def _stop_ids(model: Any, tokenizer: PreTrainedTokenizerBase) -> list[int]:
    configured = getattr(model.generation_config, "eos_token_id", None)
    ids = configured if isinstance(configured, list) else [configured]
    if tokenizer.eos_token_id is not None:
        ids.append(tokenizer.eos_token_id)
    return sorted({int(token) for token in ids if token is not None})


class ModelCache:
    """The most recently used (model, adapter) pairs, at most `capacity` of them in memory at once."""

    def __init__(self, capacity: int = 2, device: str = "cpu") -> None:
        self.capacity = capacity
        self.device = device
        self._loaded: OrderedDict[tuple[str, str | None], LoadedModel] = OrderedDict()

    def get(self, model: str, adapter: Path | None) -> LoadedModel:
        key = (model, str(adapter) if adapter is not None else None)
        if key in self._loaded:
            self._loaded.move_to_end(key)
            return self._loaded[key]
        folder = materialize(models.resolve(model))
        while len(self._loaded) >= self.capacity:
            self._loaded.popitem(last=False)
        loaded = LoadedModel(*load_for_inference(folder, adapter, self.device))
        self._loaded[key] = loaded
        return loaded

    def __len__(self) -> int:
        return len(self._loaded)


def base_model_folder(adapter: Path) -> Path:
    """The folder of the model an adapter was trained on, as its adapter_config.json records it."""
    check_adapter(adapter)
    config = json.loads((adapter / ADAPTER_CONFIG).read_text(encoding="utf-8"))
    base = str(config.get("base_model_name_or_path") or "")
    if not base:
        raise ModelUnavailableError(f"{adapter / ADAPTER_CONFIG} does not name its base model")
    if Path(base).is_dir():
        return Path(base)
    return materialize(models.resolve(base))


def merge(adapter_dir: Path, out_dir: Path, *, base: Path | None = None) -> Path:
    """Fold the adapter into a copy of its base model and save the full model and tokenizer into `out_dir`."""
    base_folder = base or base_model_folder(adapter_dir)
    model, _ = load_for_inference(base_folder, adapter_dir, "cpu")
    merged = model.merge_and_unload()
    tokenizer = load_tokenizer(base_folder)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        merged.save_pretrained(staging, safe_serialization=True)
        tokenizer.save_pretrained(staging)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.rename(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir
