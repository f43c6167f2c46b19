"""The job request: what a create call needs, the rules the API would enforce, and its keyword arguments."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from finetune_guide.providers import AZURE_TRAINING_TYPES, ProviderKind

Method = Literal["supervised", "dpo"]

OPENAI_SUFFIX_MAX = 64

AZURE_SUFFIX_MAX = 18

SEED_MAX = 2_147_483_647


@dataclass(frozen=True, slots=True)
class JobRequest:
    """Everything a create call needs; None hyperparameters mean "auto"."""

    model: str
    training_file: str
    validation_file: str | None = None
    method: Method = "supervised"
    n_epochs: int | None = None
    batch_size: int | None = None
    learning_rate_multiplier: float | None = None
    beta: float | None = None
    suffix: str = ""
    seed: int | None = None
    training_type: str = ""
    metadata: tuple[tuple[str, str], ...] = field(default=())
    # The Local lab's LoRA settings (ignored by hosted providers); learning_rate is absolute, not a multiplier.
    learning_rate: float | None = None
    lora_rank: int | None = None
    lora_alpha: int | None = None
    max_seq_length: int | None = None


@dataclass(frozen=True, slots=True)
class RequestIssue:
    """A reason the form cannot be sent; `code` names an i18n string, `values` fill its placeholders."""

    code: str
    values: tuple[tuple[str, str | int | float], ...] = ()


def check_job_request(request: JobRequest, provider: ProviderKind) -> tuple[RequestIssue, ...]:
    """Every rule of the create call the API would reject, so the form can say so first."""
    issues: list[RequestIssue] = []
    if not request.model.strip():
        issues.append(RequestIssue("no_model"))
    if not request.training_file.strip():
        issues.append(RequestIssue("no_training_file"))
    limit = AZURE_SUFFIX_MAX if provider == "azure" else OPENAI_SUFFIX_MAX
    if len(request.suffix) > limit:
        issues.append(RequestIssue("suffix_too_long", (("limit", limit), ("length", len(request.suffix)))))
    if provider == "azure" and "." in request.suffix:
        issues.append(RequestIssue("suffix_dot"))
    if request.suffix and not re.fullmatch(r"[A-Za-z0-9_\-.]+", request.suffix):
        issues.append(RequestIssue("suffix_chars"))
    if request.n_epochs is not None and not 1 <= request.n_epochs <= 50:
        issues.append(RequestIssue("epochs_range"))
    if request.batch_size is not None and not 1 <= request.batch_size <= 256:
        issues.append(RequestIssue("batch_range"))
    lr = request.learning_rate_multiplier
    if lr is not None and not (math.isfinite(lr) and lr > 0):
        issues.append(RequestIssue("lr_range"))
    if request.method == "dpo" and request.beta is not None and not (0 < request.beta <= 2):
        issues.append(RequestIssue("beta_range"))
    if request.seed is not None and not 0 <= request.seed <= SEED_MAX:
        issues.append(RequestIssue("seed_range"))
    if provider == "azure" and request.training_type and request.training_type not in AZURE_TRAINING_TYPES:
        issues.append(RequestIssue("training_type"))
    return tuple(issues)


def create_params(request: JobRequest, provider: ProviderKind) -> dict[str, Any]:
    """Keyword arguments for `client.fine_tuning.jobs.create`; the code samples use the same dict."""
    hyper: dict[str, Any] = {}
    if request.n_epochs is not None:
        hyper["n_epochs"] = request.n_epochs
    if request.batch_size is not None:
        hyper["batch_size"] = request.batch_size
    if request.learning_rate_multiplier is not None:
        hyper["learning_rate_multiplier"] = request.learning_rate_multiplier
    if request.method == "dpo" and request.beta is not None:
        hyper["beta"] = request.beta
    if provider == "local":
        lab = {
            "learning_rate": request.learning_rate,
            "lora_rank": request.lora_rank,
            "lora_alpha": request.lora_alpha,
            "max_seq_length": request.max_seq_length,
        }
        hyper.update({name: value for name, value in lab.items() if value is not None})
    params: dict[str, Any] = {"model": request.model, "training_file": request.training_file}
    if request.validation_file:
        params["validation_file"] = request.validation_file
    if request.suffix:
        params["suffix"] = request.suffix
    if request.seed is not None:
        params["seed"] = request.seed
    params["method"] = {"type": request.method, request.method: {"hyperparameters": hyper}}
    if request.metadata:
        params["metadata"] = dict(request.metadata)
    if provider == "azure" and request.training_type:
        params["extra_body"] = {"trainingType": request.training_type}
    return params
