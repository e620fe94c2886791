"""Figures with seaborn: metric distributions per model, the out-of-domain coding heatmap, and
throughput against batch size. Each figure is written as PNG and PDF."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from sdcodec.core.registry import Registry
from bench.reporting.tables import METRIC_LABELS, TRACK_LABELS

#: A plot takes a run's per-clip rows (and the run folder) and returns a figure, or None when
#: the run holds nothing it can draw.
PLOTS: Registry[Callable[[pd.DataFrame, Path], object]] = Registry("plot")


def metric_axis_label(metric: str) -> str:
    """A metric's axis label with its unit from the metric registry: ``SI-SDR (dB)``,
    ``ViSQOL (MOS)`` (the bare name for a metric the registry does not know)."""
    from sdcodec.core.errors import ConfigError
    from bench.metrics import get_metric

    label = METRIC_LABELS.get(metric, metric)
    try:
        return f"{label} ({get_metric(metric).unit})"
    except ConfigError:
        return label


def _matplotlib():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="paper")
    return plt, sns


@PLOTS.register("distributions")
def plot_distributions(rows: pd.DataFrame, run_dir: Path):
    """Box plots of each metric per output track, one colour per model, one panel per task; each
    row's y axis is labelled with its metric and unit."""
    scored = rows[(rows["skipped"] == "") & rows["task"].isin(["resynthesis", "separation", "separation-mask"])]
    if scored.empty:
        return None
    plt, sns = _matplotlib()
    scored = scored.assign(track=scored["output"].map(TRACK_LABELS).fillna(scored["output"]),
                           metric_label=scored["metric"].map(metric_axis_label))
    grid = sns.catplot(data=scored, x="track", y="value", hue="model", row="metric_label",
                       col="task", kind="box", sharey="row", height=2.6, aspect=1.3,
                       showfliers=False)
    grid.set_titles("{col_name} | {row_name}")
    grid.set_axis_labels("", "")
    for row_axes, label in zip(grid.axes, grid.row_names):
        row_axes[0].set_ylabel(label)
    return grid.figure


@PLOTS.register("ood-heatmap")
def plot_ood_heatmap(rows: pd.DataFrame, run_dir: Path):
    """Mean SI-SDR of each source (rows) coded through each branch (columns), per model."""
    ood = rows[(rows["task"] == "ood-coding") & (rows["metric"] == "si_sdr") & (rows["skipped"] == "")]
    if ood.empty:
        return None
    plt, sns = _matplotlib()
    models = list(dict.fromkeys(ood["model"]))
    fig, axes = plt.subplots(1, len(models), figsize=(3.6 * len(models), 3.2), squeeze=False)
    for ax, model in zip(axes[0], models):
        matrix = (ood[ood["model"] == model].groupby(["input", "output"])["value"].mean()
                  .unstack("output"))
        order = [t for t in TRACK_LABELS if t in matrix.index]
        matrix = matrix.loc[order, [t for t in TRACK_LABELS if t in matrix.columns]]
        matrix.index = [TRACK_LABELS[t] for t in matrix.index]
        matrix.columns = [TRACK_LABELS[t] for t in matrix.columns]
        sns.heatmap(matrix, annot=True, fmt=".1f", cmap="viridis", ax=ax, cbar_kws={"label": metric_axis_label("si_sdr")})
        ax.set_xlabel("branch")
        ax.set_ylabel("source in")
        ax.set_title(model)
    fig.tight_layout()
    return fig


@PLOTS.register("throughput")
def plot_throughput(rows: pd.DataFrame, run_dir: Path):
    """Seconds of audio per second against batch size: one line per model and implementation
    (ours, descript-audio-codec) and branch (one-branch timings of SD-Codec apart from the whole
    model), styled by device and precision; one column per stage, one row per clip length."""
    path = run_dir / "throughput.csv"
    if not path.is_file():
        return None
    data = pd.read_csv(path)
    plt, sns = _matplotlib()
    label = data["model"].astype(str)
    if "implementation" in data:
        label = label + data["implementation"].map(lambda i: "" if i == "sdbench" else f" ({i})")
    if "branch" in data:
        label = label + data["branch"].map(lambda b: "" if b == "all" else f" [{b} branch]")
    data = data.assign(line=label, setting=data["device"] + " " + data["precision"])
    rows = "clip_seconds" if "clip_seconds" in data and data["clip_seconds"].nunique() > 1 else None
    grid = sns.relplot(data=data, x="batch_size", y="audio_seconds_per_second", hue="line",
                       style="setting", col="stage", row=rows, kind="line", marker="o", height=3, aspect=1.1)
    grid.set(xscale="log", yscale="log")
    grid.set_axis_labels("batch size", "audio s / s")
    return grid.figure


def ordered_models(rows: pd.DataFrame, order: list[str], models: list[str] | None = None) -> pd.DataFrame:
    """``rows`` with models in ``order`` (the run's), or only ``models`` in their given order
    (a label the rows lack is a ``BenchError``); stable within a model."""
    from sdcodec.core.errors import BenchError

    present = list(dict.fromkeys(rows["model"]))
    if models:
        missing = [m for m in models if m not in present]
        if missing:
            raise BenchError(f"--models: the run has no model {', '.join(map(repr, missing))} "
                             f"(models: {', '.join(present)})")
        rows, order = rows[rows["model"].isin(models)], list(models)
    rank = {m: i for i, m in enumerate(order)}
    return rows.sort_values("model", key=lambda s: s.map(rank).fillna(len(rank)), kind="stable")


def make_plots(run_dir: str | Path, out_dir: str | Path, names: list[str] | None = None,
               models: list[str] | None = None) -> list[Path]:
    """Writes every applicable plot (or ``names``) as PNG and PDF; returns the written files.
    ``models``: only these models, the first being A of the paired differences (default: every
    model, the run's first as A)."""
    from bench.results.store import RunStore, load_rows

    run_dir, out_dir = Path(run_dir), Path(out_dir)
    order = [m["label"] for m in RunStore(run_dir).read_manifest().get("models", [])]
    rows = ordered_models(load_rows(run_dir), order, models)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names or PLOTS.names():
        figure = PLOTS.get(name)(rows, run_dir)
        if figure is None:
            continue
        for suffix in (".png", ".pdf"):
            path = out_dir / f"{name}{suffix}"
            figure.savefig(path, dpi=150, bbox_inches="tight")
            written.append(path)
        import matplotlib.pyplot as plt

        plt.close(figure)
    return written


from bench.reporting import paired_plot  # noqa: E402,F401  (registers the paired-differences figure)
from bench.reporting.rate_distortion import plot_rate_distortion  # noqa: E402

PLOTS.add("rate-distortion", plot_rate_distortion)
