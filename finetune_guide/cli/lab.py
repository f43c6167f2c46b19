"""`finetune-guide lab`: fine-tune a small open model on this computer, chat with it, or serve the lab over HTTP."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from finetune_guide import datasets
from finetune_guide.cli import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE_INPUT
from finetune_guide.cli.check import readable
from finetune_guide.lab.spec import ADAPTER_DIR, CANCEL_FILE, PROGRESS_FILE, TERMINAL_KINDS, TrainingSpec, read_progress

EXIT_TRAINING_FAILED = 1
EXIT_INTERRUPTED = 130
RUN_SUBFOLDER = ".lab-run"  # progress, checkpoints and logs; the adapter itself lands in --output


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lab",
        help="fine-tune a small open model on this computer (LoRA with transformers + peft + trl)",
        description="The Local lab: real LoRA fine-tuning of a small open model on this computer's CPU or GPU.",
    )
    commands = parser.add_subparsers(dest="lab_command", required=True, metavar="LAB_COMMAND")

    train = commands.add_parser("train", help="train a LoRA adapter on a JSONL file")
    train.add_argument("data", help="training data: chat JSONL ('messages') for sft, preference JSONL for dpo")
    train.add_argument("--validation", help="a validation JSONL file (its loss is reported each epoch)")
    train.add_argument("--model", default="tiny", help="'tiny' (built in), a Hugging Face model id, or a folder")
    train.add_argument("--method", choices=("sft", "dpo"), help="default: from the file's format")
    train.add_argument("--epochs", type=int, default=3)
    train.add_argument("--learning-rate", type=float, default=2e-4)
    train.add_argument("--batch-size", type=int, default=4)
    train.add_argument("--lora-rank", type=int, default=16)
    train.add_argument("--lora-alpha", type=int, help="default: twice the rank")
    train.add_argument("--max-length", type=int, default=512, help="tokens per example; longer ones are cut")
    train.add_argument("--seed", type=int, default=42)
    train.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    train.add_argument("--output", default="lab-adapter", help="folder for the adapter (default: ./lab-adapter)")
    train.add_argument("--json", action="store_true", help="one JSON object per logged step instead of a bar")
    train.set_defaults(handler=run_train)

    chat = commands.add_parser("chat", help="ask a trained adapter (or a model folder or id) one question")
    chat.add_argument("model", help="an adapter folder from `lab train`, a model folder, 'tiny' or a model id")
    chat.add_argument("prompt")
    chat.add_argument("--system", default="", help="a system message to send first")
    chat.add_argument("--max-tokens", type=int, default=128)
    chat.add_argument("--temperature", type=float, default=0.0, help="0 = greedy, the same answer every time")
    chat.set_defaults(handler=run_chat)

    merge = commands.add_parser("merge", help="merge an adapter into its base model and save the full model")
    merge.add_argument("adapter")
    merge.add_argument("output")
    merge.set_defaults(handler=run_merge)

    serve = commands.add_parser("serve", help="serve the lab's OpenAI-compatible API over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8766)
    serve.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    serve.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host (a workshop room)")
    serve.add_argument("--quiet", action="store_true", help="do not log each request")
    serve.set_defaults(handler=run_serve)


def _fail(message: str, err: TextIO | None = None) -> int:
    print(f"finetune-guide lab: {message}", file=err or sys.stderr)
    return EXIT_UNUSABLE_INPUT


def _checked_data(path_text: str, *, method: str | None, role: str) -> tuple[str, int] | int:
    """(the method, the example count) when the file can be trained on; otherwise the exit code, reported."""
    path = Path(path_text)
    if not path.is_file():
        return _fail(f"{path_text}: no such file")
    data = path.read_bytes()
    report = datasets.analyze(
        data, method="dpo" if method == "dpo" else "supervised", role="validation" if role == "validation" else "train"
    )
    if method is None and report.stats is not None and report.format == "dpo":
        report = datasets.analyze(data, method="dpo", role="validation" if role == "validation" else "train")
    if not report.usable:
        first = next(issue for issue in report.issues if issue.code in datasets.UNUSABLE_CODES)
        return _fail(f"{path_text}: {first.message} {first.hint}")
    if report.errors:
        print(readable(path_text, report), file=sys.stderr)
        print(f"finetune-guide lab: {path_text} has errors; fix them (see above) and run again.", file=sys.stderr)
        return EXIT_FINDINGS
    chosen = method or ("dpo" if report.format == "dpo" else "sft")
    return chosen, report.stats.examples if report.stats else report.examples


def run_train(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    for name, low in (("epochs", 1), ("batch_size", 1), ("lora_rank", 1), ("max_length", 16)):
        if getattr(args, name) < low:
            return _fail(f"--{name.replace('_', '-')} must be at least {low}.")
    if not 0 < args.learning_rate < 1:
        return _fail("--learning-rate must be between 0 and 1 (LoRA usually trains well at 1e-4 to 2e-4).")
    checked = _checked_data(args.data, method=args.method, role="train")
    if isinstance(checked, int):
        return checked
    method, _examples = checked
    if args.validation:
        validation = _checked_data(args.validation, method=method, role="validation")
        if isinstance(validation, int):
            return validation
    output = Path(args.output).resolve()
    run = output / RUN_SUBFOLDER
    if run.exists():
        shutil.rmtree(run)
    spec = TrainingSpec(
        model=args.model,
        training_file=str(Path(args.data).resolve()),
        validation_file=str(Path(args.validation).resolve()) if args.validation else None,
        output_dir=str(run),
        method=method,  # type: ignore[arg-type]
        epochs=args.epochs,
        learning_rate=args.learning_rate,
        batch_size=args.batch_size,
        lora_rank=args.lora_rank,
        lora_alpha=args.lora_alpha or 2 * args.lora_rank,
        max_seq_length=args.max_length,
        seed=args.seed,
        device=args.device,
    )
    spec.write(run)
    from finetune_guide.lab import runner  # noqa: PLC0415 - only this command starts processes

    process = runner.start_training(run, threads=0)
    end = _follow(run, process, out, as_json=args.json)
    if end is None:
        return EXIT_INTERRUPTED
    if end.get("kind") != "succeeded":
        message = end.get("message") or runner.exit_description(process.returncode)
        print(f"finetune-guide lab: training {end.get('kind', 'failed')}: {message}", file=sys.stderr)
        return EXIT_TRAINING_FAILED
    for item in (run / ADAPTER_DIR).iterdir():
        target = output / item.name
        if target.is_dir():
            shutil.rmtree(target)
        shutil.move(str(item), target)
    if not args.json:
        print(f"Adapter saved in {output} (adapter_config.json, adapter_model.safetensors).", file=out)
        print(f'Try it: finetune-guide lab chat {output} "your question"', file=out)
    return EXIT_OK


def _follow(run: Path, process: Any, out: TextIO, *, as_json: bool) -> dict[str, Any] | None:
    """Print progress until the run ends; Ctrl-C asks the worker to stop and save, a second Ctrl-C kills it."""
    offset, end = 0, None
    interrupted = False
    while True:
        try:
            lines, offset = read_progress(run / PROGRESS_FILE, start=offset)
            for line in lines:
                _show(line, out, as_json=as_json)
                if line.get("kind") in TERMINAL_KINDS:
                    end = line
            if process.poll() is not None:
                lines, offset = read_progress(run / PROGRESS_FILE, start=offset)
                for line in lines:
                    _show(line, out, as_json=as_json)
                    end = line if line.get("kind") in TERMINAL_KINDS else end
                if not as_json:
                    print(file=out)
                return None if interrupted and end is None else (end or {"kind": "failed"})
            time.sleep(0.2)
        except KeyboardInterrupt:
            if interrupted:
                from finetune_guide.lab import runner  # noqa: PLC0415

                runner.stop_now(process.pid)
                process.wait()
                return None
            interrupted = True
            (run / CANCEL_FILE).touch()
            print("\nStopping after this step and saving a checkpoint (Ctrl-C again to stop now)…", file=sys.stderr)


def _show(line: dict[str, Any], out: TextIO, *, as_json: bool) -> None:
    if as_json:
        if line.get("kind") == "step":
            print(json.dumps({**line, "loss": line.get("loss")}), file=out, flush=True)
        elif line.get("kind") in {"eval", "started", *TERMINAL_KINDS}:
            print(json.dumps(line), file=out, flush=True)
        return
    kind = line.get("kind")
    if kind == "loading":
        print(f"Loading {line.get('model')} {('(' + line['note'] + ')') if line.get('note') else ''}", file=out)
    elif kind == "started":
        print(f"Training on {line.get('device')}: {line.get('total_steps')} steps", file=out)
    elif kind == "step":
        step, total = int(line.get("step") or 0), int(line.get("total_steps") or 1)
        filled = int(30 * step / max(1, total))
        speed = line.get("tokens_per_s")
        rate = f" {speed:,.0f} tokens/s" if isinstance(speed, int | float) else ""
        loss = line.get("loss")
        loss_text = f" loss {loss:.4f}" if isinstance(loss, int | float) else ""
        print(
            f"\r[{'#' * filled}{'.' * (30 - filled)}] {step}/{total}{loss_text}{rate}   ", end="", file=out, flush=True
        )
    elif kind == "eval":
        print(f"\n  validation loss {line.get('valid_loss')}", file=out)
    elif kind == "failed":
        print(f"\nFailed: {line.get('message')}", file=out)


def run_chat(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    from finetune_guide.lab import runner  # noqa: PLC0415

    target = Path(args.model)
    model, adapter = args.model, None
    if (target / "adapter_config.json").is_file():
        config = json.loads((target / "adapter_config.json").read_text(encoding="utf-8"))
        model, adapter = str(config.get("base_model_name_or_path") or "tiny"), str(target.resolve())
    elif target.exists() and not (target / "config.json").is_file():
        return _fail(f"{args.model}: neither an adapter folder (adapter_config.json) nor a model folder (config.json)")
    messages = ([{"role": "system", "content": args.system}] if args.system else []) + [
        {"role": "user", "content": args.prompt}
    ]
    worker = runner.ChatWorker(threads=0)
    try:
        answer = worker.ask(
            {
                "model": model,
                "adapter": adapter,
                "messages": messages,
                "max_tokens": args.max_tokens,
                "temperature": args.temperature,
                "seed": 0,
            }
        )
    finally:
        worker.close()
    if "error" in answer:
        return _fail(str(answer["error"].get("message") if isinstance(answer["error"], dict) else answer["error"]))
    print(answer.get("text", ""), file=out)
    return EXIT_OK


def run_merge(args: argparse.Namespace) -> int:
    import subprocess  # noqa: PLC0415

    from finetune_guide.lab import runner  # noqa: PLC0415

    if not (Path(args.adapter) / "adapter_config.json").is_file():
        return _fail(f"{args.adapter}: not an adapter folder (no adapter_config.json)")
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", runner.WORKER_MODULE, "merge", args.adapter, args.output],
        env=runner.worker_environment(0),
        check=False,
    )
    if done.returncode != 0:
        return _fail("merging failed; see the message above.")
    print(f"Merged model saved in {args.output}.")
    return EXIT_OK


def run_serve(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    from finetune_guide.lab.server import server  # noqa: PLC0415 - uvicorn only for this command
    from finetune_guide.lab.service import LabService  # noqa: PLC0415
    from finetune_guide.sandbox.server import is_loopback  # noqa: PLC0415

    if not 0 <= args.port <= 65535:
        return _fail(f"--port must be between 0 and 65535, not {args.port}.")
    if not args.allow_remote and not is_loopback(args.host):
        return _fail(
            f"refusing to listen on {args.host}: the lab serves only this computer unless you pass "
            "--allow-remote (a workshop room)."
        )
    lab = LabService(device=args.device)
    log = None if args.quiet else (lambda line: print(line, file=out, flush=True))
    url = f"http://{args.host}:{args.port}/v1"
    print(f"Local lab listening on {url} (device: {args.device}). Press Ctrl-C to stop.", file=out)
    print(
        f'In the app: Connect -> Local, server URL {url}. With the SDK: OpenAI(base_url="{url}", '
        'api_key="<a name of your own>"). Each key is its own private lab.',
        file=out,
        flush=True,
    )
    try:
        server(lab, args.host, args.port, log=log).run()
    except KeyboardInterrupt:
        pass  # uvicorn has shut down gracefully and re-raised the signal: Ctrl-C is how an operator stops it
    finally:
        lab.close()
    print("Lab stopped.", file=out, flush=True)
    return EXIT_OK
