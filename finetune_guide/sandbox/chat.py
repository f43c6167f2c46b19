"""Chat completions in the sandbox: a fine-tuned model answers from its closest example, a base model generically."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from finetune_guide.sandbox import params, replies
from finetune_guide.sandbox.errors import bad_request
from finetune_guide.sandbox.models import advance_each_now, examples_of, model_not_found
from finetune_guide.sandbox.simulation import BASE_MODEL_IDS, MODEL_ALIASES, random_alnum
from finetune_guide.sandbox.state import TenantState

MAX_CHOICES = 8


def chat_completion(state: TenantState, body: Mapping[str, Any], *, model: str | None = None) -> dict[str, Any]:
    model = model or params.required_str(body, "model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise bad_request("messages must be a non-empty list of messages.", param="messages")
    with state.lock:
        advance_each_now(state)
        text = _reply(state, model, messages)
        created = int(state.now())
    content, completion_tokens, cut = replies.truncated(text, model, params.max_tokens(body))
    prompt = replies.prompt_tokens(messages, model)
    n = body.get("n")
    count = max(1, min(n, MAX_CHOICES)) if isinstance(n, int) and not isinstance(n, bool) else 1
    choices: list[dict[str, Any]] = [
        {
            "index": index,
            "message": {"role": "assistant", "content": content, "refusal": None, "annotations": []},
            "logprobs": None,
            "finish_reason": "length" if cut else "stop",
        }
        for index in range(count)
    ]
    return {
        "id": "chatcmpl-" + random_alnum(29),
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": choices,
        "usage": _usage(prompt, completion_tokens * len(choices)),
        "system_fingerprint": "fp_sandbox",
        "service_tier": "default",
    }


def _reply(state: TenantState, model: str, messages: list[Any]) -> str:
    if model in state.models or model in state.checkpoint_models:
        return replies.fine_tuned_reply(replies.last_user_text(messages), examples_of(state, model))
    if model in BASE_MODEL_IDS or MODEL_ALIASES.get(model) in BASE_MODEL_IDS:
        return replies.base_reply(replies.last_user_text(messages), model)
    raise model_not_found(model)


def _usage(prompt: int, completion: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }
