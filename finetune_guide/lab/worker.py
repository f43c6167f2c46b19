"""The Local lab's worker process: `python -m finetune_guide.lab.worker train|chat|merge ...`, the only torch user."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO, cast

from finetune_guide.lab.spec import PROGRESS_FILE, SPEC_FILE, Device, TrainingSpec

log = logging.getLogger("finetune_guide.lab.worker")

USAGE = """\
python -m finetune_guide.lab.worker train RUN_DIR        train as RUN_DIR/spec.json says, progress in RUN_DIR
python -m finetune_guide.lab.worker chat [--threads N]   answer one JSON request per stdin line, one per stdout line
python -m finetune_guide.lab.worker merge ADAPTER_DIR OUT_DIR   save base + adapter as one full model"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m finetune_guide.lab.worker", usage=USAGE)
    commands = parser.add_subparsers(dest="command", required=True)
    train_command = commands.add_parser("train")
    train_command.add_argument("run_dir", type=Path)
    chat_command = commands.add_parser("chat")
    chat_command.add_argument("--threads", type=int, default=0)
    chat_command.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    merge_command = commands.add_parser("merge")
    merge_command.add_argument("adapter_dir", type=Path)
    merge_command.add_argument("out_dir", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "train":
        return run_train(args.run_dir)
    if args.command == "chat":
        return run_chat(sys.stdin, sys.stdout, threads=args.threads, device=args.device)
    return run_merge(args.adapter_dir, args.out_dir)


def _limit_threads(threads: int) -> int:
    """Fix the thread count before torch is imported: OpenMP reads it once, at import.

    0 means "auto": an OMP_NUM_THREADS already set in the environment, else one thread per core.
    """
    configured = os.environ.get("OMP_NUM_THREADS", "").strip()
    count = threads or (int(configured) if configured.isdigit() else 0) or os.cpu_count() or 1
    os.environ.setdefault("OMP_NUM_THREADS", str(count))
    # Tokenizers' own thread pool, forked into data-loader processes, warns and may deadlock.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    return count


def run_train(run_dir: Path) -> int:
    """Exit 0 whenever the outcome is in progress.jsonl, a failure included; the service reads it there."""
    try:
        spec = TrainingSpec.from_json((run_dir / SPEC_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError) as error:
        run_dir.mkdir(parents=True, exist_ok=True)
        line = {"kind": "failed", "code": "internal", "message": f"The run's {SPEC_FILE} cannot be read ({error}).",
                "time": round(time.time(), 3)}  # fmt: skip
        with (run_dir / PROGRESS_FILE).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")
        return 0
    # The service decides where the run writes: the folder it started us in, whatever spec.json says.
    spec = _with_output(spec, run_dir)
    threads = _limit_threads(spec.threads)
    import torch  # noqa: PLC0415 - only after the thread count is fixed

    torch.set_num_threads(threads)
    from finetune_guide.lab.training import train  # noqa: PLC0415 - imports torch

    train(spec)
    return 0


def _with_output(spec: TrainingSpec, run_dir: Path) -> TrainingSpec:
    return replace(spec, output_dir=str(run_dir))


def run_chat(requests: TextIO, replies: TextIO, *, threads: int = 0, device: str = "auto") -> int:
    """Answer requests until stdin closes; stdout carries protocol lines only, everything else goes to stderr."""
    count = _limit_threads(threads)
    protocol = replies
    # Libraries print (progress bars, notices); none of that may land between protocol lines.
    sys.stdout = sys.stderr
    import torch  # noqa: PLC0415 - only after the thread count is fixed

    torch.set_num_threads(count)
    from finetune_guide.lab.inference import ModelCache  # noqa: PLC0415 - imports torch
    from finetune_guide.lab.loading import resolve_device  # noqa: PLC0415 - imports torch

    cache = ModelCache(capacity=2, device=resolve_device(cast(Device, device)))
    for line in requests:
        if not line.strip():
            continue
        reply = handle_request(cache, line)
        protocol.write(json.dumps(reply, ensure_ascii=False) + "\n")
        protocol.flush()
    return 0


def handle_request(cache: Any, line: str) -> dict[str, Any]:
    """One request line in, one reply object out; errors are replies too, so the loop never dies on one."""
    try:
        request = json.loads(line)
    except ValueError:
        return {"id": None, "error": {"code": "bad_request", "message": "the request is not valid JSON"}}
    if not isinstance(request, dict):
        return {"id": None, "error": {"code": "bad_request", "message": "the request must be a JSON object"}}
    request_id = request.get("id")
    try:
        return {"id": request_id, **_answer(cache, request)}
    except _BadRequestError as error:
        return {"id": request_id, "error": {"code": "bad_request", "message": str(error)}}
    except Exception as error:
        code, message = _classify(error)
        log.exception("chat request %s failed", request_id)
        return {"id": request_id, "error": {"code": code, "message": message}}


class _BadRequestError(ValueError):
    pass


def _answer(cache: Any, request: dict[str, Any]) -> dict[str, Any]:
    from finetune_guide.lab.inference import answer  # noqa: PLC0415 - torch is already loaded by run_chat

    model = request.get("model")
    messages = request.get("messages")
    if not isinstance(model, str) or not model:
        raise _BadRequestError('"model" must name a model')
    if not isinstance(messages, list) or not messages or not all(_is_message(m) for m in messages):
        raise _BadRequestError('"messages" must be a list of {"role", "content"} objects')
    adapter = request.get("adapter")
    if adapter is not None and not isinstance(adapter, str):
        raise _BadRequestError('"adapter" must be a folder path or null')
    max_tokens = _number(request, "max_tokens", 128, int)
    temperature = _number(request, "temperature", 0.0, float)
    seed = _number(request, "seed", 0, int)
    loaded = cache.get(model, Path(adapter) if adapter else None)
    generation = answer(
        loaded,
        [{"role": m["role"], "content": m["content"]} for m in messages],
        max_tokens=int(max_tokens),
        temperature=float(temperature),
        seed=int(seed),
    )
    return {
        "text": generation.text,
        "prompt_tokens": generation.prompt_tokens,
        "completion_tokens": generation.completion_tokens,
        "finish_reason": generation.finish_reason,
    }


def _is_message(message: object) -> bool:
    return (
        isinstance(message, dict) and isinstance(message.get("role"), str) and isinstance(message.get("content"), str)
    )


def _number(request: dict[str, Any], name: str, default: float, kind: type[int] | type[float]) -> float:
    value = request.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _BadRequestError(f'"{name}" must be a non-negative number')
    return kind(value)


def _classify(error: BaseException) -> tuple[str, str]:
    from finetune_guide.lab.loading import ModelUnavailableError  # noqa: PLC0415 - imports torch
    from finetune_guide.lab.models import UnknownModelError  # noqa: PLC0415 - light, kept beside its sibling

    if isinstance(error, ModelUnavailableError | UnknownModelError):
        return "model_unavailable", str(error)
    if isinstance(error, MemoryError) or "out of memory" in str(error).lower():
        return "out_of_memory", "The machine ran out of memory loading or running this model."
    first_line = (str(error).strip().splitlines() or [""])[0][:300]
    return "internal", f"Generation failed on an unexpected error ({type(error).__name__}: {first_line})."


def run_merge(adapter_dir: Path, out_dir: Path) -> int:
    _limit_threads(0)
    from finetune_guide.lab.inference import merge  # noqa: PLC0415 - imports torch
    from finetune_guide.lab.loading import ModelUnavailableError  # noqa: PLC0415 - imports torch

    try:
        merge(adapter_dir, out_dir)
    except ModelUnavailableError as error:
        print(f"merge failed: {error}", file=sys.stderr)
        return 1
    print(json.dumps({"merged": str(out_dir)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
