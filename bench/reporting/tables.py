"""The paper's table layouts, rendered from run summaries as Markdown, LaTeX or CSV.

A layout says which summary rows it shows (task, metrics), what a table row is (a model, or an
ablation variant) and which columns (track x metric). Cells read ``mean ± std``; the best of our
rows per column is bold. With the paper's numbers (``paper=True``) each of our rows that has a
published counterpart (``paper_method``) is followed by it and by the difference (ours - paper)
of the means.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from sdcodec.core.constants import MIX, TRACKS
from sdcodec.core.registry import Registry

TABLE_LAYOUTS: Registry["TableLayout"] = Registry("table layout")

#: Display names of metrics (which way is better comes from the metric registry).
METRIC_LABELS: dict[str, str] = {
    "si_sdr": "SI-SDR", "si_sdri": "SI-SDRi", "visqol": "ViSQOL", "pesq": "PESQ",
    "mel_distance": "Mel dist.", "stft_distance": "STFT dist.", "visqol_audio": "ViSQOL (audio)",
    "mel_distance_authors": "Mel dist. (authors)",
}
TRACK_LABELS = {MIX: "Mix", "speech": "Speech", "music": "Music", "sfx": "SFX"}


@dataclass(frozen=True)
class Column:
    """One table column: the summary rows of ``task`` with this input/output and metric."""

    task: str
    input: str
    output: str
    metric: str
    group: str  # upper header (track)
    #: lower header when it is not the metric's name (the ood-coding table's branch)
    sub: str = ""

    @property
    def label(self) -> str:
        """The lower header: ``sub``, else the metric's display name."""
        return self.sub or METRIC_LABELS.get(self.metric, self.metric)

    @property
    def heading(self) -> str:
        """The one-line header of flat renderings (Markdown): ``Mix SI-SDR``, or
        ``Speech in / Music branch`` where the lower header is not the metric."""
        return f"{self.group} / {self.sub}" if self.sub else f"{self.group} {self.label}"


@dataclass(frozen=True)
class TableLayout:
    """A table: its columns, and which summary rows are its rows."""

    name: str
    title: str
    columns: tuple[Column, ...]
    tasks: tuple[str, ...] = field(default=())

    def cells(self, summary: pd.DataFrame) -> pd.DataFrame:
        """mean/std per (model, column) from a summary; rows in first-seen model order."""
        records = []
        for column in self.columns:
            part = summary[
                (summary["task"] == column.task)
                & (summary["input"] == column.input)
                & (summary["output"] == column.output)
                & (summary["metric"] == column.metric)
            ]
            for _, row in part.iterrows():
                records.append({"model": row["model"], "column": column,
                                "mean": row["mean"], "std": row["std"]})
        return pd.DataFrame(records, columns=["model", "column", "mean", "std"])


def _resynthesis_columns(metrics: tuple[str, ...]) -> tuple[Column, ...]:
    return tuple(Column("resynthesis", t, t, m, TRACK_LABELS[t]) for t in (MIX, *TRACKS) for m in metrics)


def _separation_columns(task: str, metrics: tuple[str, ...]) -> tuple[Column, ...]:
    return tuple(Column(task, MIX, t, m, TRACK_LABELS[t]) for t in TRACKS for m in metrics)


TABLE_LAYOUTS.add("resynthesis", TableLayout(
    "resynthesis", "Resynthesis (mixture in, mixture out; each source in, its branch out)",
    _resynthesis_columns(("si_sdr", "visqol")), ("resynthesis",)))
TABLE_LAYOUTS.add("separation", TableLayout(
    "separation", "Separation (mixture in, each branch out)",
    _separation_columns("separation", ("si_sdr", "si_sdri", "visqol")), ("separation",)))
TABLE_LAYOUTS.add("separation-mask", TableLayout(
    "separation-mask", "Separation by masking the mixture STFT with the decoded sources",
    _separation_columns("separation-mask", ("si_sdr", "si_sdri", "visqol")), ("separation-mask",)))
TABLE_LAYOUTS.add("ablation", TableLayout(
    "ablation", "Ablations (SI-SDR, dB): resynthesis and separation",
    tuple(Column("resynthesis", t, t, "si_sdr", f"Resyn. {TRACK_LABELS[t]}") for t in (MIX, *TRACKS))
    + tuple(Column("separation", MIX, t, "si_sdr", f"Sep. {TRACK_LABELS[t]}") for t in TRACKS),
    ("resynthesis", "separation")))
TABLE_LAYOUTS.add("ood-coding", TableLayout(
    "ood-coding", "Out-of-domain coding: each source through each branch (SI-SDR, dB)",
    tuple(Column("ood-coding", s, b, "si_sdr", f"{TRACK_LABELS[s]} in", f"{TRACK_LABELS[b]} branch")
          for s in TRACKS for b in TRACKS),
    ("ood-coding",)))


@dataclass
class TableRow:
    label: str
    kind: str  # "ours" | "paper" | "diff"
    values: dict[Column, tuple[float, float]]


def _format(mean: float, std: float | None, fmt: str, bold: bool, diff: bool = False) -> str:
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "–" if fmt != "latex" else "--"
    if diff:
        text = f"{mean:+.2f}"
    elif std is None or (isinstance(std, float) and math.isnan(std)):
        text = f"{mean:.2f}"
    elif fmt == "latex":
        text = f"{mean:.2f} $\\pm$ {std:.2f}"
    else:
        text = f"{mean:.2f} ± {std:.2f}"
    if bold:
        text = f"\\textbf{{{text}}}" if fmt == "latex" else f"**{text}**"
    return text


def paper_method(layout: TableLayout, label: str, paper: pd.DataFrame,
                 method_of: dict[str, tuple[str, str]] | None = None) -> tuple[str, str] | None:
    """The paper's (method, variant) row for one of our model labels, or None when it has none.

    ``method_of`` maps labels explicitly. Otherwise a label is its own method name (``SD-Codec``,
    ``DAC``, ``TDANet``) in the main tables; in the ablation table it must be one of the paper's
    variant names exactly (``SD-Codec``, ``+ separation enhance``, ``+ initialization from DAC``,
    ``+ shared codebook (S=4)``, ...), so a variant the paper did not train (the tiny models'
    ``+ shared codebook (S=1 of 4)``) gets no published row.
    """
    if method_of and label in method_of:
        return method_of[label]
    if layout.name == "ablation":
        variants = set(paper.loc[paper["variant"] != "", "variant"])
        return ("SD-Codec", label) if label in variants else None
    return label, ""


def build_rows(
    layout: TableLayout,
    summary: pd.DataFrame,
    paper: pd.DataFrame | None = None,
    split: str | None = None,
    method_of: dict[str, tuple[str, str]] | None = None,
) -> list[TableRow]:
    """Our rows (one per model) and, with ``paper``, the published row and the difference.

    ``method_of`` maps a model label to the paper's (method, variant) pair (see
    ``paper_method`` for the default). The published row is labelled with the paper's name for
    it: the method (``SD-Codec (paper)``), or in the ablation table the variant
    (``+ separation enhance (paper)``).
    """
    cells = layout.cells(summary)
    rows: list[TableRow] = []
    for model in dict.fromkeys(cells["model"]):
        mine = cells[cells["model"] == model]
        values = {r.column: (r.mean, r.std) for r in mine.itertuples(index=False)}
        rows.append(TableRow(model, "ours", values))
        if paper is None:
            continue
        match = paper_method(layout, model, paper, method_of)
        if match is None:
            continue
        method, variant = match
        published = paper[(paper["method"] == method) & (paper["split"] == (split or "test"))
                          & (paper["variant"] == variant)]
        pub_values: dict[Column, tuple[float, float]] = {}
        for column in layout.columns:
            hit = published[(published["task"] == column.task) & (published["input"] == column.input)
                            & (published["output"] == column.output) & (published["metric"] == column.metric)]
            if len(hit):
                pub_values[column] = (float(hit["mean"].iloc[0]), float(hit["std"].iloc[0]))
        if pub_values:
            rows.append(TableRow(f"{variant or method} (paper)", "paper", pub_values))
            rows.append(TableRow("Δ vs paper", "diff", {
                c: (values[c][0] - pub_values[c][0], float("nan"))
                for c in layout.columns if c in values and c in pub_values}))
    return rows


