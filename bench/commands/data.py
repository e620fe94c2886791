"""``bench data``: write the synthetic set, build a protocol manifest, check a DnR folder.

    bench data synth --out DIR [--seed N]
    bench data manifest --root DIR --split val|test --protocol authors|corrected [--out FILE]
    bench data check --root DIR [--folders cv tt] [--headers-only]
"""

from __future__ import annotations

import argparse

from bench.commands import COMMANDS


@COMMANDS.register("data")
def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "data", help="DnR data: synthetic set, protocol manifests, dataset checks",
        description="Write the built-in synthetic DnR-like set, build the evaluation manifest of "
                    "a split under a protocol, or check a DnR folder for problems.")
    actions = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)

    synth = actions.add_parser("synth", help="write the synthetic DnR-like dataset",
                               description="Write tr/, cv/, tt/ of the synthetic DnR-like set "
                                           "(44.1 kHz, DnR layout) under --out.")
    synth.add_argument("--out", required=True, help="folder to write (created)")
    synth.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    synth.add_argument("--workers", type=int, default=None,
                       help="parallel processes (default: CPU count, at most 8)")
    synth.set_defaults(handler=run_synth)

    manifest = actions.add_parser("manifest", help="build (or read the cached) manifest of a split",
                                  description="Trim, chunk and activity-filter a split as the "
                                              "paper's protocol does; print a summary.")
    manifest.add_argument("--root", default=None,
                          help="DnR-layout root (default: the built-in synthetic set)")
    manifest.add_argument("--split", choices=["val", "test"], required=True)
    manifest.add_argument("--protocol", default="corrected",
                          help="authors (test reads cv/, as published) or corrected (test reads "
                               "tt/); default corrected")
    manifest.add_argument("--out", default=None, help="also write the manifest (.csv or .parquet)")
    manifest.add_argument("--with-dropped", action="store_true",
                          help="write dropped chunks too (columns kept, drop_reason)")
    manifest.set_defaults(handler=run_manifest)

    check = actions.add_parser("check", help="report every problem of a DnR folder",
                               description="One line per problem (file, problem, fix); exit "
                                           "status 1 when there is any.")
    check.add_argument("--root", required=True, help="DnR-layout root")
    check.add_argument("--folders", nargs="+", default=["tr", "cv", "tt"],
                       help="folders to check (default: tr cv tt)")
    check.add_argument("--headers-only", action="store_true",
                       help="read headers only (fast; skips the silent-stem test)")
    check.set_defaults(handler=run_check)


def run_synth(args: argparse.Namespace) -> int:
    import time

    from bench.data.synth import SynthConfig, write_synthetic_dnr

    config = SynthConfig(seed=args.seed)
    began = time.perf_counter()
    out = write_synthetic_dnr(args.out, config, workers=args.workers)
    counts = ", ".join(f"{folder}: {n} x {s:g} s" for folder, (n, s) in config.folders().items())
    print(f"wrote {out} ({counts}; 44.1 kHz; seed {args.seed}) in {time.perf_counter() - began:.1f} s")
    return 0


def _progress(desc: str):
    import sys

    from tqdm import tqdm

    return lambda items: tqdm(items, desc=desc, unit="track", disable=not sys.stderr.isatty())


def run_manifest(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bench.util.atomic import atomic_write_frame
    from bench.data.manifest import manifest_details, manifest_summary
    from bench.data.protocol import get_protocol
    from bench.data.synth import default_synth_root

    protocol = get_protocol(args.protocol)
    root = Path(args.root) if args.root else default_synth_root()
    frame, meta = manifest_details(root, args.split, protocol, progress=_progress("manifest"))
    summary = manifest_summary(frame, meta["n_tracks"])
    print(f"{root}  split {args.split} (reads {meta['folder']}/), protocol {protocol.name}")
    print(f"clips {summary['clips']} of {summary['chunks']} chunks from {summary['tracks']} tracks "
          f"({summary['hours']:.3f} h; {summary['tracks_without_clips']} tracks give none)")
    if summary["dropped"]:
        by_stem = ", ".join(f"{stem} {n}" for stem, n in summary["dropped_by_stem"].items() if n)
        print(f"dropped {sum(summary['dropped'].values())} chunks: under "
              f"{protocol.manifest_min_active:.0%} active frames in {by_stem}")
        for reason, count in summary["dropped"].items():
            print(f"  {count:6d}  {reason}")
    else:
        print("dropped 0 chunks")
    print(f"dataset hash {meta['dataset_hash'][:16]}")
    if args.out:
        out = frame if args.with_dropped else frame[frame["kept"]].drop(columns=["kept", "drop_reason"])
        atomic_write_frame(out.reset_index(drop=True), args.out)
        print(f"wrote {args.out}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from bench.data.check import check_dataset

    problems = check_dataset(args.root, args.folders, read_audio_data=not args.headers_only,
                             progress=_progress("check"))
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {args.root}")
        return 1
    print(f"{args.root}: no problem found in {', '.join(args.folders)}")
    return 0
