"""The rate-distortion suite's table and figure: quality against nominal kbps per track.

Rows of a rate-distortion run carry the operating point in their task (``rate-distortion@N``,
``bench.engine.tasks.task_label``); each model's manifest entry lists its operating points with
their kbps (``EvalModel.operating_points``). The table has one row per model and operating point
(``DAC (n_q=2)``) with its kbps; the figure one panel per metric and track, one line per model,
x = what coding that input transmits (the mixture: every branch of a disentangled codec; a source
coded alone: its branch), and the paper's SD-Codec and DAC points (``results/paper``) as stars.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from bench.engine.tasks import split_task_label
from bench.reporting.tables import TABLE_LAYOUTS, TRACK_LABELS, Column, TableLayout
from sdcodec.core.constants import MIX, TRACKS

TASK = "rate-distortion"
METRICS = ("si_sdr", "visqol")

TABLE_LAYOUTS.add(TASK, TableLayout(
    TASK, "Rate-distortion (resynthesis at each number of quantizers n_q; kbps: what a mixture costs)",
    tuple(Column(TASK, t, t, m, TRACK_LABELS[t]) for t in (MIX, *TRACKS) for m in METRICS), (TASK,),
    bitrate=True))


def point_label(model: str, n_quantizers: int) -> str:
    """A table row: the model at one operating point."""
    return f"{model} (n_q={n_quantizers})"


def _points(manifests: Sequence[Mapping[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    """(model label, n_quantizers) -> that operating point's manifest record."""
    return {(model["label"], point["n_quantizers"]): point
            for manifest in manifests for model in manifest.get("models", [])
            for point in model.get("operating_points") or ()}


def _basis(point: Mapping[str, Any]) -> str | None:
    per_track = [k for k in (point.get("track_kbps") or {}).values() if k is not None]
    if len(per_track) > 1 and len(set(per_track)) == 1:
        return f"{len(per_track)} branches x {per_track[0]:.3g} kbps"
    return None


def by_operating_point(summary: pd.DataFrame, manifests: Sequence[Mapping[str, Any]]
                       ) -> tuple[pd.DataFrame, dict[str, tuple[float | None, str | None]]]:
    """``summary`` with each operating point's rows as a model of its own (``point_label``,
    task ``rate-distortion``), in model then operating-point order, and their (kbps, basis)."""
    split = summary["task"].map(split_task_label)
    at_point = split.map(lambda s: s[1] is not None)
    if not at_point.any():
        return summary, {}
    points = _points(manifests)
    names = split.map(lambda s: s[0])
    numbers = split.map(lambda s: s[1])
    labels = [point_label(m, n) if n is not None else m for m, n in zip(summary["model"], numbers)]
    expanded = summary.assign(model=labels, task=names, _rank=range(len(summary)),
                              _point=numbers.fillna(0))
    first = expanded.groupby(summary["model"], sort=False)["_rank"].transform("min")
    expanded = expanded.assign(_first=first).sort_values(["_first", "_point", "_rank"], kind="stable")
    bitrates = {point_label(m, n): (points.get((m, n), {}).get("kbps"), _basis(points.get((m, n), {})))
                for m, n in zip(summary["model"], numbers) if n is not None}
    return expanded.drop(columns=["_rank", "_point", "_first"]).reset_index(drop=True), bitrates


