"""``bench table``: the paper's table layouts from one or more runs."""

from __future__ import annotations

import argparse

from bench.commands import COMMANDS
from bench.commands.options import checked
from bench.util.writable import check_out_file


@COMMANDS.register("table")
def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "table", help="render a run's results in the paper's table layouts",
        description="Render runs as the paper's tables (mean ± std over clips, or mean and its "
                    "bootstrap interval; best in bold; optionally marking cells significantly "
                    "better than a reference row).",
    )
    parser.add_argument("--run", action="append", default=None, metavar="RUN_DIR",
                        help="run folder(s); default: the latest complete run")
    parser.add_argument("--format", choices=["markdown", "latex", "csv"], default="markdown")
    parser.add_argument("--layout", default=None,
                        help="table layout (resynthesis, separation, separation-mask, ablation, "
                             "ood-coding); default: the layouts of the runs' suites")
    parser.add_argument("--paper", action="store_true",
                        help="add the paper's published numbers (results/paper/ of the "
                             "repository) and the difference")
    parser.add_argument("--stat", default="mean-std", choices=["mean-std", "ci"],
                        help="cell form: mean-std (mean ± population std, the paper's form; "
                             "default) or ci (mean [low, high], the 95%% bootstrap interval of "
                             "the mean resampling tracks)")
    parser.add_argument("--mark-better-than", default=None, metavar="LABEL",
                        help="mark (dagger) the cells significantly better than the row of "
                             "model LABEL: paired Wilcoxon signed-rank test, Holm-adjusted over "
                             "the table's comparisons")
    parser.add_argument("--alpha", type=float, default=0.05,
                        help="significance level of --mark-better-than (default 0.05)")
    parser.add_argument("--out", type=checked(check_out_file), default=None, help="write to this file instead of stdout")
    parser.set_defaults(handler=run_table)


def run_table(args: argparse.Namespace) -> int:
    from bench.reporting.report import render_tables

    from bench.stats.comparisons import significance_level

    text = render_tables(args.run, args.format, args.layout, args.paper, stat=args.stat,
                         mark_better_than=args.mark_better_than, alpha=significance_level(args.alpha))
    if args.out:
        from bench.util.atomic import atomic_write_text

        atomic_write_text(args.out, text)
        print(f"wrote {args.out}")
    else:
        print(text, end="")
    return 0
