"""Entry point of the ``bench`` console script."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

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
        return int(handler(args) or 0)
    except BenchError as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted; finished results are kept, run again to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
