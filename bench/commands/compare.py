"""``bench compare``: paired comparison of two models on the clips both scored."""

from __future__ import annotations

import argparse

from bench.commands import COMMANDS
from bench.commands.options import checked
from bench.util.writable import check_out_file


@COMMANDS.register("compare")
def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compare", help="paired differences of two models (B - A) with intervals and tests",
        description="Compare model B with model A on the clips both scored: per task, track and "
                    "metric the mean paired difference B - A with its bootstrap interval "
                    "(resampling tracks), the Wilcoxon signed-rank p-value (of per-track mean "
                    "differences), its Holm adjustment over every printed comparison, the "
                    "rank-biserial effect size, and the clips left out because one model skipped "
                    "them. RUN is a run folder or a suite name (its latest complete run). With "
                    "two runs, models of the same label are compared (or --models A B: A from "
                    "the first run, B from the second); with one run, name the two models.",
    )
    parser.add_argument("runs", nargs="+", metavar="RUN", help="RUN_A [RUN_B]: run folders or suite names")
    parser.add_argument("--models", nargs=2, metavar=("A", "B"), default=None,
                        help="model labels: A (the baseline) and B")
    parser.add_argument("--fail-if-worse", action="append", default=None, metavar="METRIC",
                        help="exit 1 when B is significantly worse than A on METRIC in any "
                             "comparison (after Holm; repeatable)")
    parser.add_argument("--alpha", type=float, default=0.05,
                        help="significance level; intervals are at 1 - alpha (default 0.05)")
    parser.add_argument("--unit", choices=["track", "clip"], default="track",
                        help="what is resampled and tested: tracks (default; the chunks of a "
                             "track are not independent) or clips")
    parser.add_argument("--format", choices=["text", "csv"], default="text")
    parser.add_argument("--out", type=checked(check_out_file), default=None,
                        help="also write the comparisons as CSV to this file")
    parser.set_defaults(handler=run_compare)


def run_compare(args: argparse.Namespace) -> int:
    from bench.reporting.comparison import compare_runs, describe, fail_if_worse, format_text

    result = compare_runs(args.runs, args.models, args.alpha, args.unit, args.fail_if_worse)
    if args.out:
        from bench.util.atomic import atomic_write_frame

        atomic_write_frame(result.comparisons, args.out)
    if args.format == "csv":
        print(result.comparisons.to_csv(index=False), end="")
    else:
        print(describe(result))
        print(format_text(result.comparisons))
    failed = fail_if_worse(result, args.fail_if_worse or [])
    return 1 if failed else 0
