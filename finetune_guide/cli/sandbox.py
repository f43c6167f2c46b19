"""`finetune-guide sandbox`: serve the simulated fine-tuning API on this computer, in both dialects."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from finetune_guide.cli import EXIT_OK, EXIT_UNUSABLE_INPUT


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sandbox",
        help="serve the fine-tuning sandbox over HTTP (OpenAI and Azure OpenAI dialects)",
        description=(
            "Serve a simulated fine-tuning API (files, jobs, events, checkpoints, models, chat) on this "
            "computer. Nothing is trained and nothing is billed; each API key gets its own private data."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (default: 8765; 0 = any free)")
    parser.add_argument("--fast", action="store_true", help="finish jobs within 5 seconds instead of about 45")
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (anyone who can reach it can use the sandbox)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    # Imported here, not at the top: the sandbox pulls in the openai SDK, and `check` and `estimate` share this
    # parser, so a top-level import would slow every command by half a second.
    from finetune_guide.sandbox.server import SandboxServer, is_loopback  # noqa: PLC0415

    out = out or sys.stdout
    err = sys.stderr if out is sys.stdout else out
    if not 0 <= args.port <= 65535:
        print(f"error: --port must be between 0 and 65535, not {args.port}.", file=err)
        return EXIT_UNUSABLE_INPUT
    if not args.allow_remote and not is_loopback(args.host):
        print(
            f"error: refusing to listen on {args.host}: the sandbox serves only this computer. "
            "Use --host 127.0.0.1, or add --allow-remote to share it on your network (a workshop).",
            file=err,
        )
        return EXIT_UNUSABLE_INPUT
    log = None if args.quiet else (lambda line: print(line, file=out, flush=True))
    try:
        server = SandboxServer(
            args.host,
            args.port,
            speed="fast" if args.fast else "demo",
            allow_remote=args.allow_remote,
            log=log,
        )
    except OSError as error:
        print(
            f"error: cannot listen on {args.host}:{args.port} ({error.strerror or error}). "
            "Is another sandbox running? Choose another port with --port.",
            file=err,
        )
        return EXIT_UNUSABLE_INPUT
    print(usage_text(server.url, fast=args.fast, remote=not is_loopback(args.host)), file=out, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nSandbox stopped.", file=out, flush=True)
    finally:
        server.close()
    return EXIT_OK


def usage_text(url: str, *, fast: bool, remote: bool = False) -> str:
    from finetune_guide.providers import DEFAULT_AZURE_API_VERSION  # noqa: PLC0415 (see run)

    """What the operator needs to point the app or the SDK at a running sandbox."""
    pace = "fast: a job finishes within 5 s" if fast else "demo pace: a 10-example job takes about 45 s"
    lines = [
        f"Fine-tuning sandbox listening on {url} ({pace}). Press Ctrl-C to stop.",
        "Nothing is trained or billed. Any key works, and each key sees only its own files and jobs.",
        "",
        f"OpenAI dialect   base URL {url}/v1   (Authorization: Bearer <key>)",
        "    from openai import OpenAI",
        f'    client = OpenAI(base_url="{url}/v1", api_key="<a key of your own, e.g. your name>")',
        "",
        f"Azure dialect    endpoint {url}   (api-key header, api-version query)",
        "    from openai import AzureOpenAI",
        f'    client = AzureOpenAI(azure_endpoint="{url}", api_key="<your key>", '
        f'api_version="{DEFAULT_AZURE_API_VERSION}")',
        f"Azure v1 API     base URL {url}/openai/v1/",
        "",
        f"In the app: Connection -> OpenAI, base URL {url}/v1 and any key; or Azure OpenAI, endpoint {url}.",
        f'Rehearse faults: POST {url}/v1/sandbox/settings with {{"scenario": "refused_403"}} '
        "(also rate_limited_429, server_error_500, slow_queue, fail_mid_training, normal).",
    ]
    if remote:
        lines.append(
            "Warning: listening beyond this computer. Anyone who can reach it can use the sandbox; keys "
            "separate users' data but are not passwords."
        )
    return "\n".join(lines)
