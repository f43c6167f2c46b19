"""One owner's models in the Local lab: base and fine-tuned models, deleting, merging, downloading, chatting."""

from __future__ import annotations

import io
import shutil
import subprocess
import time
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from finetune_guide.lab import runner
from finetune_guide.lab.engine import LabEngine
from finetune_guide.lab.models import curated_models
from finetune_guide.lab.spec import ADAPTER_DIR, CHECKPOINT_PREFIX
from finetune_guide.sandbox import params
from finetune_guide.sandbox.errors import SandboxError, bad_request, not_found
from finetune_guide.sandbox.replies import content_text
from finetune_guide.sandbox.simulation import random_alnum

BUILTIN_MODELS = ("tiny", "HuggingFaceTB/SmolLM2-135M-Instruct")
MERGED_DIR = "merged"
MERGE_TIMEOUT_S = 900
MAX_CHAT_TOKENS = 1024
DEFAULT_CHAT_TOKENS = 128


def base_models(lab: LabEngine, owner: str) -> tuple[str, ...]:
    found = [*BUILTIN_MODELS, *(m.id for m in curated_models())]
    found.extend(j.request["model"] for j in lab.store.jobs(owner))
    return tuple(dict.fromkeys(found))


def tuned_models(lab: LabEngine, owner: str) -> dict[str, tuple[str, Path]]:
    """Every model this owner can chat with beyond the base models: id -> (base model, adapter folder)."""
    found: dict[str, tuple[str, Path]] = {}
    for job in lab.store.jobs(owner):
        run = lab.run_dir(job.id)
        for line in lab.progress(job.id):
            # Only the last few checkpoints are kept on disk; older progress lines name folders now removed.
            if line.get("kind") == "checkpoint" and (run / f"{CHECKPOINT_PREFIX}{line.get('step')}").is_dir():
                found[f"{job.request['model_id']}:ckpt-step-{line.get('step')}"] = (
                    job.request["model"],
                    run / f"{CHECKPOINT_PREFIX}{line.get('step')}",
                )
        if job.status == "succeeded" and job.fine_tuned_model:
            found[job.fine_tuned_model] = (job.request["model"], run / ADAPTER_DIR)
    return found


def list_models(lab: LabEngine, owner: str) -> dict[str, Any]:
    lab.tick()
    data = [
        {"object": "model", "id": m, "created": 1_730_000_000, "owned_by": "local"} for m in base_models(lab, owner)
    ]
    tuned = {job.fine_tuned_model: job for job in lab.store.jobs(owner) if job.fine_tuned_model}
    data.extend(
        {"object": "model", "id": model_id, "created": job.finished_at or job.created_at, "owned_by": "org-local"}
        for model_id, job in tuned.items()
    )
    return {"object": "list", "data": data}


def retrieve_model(lab: LabEngine, owner: str, model: str) -> dict[str, Any]:
    models: list[dict[str, Any]] = list_models(lab, owner)["data"]
    found = next((m for m in models if m["id"] == model), None)
    if found is None:
        raise model_not_found(model)
    return found


def delete_model(lab: LabEngine, owner: str, model: str) -> dict[str, Any]:
    job = next((j for j in lab.store.jobs(owner) if j.fine_tuned_model == model), None)
    if job is None:
        raise (
            model_not_found(model)
            if model not in base_models(lab, owner)
            else SandboxError(
                403,
                f"{model} is a base model; only your own fine-tuned models can be deleted.",
                code="model_not_deletable",
                param="model",
            )
        )
    shutil.rmtree(lab.run_dir(job.id) / ADAPTER_DIR, ignore_errors=True)
    lab.store.update_job(job.id, fine_tuned_model=None)
    return {"object": "model", "id": model, "deleted": True}


