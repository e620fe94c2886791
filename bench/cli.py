"""Entry point of the ``bench`` console script."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext

from bench import __version__
from bench.commands import discover
from bench.commands.options import OneLineParser
from sdcodec.core.errors import BenchError


def build_parser() -> argparse.ArgumentParser:
    """The ``bench`` parser with every discovered sub-command."""
    parser = OneLineParser(
        prog="bench",
        description="SD-Codec benchmark: data, metrics, models, suites, tables and drift checks.",
    )
    parser.add_argument("--version", action="version", version=f"sdbench {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for _, add_parser in discover().items():
        add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one ``bench`` command; user errors print one line and return status 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2  # a usage error (exit 1 means "bench check found drift")
    try:
        with _trusting(getattr(args, "trust_checkpoint", None)):
            return int(handler(args) or 0)
    except BenchError as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted; finished results are kept, run again to resume", file=sys.stderr)
        return 130


def _trusting(paths: Sequence[str] | None) -> AbstractContextManager:
    """The files of ``--trust-checkpoint`` trusted for the command (none: nothing to import)."""
    if not paths:
        return nullcontext()
    from sdcodec.checkpoint_trust import trusted_checkpoints

    return trusted_checkpoints(paths)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
