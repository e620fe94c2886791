"""The paired-differences figure: for every clip, model B's score minus model A's, per output
track, so that a reader sees on which tracks (and how consistently) one model wins.

A is the first model of the rows (the run's first model, or the first of ``bench plot --models``);
every other model is a B. One panel per metric (rows) and task (columns); per track a box of the
per-clip differences with the clips as points and a line at zero; the y-axis is in the metric's
unit (dB, MOS). Only clips both models scored are drawn (``bench.stats.comparisons.pair_clips``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bench.reporting.plots import PLOTS, _matplotlib
from bench.stats.comparisons import metric_direction, pair_clips
from bench.reporting.tables import METRIC_LABELS, TRACK_LABELS

#: Tasks whose outputs are tracks of the mixture (the ood-coding matrix has its own figure).
TASKS = ("resynthesis", "separation", "separation-mask")


def paired_differences(rows: pd.DataFrame) -> pd.DataFrame:
    """Per clip and (task, output, metric): ``difference`` = B - A for every B after the first
    model A, with ``comparison`` ("B - A") and display labels."""
    rows = rows[rows["task"].isin(TASKS)]
    models = list(dict.fromkeys(rows["model"]))
    parts = []
    for model in models[1:]:
        paired = pair_clips(rows[rows["model"] == models[0]], rows[rows["model"] == model]).dropna(
            subset=["value_a", "value_b"])
        parts.append(paired.assign(difference=paired["value_b"] - paired["value_a"],
                                   comparison=f"{model} − {models[0]}"))
    if not parts:
        return pd.DataFrame(columns=["task", "output", "metric", "clip_id", "difference", "comparison"])
    frame = pd.concat(parts, ignore_index=True)
    return frame.assign(track=frame["output"].map(TRACK_LABELS).fillna(frame["output"]))


def _axis_label(metric: str) -> str:
    unit = metric_direction(metric)[1]
    label = METRIC_LABELS.get(metric, metric)
    return f"Δ {label} ({unit})" if unit else f"Δ {label}"


@PLOTS.register("paired-differences")
def plot_paired_differences(rows: pd.DataFrame, run_dir: Path):
    """Boxes and points of per-clip B - A differences per output track; zero line."""
    data = paired_differences(rows)
    if data.empty:
        return None
    plt, sns = _matplotlib()
    metrics = list(dict.fromkeys(data["metric"]))
    tasks = [t for t in TASKS if t in set(data["task"])]
    order = [TRACK_LABELS[t] for t in TRACK_LABELS if TRACK_LABELS[t] in set(data["track"])]
    fig, axes = plt.subplots(len(metrics), len(tasks), figsize=(3.4 * len(tasks), 2.6 * len(metrics)),
                             squeeze=False, sharey="row")
    for r, metric in enumerate(metrics):
        for c, task in enumerate(tasks):
            ax = axes[r][c]
            part = data[(data["metric"] == metric) & (data["task"] == task)]
            ax.axhline(0.0, color="black", linewidth=1.0, zorder=1.5)
            if not part.empty:
                sns.boxplot(data=part, x="track", y="difference", hue="comparison", order=order,
                            showfliers=False, ax=ax, legend="auto" if r == c == 0 else False, fill=False)
                sns.stripplot(data=part, x="track", y="difference", hue="comparison", order=order,
                              dodge=True, size=2.5, alpha=0.6, ax=ax, legend=False)
            ax.set_title(task if r == 0 else "")
            ax.set_xlabel("")
            ax.set_ylabel(_axis_label(metric) if c == 0 else "")
    legend = axes[0][0].get_legend()
    if legend is not None:  # one legend above the panels, off the data
        handles, labels = axes[0][0].get_legend_handles_labels()
        legend.remove()
        fig.tight_layout()
        fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(labels),
                   frameon=False)
    return fig
