"""``bench run``: run a suite and print its tables."""

from __future__ import annotations

import argparse

from bench.commands import COMMANDS, add_trust_checkpoint_option
from bench.commands.options import checked, integer, integers, reals


@COMMANDS.register("run")
def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from bench.engine.devices import check_device
    from bench.suites import discover
    from bench.util.writable import check_out_folder

    suites = discover()
    parser = subparsers.add_parser(
        "run", help="run a benchmark suite",
        description="Run a suite; with no --model and no --data it runs the embedded default "
                    "checkpoints on the built-in synthetic DnR-like set. Results go to a run "
                    "folder; an interrupted run resumes where it stopped.",
        epilog="suites: " + "; ".join(f"{name}: {s.description}" for name, s in suites.items()),
    )
    parser.add_argument("--suite", required=True, choices=suites.names())
    parser.add_argument("--model", action="append", default=None, metavar="[LABEL=]SPEC",
                        help="checkpoint (any supported format), embedded or official name "
                             "(sdcodec-tiny, dac-tiny, tdanet-tiny, sdcodec-16k, ...), "
                             "preset:FAMILY/PRESET, py:package.module:factory[,key=value,...], an "
                             "installed plug-in's name, or a cascade SEPARATOR+CODEC; optionally "
                             "labelled (the label may hold '=': '+ shared codebook (S=4)=ckpt.pt'); "
                             "repeatable (docs/api.md)")
    parser.add_argument("--data", default=None, help="DnR root (tr/ cv/ tt/); default: synthetic set")
    parser.add_argument("--split", choices=["val", "test"], default="test")
    parser.add_argument("--protocol", default="corrected", help="authors | corrected")
    parser.add_argument("--metrics", default=None, help="comma-separated metrics (default: the paper's)")
    parser.add_argument("--batch-size", type=integer(1), default=4)
    parser.add_argument("--device", type=checked(check_device), default="cpu", help="cpu, cuda, cuda:1, ...")
    parser.add_argument("--workers", type=integer(0), default=0,
                        help="processes for CPU-bound metrics (0: one per core)")
    parser.add_argument("--loader-workers", type=integer(0), default=0, help="DataLoader workers")
    parser.add_argument("--limit", type=integer(1), default=None,
                        help="only the first N clips (default: all; rate-distortion: 4)")
    parser.add_argument("--batch-sizes", type=integers(1), default=None, help="throughput: comma-separated batch sizes")
    parser.add_argument("--clip-seconds", type=reals(0.0), default=None, help="throughput: comma-separated clip lengths (s)")
    parser.add_argument("--precisions", default=None, help="throughput: fp32,bf16,fp16")
    parser.add_argument("--n-quantizers", type=integers(1), default=None,
                        help="rate-distortion: comma-separated numbers of quantizers to evaluate "
                             "(default: every one each codec offers)")
    parser.add_argument("--out", type=checked(check_out_folder), default=None, help="run folder (default: results/runs/<suite>-...)")
    parser.add_argument("--format", choices=["markdown", "latex", "csv"], default="markdown",
                        help="format of the printed tables")
    parser.add_argument("--paper", action="store_true",
                        help="print the paper's numbers beside ours (a note says when the run's "
                             "protocol is not the paper's)")
    add_trust_checkpoint_option(parser)
    parser.set_defaults(handler=run_suite_command)


def run_suite_command(args: argparse.Namespace) -> int:
    from bench.engine.runconfig import RunConfig
    from bench.engine.runner import run_suite

    config = RunConfig(
        suite=args.suite, models=tuple(args.model or ()), data=args.data, split=args.split,
        protocol=args.protocol,
        metrics=tuple(m.strip() for m in args.metrics.split(",")) if args.metrics else (),
        batch_size=args.batch_size, device=args.device, metric_workers=args.workers,
        loader_workers=args.loader_workers, limit=args.limit,
        batch_sizes=args.batch_sizes or (), clip_seconds=args.clip_seconds or (),
        precisions=tuple(p.strip() for p in args.precisions.split(",")) if args.precisions else (),
        n_quantizers=args.n_quantizers or (),
    )
    run_suite(config, out=args.out, table_format=args.format, paper=args.paper)
    return 0

