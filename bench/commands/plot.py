"""``bench plot``: seaborn figures of a run (PNG and PDF)."""

from __future__ import annotations

import argparse

from bench.commands import COMMANDS
from bench.commands.options import checked
from bench.util.writable import check_out_folder


@COMMANDS.register("plot")
def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("plot", help="draw a run's figures (PNG and PDF)")
    parser.add_argument("--run", default=None, help="run folder; default: the latest complete run")
    parser.add_argument("--out", type=checked(check_out_folder), default=None, help="output folder; default: RUN/plots")
    parser.add_argument("--plot", action="append", default=None,
                        help="only these plots (distributions, ood-heatmap, throughput, "
                             "paired-differences)")
    parser.add_argument("--models", nargs="+", default=None, metavar="LABEL",
                        help="only these models; the first is A of the paired differences "
                             "(B - A per clip; default: the run's first model)")
    parser.set_defaults(handler=run_plot)


def run_plot(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sdcodec.core.errors import BenchError
    from bench.reporting.plots import make_plots
    from bench.reporting.report import latest_run

    run = Path(args.run) if args.run else latest_run()
    written = make_plots(run, args.out or run / "plots", args.plot, args.models)
    if not written:
        raise BenchError(f"{run}: nothing to plot (no rows for any figure)")
    for path in written:
        print(path)
    return 0