def curve_points(rows: pd.DataFrame, manifests: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Mean of each metric per model, operating point and input track, with the kbps that coding
    the input costs: columns model, n_quantizers, track, metric, kbps, mean."""
    points = _points(manifests)
    scored = rows[rows["skipped"].fillna("") == ""]
    split = scored["task"].map(split_task_label)
    scored = scored.assign(name=split.map(lambda s: s[0]), n_quantizers=split.map(lambda s: s[1]))
    scored = scored[(scored["name"] == TASK) & scored["n_quantizers"].notna()]
    means = (scored.groupby(["model", "n_quantizers", "input", "metric"], sort=False)["value"].mean()
             .reset_index().rename(columns={"input": "track", "value": "mean"}))

    def kbps(row: pd.Series) -> float | None:
        point = points.get((row["model"], int(row["n_quantizers"])), {})
        per_track = point.get("track_kbps") or {}
        return point.get("kbps") if row["track"] == MIX or row["track"] not in per_track else per_track[row["track"]]

    means["kbps"] = means.apply(kbps, axis=1) if len(means) else pd.Series(dtype=float)
    return means


def paper_points(split: str) -> pd.DataFrame:
    """The paper's resynthesis means of SD-Codec and DAC on ``split`` with the kbps coding each
    input cost (a mixture: every branch; a source: one branch): method, track, metric, kbps, mean."""
    from bench.results.paper import paper_bitrates, paper_summary

    published = paper_summary()
    published = published[(published["task"] == "resynthesis") & (published["variant"] == "")
                          & (published["split"] == split)]
    bitrates = paper_bitrates().set_index("method")
    published = published[published["method"].isin(bitrates.index)]
    branches = published.apply(lambda r: bitrates.loc[r["method"], "branches"] if r["input"] == MIX else 1, axis=1)
    kbps = published["method"].map(bitrates["kbps_per_branch"]) * branches
    return pd.DataFrame({"method": published["method"], "track": published["input"],
                         "metric": published["metric"], "kbps": kbps, "mean": published["mean"]})


def plot_rate_distortion(rows: pd.DataFrame, run_dir: Path):
    """Quality against kbps: one panel per metric (rows) and track (columns), one line per model
    (every model on one figure), the paper's points as stars; log-scaled kbps axis."""
    from bench.reporting.plots import _matplotlib, metric_axis_label
    from bench.results.store import RunStore

    manifest = RunStore(run_dir).read_manifest()
    curves = curve_points(rows, [manifest])
    if curves.empty:
        return None
    plt, sns = _matplotlib()
    from matplotlib import ticker

    split = manifest.get("config", {}).get("split", "test")
    paper = paper_points(split)
    metrics = [m for m in METRICS if m in set(curves["metric"])] + \
        sorted(set(curves["metric"]) - set(METRICS))
    tracks = [t for t in (MIX, *TRACKS) if t in set(curves["track"])]
    fig, axes = plt.subplots(len(metrics), len(tracks), figsize=(3.2 * len(tracks), 2.8 * len(metrics)),
                             squeeze=False)
    colours = dict(zip(dict.fromkeys(curves["model"]), sns.color_palette(n_colors=curves["model"].nunique())))
    markers = {"SD-Codec": "*", "DAC": "P"}
    for i, metric in enumerate(metrics):
        for j, track in enumerate(tracks):
            ax = axes[i][j]
            for model, colour in colours.items():
                line = curves[(curves["model"] == model) & (curves["track"] == track)
                              & (curves["metric"] == metric)].sort_values("kbps")
                ax.plot(line["kbps"], line["mean"], marker="o", color=colour, label=model)
            for method, marker in markers.items():
                hit = paper[(paper["method"] == method) & (paper["track"] == track) & (paper["metric"] == metric)]
                ax.scatter(hit["kbps"], hit["mean"], marker=marker, s=90, color="black", zorder=3,
                           label=f"{method} (paper, DnR {split})")
            ax.set_xscale("log")
            ax.xaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
            ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:g}"))
            ax.xaxis.set_minor_formatter(ticker.NullFormatter())
            ax.set_title(f"{TRACK_LABELS[track]} | {metric_axis_label(metric).split(' (')[0]}")
            ax.set_xlabel("bitrate (kbps)")
            ax.set_ylabel(metric_axis_label(metric) if j == 0 else "")
    handles, labels = axes[0][0].get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    fig.legend(unique.values(), unique.keys(), loc="lower center", ncol=min(4, len(unique)),
               bbox_to_anchor=(0.5, -0.02), frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig
