"""``bench models``: every registered model family's presets, with parameter counts (total and
per part), and each family's extra columns (nominal bitrate and GMACs/s for the codecs); then
the official models and whether each is fetched, and the installed plug-ins' models
(``sdbench.models`` entry points).

    bench models [--family NAME] [--format text|markdown|csv|json]
    bench models fetch NAME... [--force] [--retries N] [--drive-run RUN]
"""

from __future__ import annotations

import argparse

from bench.commands import COMMANDS


@COMMANDS.register("models")
def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "models", help="list model families and presets with parameter counts and bitrates",
        description="Builds every preset of every registered model family (on PyTorch's meta "
                    "device: no memory, no weights) and prints parameters in millions, in total "
                    "and per part, plus the family's own columns: nominal bitrate (kbps per "
                    "branch and for all branches) and GMACs per second of audio.",
    )
    parser.add_argument("--family", action="append", default=None, metavar="NAME",
                        help="only this family (repeatable)")
    parser.add_argument("--format", choices=("text", "markdown", "csv", "json"), default="text",
                        help="output format (default: an aligned text table)")
    parser.set_defaults(handler=run_models)
    actions = parser.add_subparsers(dest="models_command", metavar="ACTION")
    add_fetch_parser(actions)


def add_fetch_parser(actions: argparse._SubParsersAction) -> None:
    """``bench models fetch NAME...``."""
    from bench.fetch.cli import add_download_options
    from bench.fetch.models import OFFICIAL_MODELS

    fetch = actions.add_parser(
        "fetch", help="download, verify and cache official models",
        description="Downloads each named official model into the model cache "
                    "($SDBENCH_CACHE/models, default ~/.cache/sdbench/models), loads it strictly "
                    "once to verify it and records its SHA-256; afterwards --model LABEL=NAME "
                    "works wherever a checkpoint path does.",
        epilog="models: " + "; ".join(f"{n}: {m.description}" for n, m in OFFICIAL_MODELS.items()))
    fetch.add_argument("names", nargs="+", metavar="NAME", help="official model names")
    fetch.add_argument("--force", action="store_true", help="fetch again even when already fetched")
    fetch.add_argument("--drive-run", default=None, metavar="RUN",
                       help="the run folder in the authors' Drive folder (when its configuration "
                            "does not tell the runs apart)")
    add_download_options(fetch)
    fetch.set_defaults(handler=run_fetch)


def run_fetch(args: argparse.Namespace) -> int:
    from sdcodec.core.errors import ConfigError
    from bench.fetch.cli import download_options
    from bench.fetch.models import OFFICIAL_MODELS, SourceRequest, fetch_model

    for name in args.names:
        OFFICIAL_MODELS.get(name)  # every name known before anything downloads
    if args.drive_run and len(args.names) != 1:
        raise ConfigError("--drive-run names one run: fetch one model with it")
    request = SourceRequest(download_options(args), args.drive_run)
    for name in args.names:
        fetch_model(name, request, force=args.force)
    return 0


def official_lines() -> list[str]:
    """The official models, one line each: name, family, fetched or the command that fetches it."""
    from bench.fetch.models import models_dir, official_status

    rows = official_status()
    width = max(len(row["name"]) for row in rows)
    lines = [f"official models (cache: {models_dir()}):"]
    for row in rows:
        state = (f"fetched, sha256 {row['sha256'][:16]}" if row["fetched"]
                 else f"not fetched: bench models fetch {row['name']}")
        lines.append(f"  {row['name'].ljust(width)}  {row['family']:<7}  {state}")
    return lines


def _column_name(key: str) -> str:
    return "GMACs/s" if key == "macs_per_second" else key


def _column_value(key: str, value: object) -> object:
    return value / 1e9 if key == "macs_per_second" and isinstance(value, (int, float)) else value


def models_table(families: list[str] | None = None):
    """A pandas DataFrame: family, preset, params (M), one column per part (M), extra columns."""
    import pandas as pd

    from sdcodec.inventory import inventory

    records = []
    for row in inventory(families):
        record: dict[str, object] = {"family": row["family"], "preset": row["preset"], "params (M)": row["params"] / 1e6}
        for part, count in row["parts"].items():
            record[f"{part} (M)"] = count / 1e6
        for key, value in row["extra"].items():
            if key != "params":  # already a column
                record[_column_name(key)] = _column_value(key, value)
        records.append(record)
    return pd.DataFrame.from_records(records)


def _fmt(value: object) -> str:
    import math

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1e4 else f"{value:.4g}"
    return str(value)


def run_models(args: argparse.Namespace) -> int:
    from sdcodec.core.errors import ConfigError
    from sdcodec.families import load_families

    known = load_families().names()
    unknown = sorted(set(args.family or []) - set(known))
    if unknown:
        raise ConfigError(f"unknown model family {', '.join(unknown)}; known: {', '.join(known)}")
    table = models_table(args.family)
    if args.format == "json":
        print(table.to_json(orient="records", indent=2))
    elif args.format == "csv":
        print(table.to_csv(index=False), end="")
    else:
        cells = [[_fmt(v) for v in row] for row in table.itertuples(index=False)]
        headers = list(table.columns)
        widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
        if args.format == "markdown":
            print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |")
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
            for row in cells:
                print("| " + " | ".join(c.rjust(w) for c, w in zip(row, widths)) + " |")
        else:
            print("  ".join(h.rjust(w) for h, w in zip(headers, widths)))
            for row in cells:
                print("  ".join(c.rjust(w) for c, w in zip(row, widths)))
    if args.format in ("text", "markdown"):  # csv and json stay one table
        print()
        print("\n".join(official_lines()))
        print()
        print("\n".join(plugin_lines()))
        print()
        print("\n".join(hf_lines()))
    return 0


def hf_lines() -> list[str]:
    """The transformers codec classes the ``hf:`` source was tested with, those it cannot drive
    (and why), and the installed transformers (read from its metadata, not imported)."""
    from importlib.metadata import PackageNotFoundError, version

    from bench.models.huggingface.kinds import UNSUPPORTED, tested_classes
    from bench.models.huggingface.loading import INSTALL, TESTED_TRANSFORMERS

    try:
        installed = f"transformers {version('transformers')} installed"
    except PackageNotFoundError:
        installed = f"transformers not installed: {INSTALL}"
    lines = [f"Hugging Face codecs (--model LABEL=hf:REPO_ID_OR_FOLDER[@REVISION][,n_quantizers=N|,bandwidth=KBPS]; "
             f"{installed}; tested {TESTED_TRANSFORMERS}):",
             "  tested (tiny random configurations): "
             + ", ".join(f"{model_type} ({cls})" for model_type, cls in tested_classes())]
    return lines + [f"  not supported: {model_type}: {why}" for model_type, why in UNSUPPORTED.items()]


def plugin_lines() -> list[str]:
    """The installed plug-ins' models, one line each: name and factory (package); a name two
    packages claim is flagged (using it is an error)."""
    from bench.models.plugins import ENTRY_POINT_GROUP
    from bench.models.specs import SPEC_SOURCES, sources

    sources()
    named = SPEC_SOURCES.get("plugin").names()
    lines = [f"plug-in models (entry points {ENTRY_POINT_GROUP}; --model NAME):"]
    if not named:
        return lines + ["  none installed (see docs/api.md, 'Evaluate your own model')"]
    width = max(len(model.name) for model in named)
    return lines + [f"  {model.name.ljust(width)}  {model.note}" for model in named]
