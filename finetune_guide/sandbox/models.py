"""The sandbox tenant's models: the base models, its fine-tuned models and checkpoints, and what they learnt."""

from __future__ import annotations

from typing import Any

from finetune_guide.sandbox import replies
from finetune_guide.sandbox.errors import SandboxError, not_found
from finetune_guide.sandbox.lifecycle import advance, advance_all
from finetune_guide.sandbox.simulation import BASE_MODEL_IDS, BASE_MODELS
from finetune_guide.sandbox.state import TenantState

BASE_MODEL_CREATED = 1_700_000_000


def list_models(state: TenantState) -> dict[str, Any]:
    with state.lock:
        advance_all(state, state.now())
        data = [
            {"object": "model", "id": m.id, "created": BASE_MODEL_CREATED, "owned_by": m.owned_by} for m in BASE_MODELS
        ]
        data.extend(model.to_json() for model in state.models.values())
        return {"object": "list", "data": data}


def retrieve_model(state: TenantState, model: str) -> dict[str, Any]:
    with state.lock:
        advance_each_now(state)
        if model in state.models:
            return state.models[model].to_json()
        base = next((m for m in BASE_MODELS if m.id == model), None)
        if base is None:
            raise model_not_found(model)
        return {"object": "model", "id": base.id, "created": BASE_MODEL_CREATED, "owned_by": base.owned_by}


def delete_model(state: TenantState, model: str) -> dict[str, Any]:
    with state.lock:
        if model in BASE_MODEL_IDS:
            raise SandboxError(
                403,
                f"{model} is a base model; only your own fine-tuned models can be deleted.",
                code="model_not_deletable",
                param="model",
            )
        if model not in state.models:
            raise model_not_found(model)
        del state.models[model]
        return {"object": "model", "id": model, "deleted": True}


def advance_each_now(state: TenantState) -> None:
    # Each job reads the clock afresh, as the service always has for model lookups and chat.
    for job in state.jobs.values():
        advance(state, job, state.now())


def examples_of(state: TenantState, model: str) -> tuple[replies.Example, ...]:
    """The training examples a fine-tuned model (or checkpoint) answers from; () for a base model."""
    if model in state.models:
        return state.models[model].examples
    return state.checkpoint_models.get(model, ())


def model_not_found(model: str) -> SandboxError:
    return not_found(
        f"The model {model!r} does not exist or you do not have access to it.",
        code="model_not_found",
        param="model",
    )
