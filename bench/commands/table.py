"""``bench table``: the paper's table layouts from one or more runs."""

from __future__ import annotations

import argparse

from bench.commands import COMMANDS


@COMMANDS.register("table")
def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "table", help="render a run's results in the paper's table layouts",
        description="Render runs as the paper's tables (mean ± std over clips, best in bold).",
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
    parser.add_argument("--out", default=None, help="write to this file instead of stdout")
    parser.set_defaults(handler=run_table)


def run_table(args: argparse.Namespace) -> int:
    from bench.reporting.report import render_tables

    text = render_tables(args.run, args.format, args.layout, args.paper)
    if args.out:
        from bench.util.atomic import atomic_write_text

        atomic_write_text(args.out, text)
        print(f"wrote {args.out}")
    else:
        print(text, end="")
    return 0
