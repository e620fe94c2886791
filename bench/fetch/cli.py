"""Command-line options shared by ``bench data fetch`` and ``bench models fetch``."""

from __future__ import annotations

import argparse

from bench.fetch.http import DownloadOptions


def add_download_options(parser: argparse.ArgumentParser) -> None:
    """``--retries N`` (automatic resumptions after a dropped connection)."""
    parser.add_argument("--retries", type=int, default=DownloadOptions.retries,
                        help="automatic resumptions after a dropped connection "
                             f"(default {DownloadOptions.retries})")


def download_options(args: argparse.Namespace) -> DownloadOptions:
    """``DownloadOptions`` from the parsed options; ``ConfigError`` for a negative count."""
    from sdcodec.core.errors import ConfigError

    if args.retries < 0:
        raise ConfigError(f"--retries {args.retries}: give 0 or more")
    return DownloadOptions(retries=args.retries)