def _best(rows: list[TableRow], column: Column) -> float | None:
    means = [r.values[column][0] for r in rows if r.kind == "ours" and column in r.values
             and not math.isnan(r.values[column][0])]
    if len(means) < 2:
        return None
    from bench.metrics import get_metric

    return max(means) if get_metric(column.metric).higher_is_better else min(means)


def to_frame(layout: TableLayout, rows: list[TableRow], fmt: str) -> pd.DataFrame:
    """Formatted cells with two-level column headers (group, metric)."""
    header = pd.MultiIndex.from_tuples([(c.group, c.label) for c in layout.columns])
    data = []
    for row in rows:
        cells = []
        for column in layout.columns:
            mean, std = row.values.get(column, (float("nan"), float("nan")))
            best = _best(rows, column)
            bold = row.kind == "ours" and best is not None and mean == best
            cells.append(_format(mean, std, fmt, bold, diff=row.kind == "diff"))
        data.append(cells)
    index = pd.Index([r.label for r in rows], name="Method")
    return pd.DataFrame(data, index=index, columns=header)


def render_markdown(layout: TableLayout, rows: list[TableRow]) -> str:
    frame = to_frame(layout, rows, "markdown")
    header = ["Method"] + [c.heading for c in layout.columns]
    lines = [f"**{layout.title}**", "", "| " + " | ".join(header) + " |",
             "|" + "|".join([":---"] + [":---:"] * (len(header) - 1)) + "|"]
    for label, values in zip(frame.index, frame.itertuples(index=False)):
        lines.append("| " + " | ".join([label, *values]) + " |")
    return "\n".join(lines) + "\n"


def _latex_escape(text: str) -> str:
    return text.replace("&", "\\&").replace("%", "\\%").replace("_", "\\_").replace("#", "\\#")


def render_latex(layout: TableLayout, rows: list[TableRow]) -> str:
    """A booktabs table with multi-column track headers, rendered through pandas' Styler."""
    frame = to_frame(layout, rows, "latex")
    frame.index = [_latex_escape(i).replace("Δ", "$\\Delta$") for i in frame.index]
    frame.index.name = None
    frame.columns = pd.MultiIndex.from_tuples([(_latex_escape(g), _latex_escape(m)) for g, m in frame.columns])
    styler = frame.style
    body = styler.to_latex(
        column_format="l" + "c" * len(frame.columns), hrules=True, multicol_align="c",
        caption=_latex_escape(layout.title), position="t", position_float="centering",
        environment="table*" if len(frame.columns) > 6 else "table",
    )
    return body


def render_csv(layout: TableLayout, rows: list[TableRow]) -> str:
    """Numbers, not formatted strings: one line per (row, column) with mean and std."""
    records = []
    for row in rows:
        for column in layout.columns:
            if column in row.values:
                mean, std = row.values[column]
                records.append({"table": layout.name, "row": row.label, "kind": row.kind,
                                "task": column.task, "input": column.input, "output": column.output,
                                "metric": column.metric, "mean": mean, "std": std})
    return pd.DataFrame(records).to_csv(index=False)


RENDERERS = {"markdown": render_markdown, "latex": render_latex, "csv": render_csv}


def layouts_for(summary: pd.DataFrame) -> list[TableLayout]:
    """The layouts whose tasks the summary holds, for runs whose suite names none. The ablation
    layout is left out here (its tasks are resynthesis and separation, which every resynthesis +
    separation run holds); ablation suites name it, and ``--layout ablation`` asks for it."""
    tasks = set(summary["task"])
    return [layout for name, layout in TABLE_LAYOUTS.items()
            if name != "ablation" and set(layout.tasks) <= tasks]


def has_rows(layout: TableLayout, summary: pd.DataFrame) -> bool:
    """Whether the summary holds any cell of ``layout``."""
    return not layout.cells(summary).empty
