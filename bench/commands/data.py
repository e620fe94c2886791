"""``bench data``: write the synthetic set, build a protocol manifest, check a DnR folder,
download the real data.

    bench data synth --out DIR [--seed N]
    bench data manifest --root DIR --split val|test --protocol authors|corrected [--out FILE]
    bench data check --root DIR [--folders cv tt] [--headers-only]
    bench data fetch dnr --to DIR [--dry-run] [--retries N] [--delete-archives] [--headers-only]
"""

from __future__ import annotations

import argparse

from bench.commands import COMMANDS
from bench.commands.options import checked, integer
from bench.util.writable import check_out_file, check_out_folder


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
    synth.add_argument("--out", required=True, type=checked(check_out_folder), help="folder to write (created)")
    synth.add_argument("--seed", type=integer(0), default=0, help="random seed (default 0)")
    synth.add_argument("--workers", type=integer(1), default=None,
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
    manifest.add_argument("--out", type=checked(check_out_file), default=None, help="also write the manifest (.csv or .parquet)")
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

    add_fetch_parser(actions)


def add_fetch_parser(actions: argparse._SubParsersAction) -> None:
    """``bench data fetch NAME --to DIR``."""
    from bench.fetch.cli import add_download_options
    from bench.fetch.datasets import DATASETS
    from bench.fetch.zenodo import ZENODO_URL_ENV

    fetch = actions.add_parser(
        "fetch", help="download, verify and extract a dataset (dnr: DnR v2 from Zenodo)",
        description="Asks the dataset's Zenodo record for its files and checksums, checks the "
                    "free space, downloads the archives (resumable: run it again after an "
                    "interruption), verifies each checksum, extracts safely into DIR/tr, cv, tt "
                    "and runs `bench data check` on DIR.",
        epilog=f"datasets: {'; '.join(f'{n}: {d.description}' for n, d in DATASETS.items())}. "
               f"{ZENODO_URL_ENV}=URL replaces https://zenodo.org (a mirror).")
    fetch.add_argument("dataset", choices=DATASETS.names(), help="dataset name")
    fetch.add_argument("--to", required=True, help="folder to fill (created; archives go to DIR/downloads)")
    fetch.add_argument("--dry-run", action="store_true",
                       help="only print the record's files, sizes and the space needed")
    fetch.add_argument("--delete-archives", action="store_true",
                       help="remove DIR/downloads once the data is extracted")
    fetch.add_argument("--headers-only", action="store_true",
                       help="final check reads headers only (fast; skips the silent-stem test)")
    add_download_options(fetch)
    fetch.set_defaults(handler=run_fetch)


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
    return report_problems(args.root, args.folders, args.headers_only)


def report_problems(root: str, folders: list[str], headers_only: bool) -> int:
    """Prints every problem of the DnR folder ``root``; 1 when there is any, else 0."""
    from bench.data.check import check_dataset

    problems = check_dataset(root, folders, read_audio_data=not headers_only,
                             progress=_progress("check"))
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {root}")
        return 1
    print(f"{root}: no problem found in {', '.join(folders)}")
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    from bench.fetch.cli import download_options
    from bench.fetch.datasets import DATASETS, fetch_dataset

    root = fetch_dataset(args.dataset, args.to, download_options(args),
                         dry_run=args.dry_run, delete_archives=args.delete_archives)
    if args.dry_run:
        return 0
    return report_problems(str(root), list(DATASETS.get(args.dataset).folders), args.headers_only)
