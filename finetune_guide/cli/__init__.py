"""The `finetune-guide` command: a thin adapter over the core (check, estimate, sandbox, lab)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from finetune_guide import __version__

# Each module registers one subcommand through register(subparsers) and sets args.handler.
COMMAND_MODULES: tuple[str, ...] = ("check", "estimate", "sandbox", "lab")

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_UNUSABLE_INPUT = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="finetune-guide",
        description="Check fine-tuning data, estimate its cost, run the fine-tuning sandbox, and fine-tune locally.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"finetune_guide.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
