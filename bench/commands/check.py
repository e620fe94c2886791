"""``bench check``: fail when a run's metrics drift from a reference results file."""

from __future__ import annotations

import argparse

from bench.commands import COMMANDS
from bench.commands.options import checked


@COMMANDS.register("check")
def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check", help="compare a run with a reference; exit 1 when a metric drifted",
        description="Compare a run's per-metric means with a reference results file. Exits 1 "
                    "when any mean moved beyond its tolerance (absolute, or in standard errors "
                    "of the reference), printing what moved; exits 2 (input error, never 1) when "
                    "the reference is missing, empty, malformed or shares no metric with the run.",
    )
    parser.add_argument("--baseline", required=True, help="reference results file (summary CSV)")
    parser.add_argument("--run", default=None, help="run folder; default: the latest complete run")
    parser.add_argument("--tolerance", action="append", type=checked(_tolerance), default=None,
                        metavar="METRIC=ABS[:SE]",
                        help="override a metric's tolerance (repeatable; '*' for every metric)")
    parser.add_argument("--update", action="store_true",
                        help="write the run's summary as the new reference instead of checking")
    parser.add_argument("--all", action="store_true", help="print every compared metric")
    parser.set_defaults(handler=run_check)


def _tolerance(spec: str) -> object:
    from bench.results.drift import parse_tolerance

    return parse_tolerance(spec)


def run_check(args: argparse.Namespace) -> int:
    from bench.reporting.report import latest_run, run_summary
    from bench.results.drift import (compare, format_report, parse_tolerances, read_reference,
                                     require_overlap, write_reference)
    from sdcodec.core.errors import BenchError

    run = args.run or str(latest_run())
    summary, _ = run_summary(run)
    if summary.empty:
        raise BenchError(f"{run}: the run holds no scored metric to check or to write as a reference")
    if args.update:
        write_reference(summary, args.baseline)
        print(f"reference {args.baseline} updated from {run} ({len(summary)} metrics)")
        return 0
    reference = read_reference(args.baseline)
    require_overlap(summary, reference, args.baseline, run)
    report = compare(summary, reference, parse_tolerances(args.tolerance))
    bad = report[report["status"].isin(["drift", "missing"])]
    text = format_report(report, only_problems=not args.all)
    if text:
        print(text)
    if len(bad):
        print(f"bench check: {len(bad)} of {len(report)} metrics drifted from {args.baseline} "
              "(update deliberately with --update)")
        return 1
    print(f"bench check: {len(report)} metrics within tolerance of {args.baseline}")
    return 0
