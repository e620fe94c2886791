"""``bench models``: every registered model family's presets, with parameter counts (total and
per part), and each family's extra columns (nominal bitrate and GMACs/s for the codecs)."""

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
    return 0