def merge(lab: LabEngine, run: Path, *, job_id: str, succeeded: bool) -> dict[str, Any]:
    """Merge the final adapter into its base model, in a worker process, and say where the model is."""
    if not succeeded or not (run / ADAPTER_DIR).is_dir():
        raise bad_request(f"Job {job_id} has no final adapter to merge.", code="adapter_not_found")
    target = run / MERGED_DIR
    if not (target / "config.json").is_file():
        done = subprocess.run(  # noqa: S603 - our own interpreter and module, no shell
            [*lab.worker_argv(), "merge", str(run / ADAPTER_DIR), str(target)],
            env=runner.worker_environment(lab.threads),
            capture_output=True,
            timeout=MERGE_TIMEOUT_S,
            check=False,
        )
        if done.returncode != 0 or not (target / "config.json").is_file():
            raise SandboxError(
                500,
                "Merging the adapter failed; the log of the merge is in the run folder.",
                code="merge_failed",
                error_type="server_error",
            )
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    return {"object": "lab.merged_model", "job_id": job_id, "path": str(target), "bytes": size}


def merged_zip(run: Path, job_id: str) -> bytes:
    folder = run / MERGED_DIR
    if not (folder / "config.json").is_file():
        raise not_found(f"Job {job_id} has no merged model yet; merge it first.", code="merged_not_found")
    return zip_folder(folder)


def adapter_zip(run: Path, job_id: str) -> bytes:
    """The job's LoRA adapter as a zip: the final one, else the newest checkpoint."""
    folder = run / ADAPTER_DIR
    if not folder.is_dir():
        checkpoints = sorted(run.glob(f"{CHECKPOINT_PREFIX}*"), key=lambda p: int(p.name.rsplit("-", 1)[-1]))
        if not checkpoints:
            raise not_found(f"Job {job_id} has no adapter yet.", code="adapter_not_found")
        folder = checkpoints[-1]
    return zip_folder(folder)


def zip_folder(folder: Path) -> bytes:
    """A folder as a zip, without pickled files (nobody should have to unpickle what we hand out)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix not in {".bin", ".pt", ".pth", ".pkl"}:
                archive.write(path, f"{folder.name}/{path.relative_to(folder)}")
    return buffer.getvalue()


def chat_completion(lab: LabEngine, owner: str, body: Mapping[str, Any], *, model: str | None = None) -> dict[str, Any]:
    model = model or params.required_str(body, "model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise bad_request("messages must be a non-empty list of messages.", param="messages")
    tuned = tuned_models(lab, owner)
    if model in tuned:
        base, adapter = tuned[model]
    elif model in base_models(lab, owner):
        base, adapter = model, None
    else:
        raise model_not_found(model)
    answer = lab.chat.ask(_chat_request(body, messages, base=base, adapter=adapter))
    if "error" in answer:
        problem = answer["error"] if isinstance(answer["error"], Mapping) else {}
        raise SandboxError(
            503 if problem.get("code") == "worker_unavailable" else 400,
            str(problem.get("message") or "The model could not answer."),
            code=str(problem.get("code") or "generation_failed"),
            error_type="server_error",
        )
    return _completion(model, answer)


def _chat_request(body: Mapping[str, Any], messages: list[Any], *, base: str, adapter: Path | None) -> dict[str, Any]:
    """What the chat worker is asked: plain-text messages and bounded, typed sampling settings."""
    limit = params.max_tokens(body) or DEFAULT_CHAT_TOKENS
    temperature = body.get("temperature")
    seed = body.get("seed")
    return {
        "model": base,
        "adapter": str(adapter) if adapter else None,
        "messages": [
            {"role": str(m.get("role")), "content": content_text(m.get("content"))}
            for m in messages
            if isinstance(m, Mapping)
        ],
        "max_tokens": min(limit, MAX_CHAT_TOKENS),
        "temperature": float(temperature) if isinstance(temperature, int | float) else 0.0,
        "seed": int(seed) if isinstance(seed, int) else 0,
    }


def _completion(model: str, answer: Mapping[str, Any]) -> dict[str, Any]:
    prompt, completion = int(answer.get("prompt_tokens") or 0), int(answer.get("completion_tokens") or 0)
    return {
        "id": "chatcmpl-" + random_alnum(29),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "logprobs": None,
                "finish_reason": answer.get("finish_reason") or "stop",
                "message": {
                    "role": "assistant",
                    "content": str(answer.get("text") or ""),
                    "refusal": None,
                    "annotations": [],
                },
            }
        ],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
        "system_fingerprint": "fp_local_lab",
        "service_tier": "default",
    }


def model_not_found(model: str) -> SandboxError:
    return not_found(
        f"The model {model!r} does not exist or you do not have access to it.", code="model_not_found", param="model"
    )
