"""Drift checks: compare a run's summary with a reference results file.

A metric's mean *drifts* when it moves by more than its absolute tolerance or by more than a
number of standard errors of the reference (``sem``). Both thresholds are per metric; the
defaults are tight because the embedded default run is deterministic on CPU, so any real change
to a model, a metric or the data shows up. ``bench check --update`` rewrites the reference from a
run, deliberately.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from bench.util.atomic import atomic_write_frame
from sdcodec.core.errors import BenchError
from bench.results.summary import GROUP_COLUMNS

#: Absolute tolerance per metric, in the metric's unit (dB for SI-SDR, MOS for ViSQOL, ...).
DEFAULT_ABS_TOLERANCE: dict[str, float] = {
    "si_sdr": 0.02, "si_sdri": 0.02, "visqol": 0.01, "pesq": 0.01,
    "mel_distance": 0.005, "stft_distance": 0.005,
}
#: Tolerance in standard errors of the reference mean, for every metric.
DEFAULT_SE_TOLERANCE = 0.25
FALLBACK_ABS_TOLERANCE = 0.01


@dataclass(frozen=True)
class Tolerance:
    """``absolute`` in the metric's unit; ``standard_errors`` in units of the reference's sem."""

    absolute: float
    standard_errors: float


def parse_tolerance(spec: str) -> tuple[str, float, float | None]:
    """``METRIC=ABS[:SE]`` -> (metric, absolute, standard errors or None); both numbers finite
    and >= 0 (a NaN tolerance would pass every change, a negative one fail every metric)."""
    try:
        metric, value = spec.split("=", 1)
        absolute, _, se = value.partition(":")
        numbers = (float(absolute), float(se) if se else None)
    except ValueError:
        raise BenchError(f"bad --tolerance {spec!r}; expected METRIC=ABS or METRIC=ABS:SE") from None
    if not metric or any(n is not None and not (math.isfinite(n) and n >= 0) for n in numbers):
        raise BenchError(f"bad --tolerance {spec!r}; the metric is named and ABS and SE are finite "
                         "numbers >= 0")
    return metric, *numbers


def parse_tolerances(specs: list[str] | None) -> dict[str, Tolerance]:
    """Tolerances per metric (key ``*``: any other metric) from the defaults and ``specs``.

    A spec is ``METRIC=ABS`` or ``METRIC=ABS:SE``; ``*=ABS[:SE]`` replaces every default first.
    """
    given: dict[str, tuple[float, float | None]] = {}
    for spec in specs or []:
        metric, absolute, se = parse_tolerance(spec)
        given[metric] = (absolute, se)
    tolerances = {m: Tolerance(v, DEFAULT_SE_TOLERANCE) for m, v in DEFAULT_ABS_TOLERANCE.items()}
    tolerances["*"] = Tolerance(FALLBACK_ABS_TOLERANCE, DEFAULT_SE_TOLERANCE)
    if "*" in given:
        absolute, se = given.pop("*")
        tolerances = {m: Tolerance(absolute, DEFAULT_SE_TOLERANCE if se is None else se) for m in tolerances}
    for metric, (absolute, se) in given.items():
        base = tolerances.get(metric, tolerances["*"])
        tolerances[metric] = Tolerance(absolute, base.standard_errors if se is None else se)
    return tolerances


def compare(summary: pd.DataFrame, reference: pd.DataFrame,
            tolerances: dict[str, Tolerance]) -> pd.DataFrame:
    """One row per reference entry: both means, the change, thresholds and a ``status``.

    ``status`` is ``ok``, ``drift`` (moved beyond a tolerance), ``missing`` (in the reference,
    not in the run) or ``new`` (in the run, not in the reference; reported, not a failure).
    """
    merged = reference.merge(summary, on=GROUP_COLUMNS, how="outer", suffixes=("_ref", "_run"),
                             indicator=True)
    records = []
    for row in merged.to_dict("records"):
        tol = tolerances.get(row["metric"], tolerances["*"])
        delta = row["mean_run"] - row["mean_ref"]
        sem = row.get("sem_ref", float("nan"))
        in_se = abs(delta) / sem if sem and not math.isnan(sem) and sem > 0 else float("nan")
        if row["_merge"] == "left_only":
            status = "missing"
        elif row["_merge"] == "right_only":
            status = "new"
        elif math.isnan(row["mean_ref"]) and math.isnan(row["mean_run"]):
            status = "ok"
        elif math.isnan(delta):
            status = "drift"
        elif abs(delta) > tol.absolute or (not math.isnan(in_se) and in_se > tol.standard_errors):
            status = "drift"
        else:
            status = "ok"
        n_changed = row["_merge"] == "both" and row.get("n_run") != row.get("n_ref")
        if n_changed:
            status = "drift"
        records.append({**{c: row[c] for c in GROUP_COLUMNS},
                        "reference": row["mean_ref"], "run": row["mean_run"], "delta": delta,
                        "delta_se": in_se, "tol_abs": tol.absolute, "tol_se": tol.standard_errors,
                        "n_ref": row.get("n_ref"), "n_run": row.get("n_run"), "status": status})
    return pd.DataFrame(records)


#: Columns of a reference file that must hold numbers (empty cells read as NaN).
NUMERIC_COLUMNS = ("mean", "std", "sem", "n", "n_skipped")


def read_reference(path: str | Path) -> pd.DataFrame:
    """A reference results file (a summary CSV); a ``BenchError`` (one line naming the file and
    the fix) when it is missing, empty, not CSV, lacks columns or rows, holds a value that is
    not a number in a numeric column, or lists one metric twice."""
    path = Path(path)
    if not path.is_file():
        raise BenchError(f"{path}: no such reference file (create it with `bench check --update`)")
    fix = "regenerate it with `bench check --update --baseline FILE --run RUN`"
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise BenchError(f"{path}: empty file, not a results summary ({fix})") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
        reason = " ".join(str(error).split())
        raise BenchError(f"{path}: not a readable CSV results summary ({reason}; {fix})") from None
    missing = [c for c in GROUP_COLUMNS + ["mean", "n"] if c not in frame.columns]
    if missing:
        raise BenchError(f"{path}: not a results summary (missing columns {', '.join(missing)})")
    if frame.empty:
        raise BenchError(f"{path}: holds a header but no metric rows, so it checks nothing ({fix})")
    for column in (c for c in NUMERIC_COLUMNS if c in frame.columns):
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna()
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise BenchError(f"{path}: line {row + 2}: {column} {frame[column].iloc[row]!r} is not a "
                             f"number ({fix})")
        frame[column] = values
    blank = frame[GROUP_COLUMNS].isna().any(axis=1)
    if blank.any():
        raise BenchError(f"{path}: line {int(blank.to_numpy().argmax()) + 2}: an empty "
                         f"{'/'.join(GROUP_COLUMNS)} cell ({fix})")
    repeated = frame.duplicated(GROUP_COLUMNS)
    if repeated.any():
        raise BenchError(f"{path}: line {int(repeated.to_numpy().argmax()) + 2} repeats a "
                         f"({', '.join(GROUP_COLUMNS)}) of an earlier line ({fix})")
    return frame


def _describe(frame: pd.DataFrame) -> str:
    return (f"models {', '.join(map(str, frame['model'].unique()))}; "
            f"metrics {', '.join(map(str, frame['metric'].unique()))}")


def _keys(frame: pd.DataFrame) -> set[tuple[str, ...]]:
    return set(map(tuple, frame[GROUP_COLUMNS].astype(str).to_numpy().tolist()))


def require_overlap(summary: pd.DataFrame, reference: pd.DataFrame, baseline: str | Path,
                    run: str | Path) -> None:
    """A ``BenchError`` when the run and the reference share no (model, task, input, output,
    metric): a check that compares nothing must not pass (an input error, not drift)."""
    if not _keys(summary) & _keys(reference):
        raise BenchError(f"{baseline}: shares no (model, task, input, output, metric) with the run "
                         f"{run} (reference: {_describe(reference)}; run: {_describe(summary)}); "
                         "pass the reference of this suite and these models")


def write_reference(summary: pd.DataFrame, path: str | Path) -> Path:
    """Writes a summary as the new reference (atomically)."""
    return atomic_write_frame(summary, path)


def format_report(report: pd.DataFrame, only_problems: bool = True) -> str:
    """A fixed-width table of what moved (or of everything)."""
    shown = report[report["status"] != "ok"] if only_problems else report
    if shown.empty:
        return ""
    columns = GROUP_COLUMNS + ["reference", "run", "delta", "delta_se", "tol_abs", "status"]
    return shown[columns].to_string(index=False, float_format=lambda v: f"{v:.4f}")
