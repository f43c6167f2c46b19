"""The Local lab's records as the hosted API's JSON: files, jobs (with a `lab` block), events and checkpoints."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, Sequence
from typing import Any

from finetune_guide.lab import jobs as lab_jobs
from finetune_guide.lab.engine import LabEngine
from finetune_guide.lab.spec import CHECKPOINT_PREFIX
from finetune_guide.lab.store import FileRecord, JobRecord


def file_json(record: FileRecord) -> dict[str, Any]:
    return {
        "object": "file",
        "id": record.id,
        "purpose": record.purpose,
        "filename": record.filename,
        "bytes": record.bytes,
        "created_at": record.created_at,
        "status": "processed",
    }


def settings_dict(settings: lab_jobs.LabSettings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in lab_jobs.LabSettings.__slots__}


def job_json(lab: LabEngine, job: JobRecord) -> dict[str, Any]:
    settings = lab_jobs.LabSettings(**job.request["settings"])
    lines = lab.progress(job.id)
    step_line = lab_jobs.latest(lines, "step")
    started = lab_jobs.latest(lines, "started")
    total = int((started or {}).get("total_steps") or job.request["total_steps"])
    step = int(step_line.get("step") or 0) if step_line else 0
    estimated_finish = None
    if job.status == "running" and step_line and step:
        elapsed = float(step_line.get("elapsed_s") or 0)
        estimated_finish = int(time.time() + elapsed / step * max(0, total - step))
    hyperparameters = settings.hyperparameters()
    return {
        "object": "fine_tuning.job",
        "id": job.id,
        "model": job.request["model"],
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "fine_tuned_model": job.fine_tuned_model,
        "organization_id": "org-local",
        "result_files": [job.result_file] if job.result_file else [],
        "status": job.status,
        "validation_file": job.request.get("validation_file"),
        "training_file": job.request["training_file"],
        "hyperparameters": {k: hyperparameters[k] for k in ("batch_size", "learning_rate_multiplier", "n_epochs")},
        "method": {"type": settings.method, settings.method: {"hyperparameters": hyperparameters}},
        "trained_tokens": job.trained_tokens,
        "error": job.error or {},
        "seed": job.request["seed"],
        "estimated_finish": estimated_finish,
        "integrations": [],
        "metadata": job.request.get("metadata"),
        "user_provided_suffix": job.request.get("suffix") or None,
        "usage_metrics": None,
        "shared_with_openai": False,
        "lab": _lab_block(lab, job, lines, step=step, total=total),
    }


def _lab_block(
    lab: LabEngine, job: JobRecord, lines: Sequence[Mapping[str, Any]], *, step: int, total: int
) -> dict[str, Any]:
    """What only the lab knows about a job: its speed, place in the queue, device and model source."""
    step_line = lab_jobs.latest(lines, "step")
    started = lab_jobs.latest(lines, "started")
    loading = lab_jobs.latest(lines, "loading")
    queue = [j.id for j in lab.queue()]
    return {
        "step": step,
        "total_steps": total,
        "tokens_per_s": step_line.get("tokens_per_s") if step_line else None,
        "elapsed_s": step_line.get("elapsed_s") if step_line else None,
        "queue_position": queue.index(job.id) + 1 if job.id in queue else None,
        "device": started.get("device") if started else None,
        "model_source": loading.get("source") if loading else None,
        "model_note": loading.get("note") if loading else None,
        "cancel_requested": job.cancel_requested,
        "examples": job.request.get("examples"),
        "tokens_per_epoch": job.request.get("tokens_per_epoch"),
    }


def job_events(lab: LabEngine, job: JobRecord) -> list[dict[str, Any]]:
    """The job's story as API events, rebuilt from its record and its progress lines."""
    tail = job.id.removeprefix("ftjob-")
    drafts = [
        lab_jobs.EventDraft(
            job.created_at, f"Created fine-tuning job: {job.id} (Local lab: it trains for real on this computer)"
        ),
        lab_jobs.EventDraft(job.created_at, f"Validating training file: {job.request['training_file']}"),
    ]
    if job.error is not None and job.started_at is None:
        drafts.append(lab_jobs.EventDraft(job.created_at, "Validation failed: " + job.error["message"], "error"))
    else:
        drafts.append(lab_jobs.EventDraft(job.created_at, "Files validated, moving job to queued state"))
        drafts.extend(lab_jobs.progress_events(lab.progress(job.id), model_id=job.request["model_id"]))
        if job.status == "cancelled" and not lab_jobs.latest(lab.progress(job.id), "cancelled"):
            drafts.append(lab_jobs.EventDraft(job.finished_at or job.created_at, "Fine-tuning job cancelled"))
        if job.error is not None and job.error.get("code") == "worker_crashed":
            drafts.append(lab_jobs.EventDraft(job.finished_at or job.created_at, job.error["message"], "error"))
    return [
        {
            "object": "fine_tuning.job.event",
            "id": f"ftevent-{tail}{index:05d}",
            "created_at": d.at,
            "level": d.level,
            "message": d.message,
            "data": d.data or {},
            "type": d.kind,
        }
        for index, d in enumerate(drafts)
    ]


def job_checkpoints(lab: LabEngine, job: JobRecord) -> list[dict[str, Any]]:
    """The job's checkpoints still on disk, oldest first."""
    lines = lab.progress(job.id)
    checkpoints = []
    run = lab.run_dir(job.id)
    for line in (line for line in lines if line.get("kind") == "checkpoint"):
        step = int(line.get("step") or 0)
        if not (run / f"{CHECKPOINT_PREFIX}{step}").is_dir():
            continue  # pruned: only the last few checkpoints are kept
        checkpoints.append(
            {
                "object": "fine_tuning.job.checkpoint",
                "id": "ftckpt_" + hashlib.sha256(f"{job.id}:{step}".encode()).hexdigest()[:24],
                "created_at": int(line.get("time") or job.created_at),
                "fine_tuned_model_checkpoint": f"{job.request['model_id']}:ckpt-step-{step}",
                "fine_tuning_job_id": job.id,
                "metrics": _metrics_at(lines, step),
                "step_number": step,
            }
        )
    return checkpoints


def _metrics_at(lines: Sequence[Mapping[str, Any]], step: int) -> dict[str, float]:
    metrics: dict[str, float] = {"step": float(step)}
    for line in lines:
        if line.get("step") != step:
            continue
        if line.get("kind") == "step" and isinstance(line.get("loss"), int | float):
            metrics["train_loss"] = float(line["loss"])
        if line.get("kind") == "eval" and isinstance(line.get("valid_loss"), int | float):
            metrics["valid_loss"] = float(line["valid_loss"])
            metrics["full_valid_loss"] = float(line["valid_loss"])
    return metrics
