"""The paper's table layouts, rendered from run summaries as Markdown, LaTeX or CSV.

A layout says which summary rows it shows (task, metrics), what a table row is (a model, or an
ablation variant) and which columns (track x metric). Cells read ``mean ± std`` (``--stat
mean-std``, the paper's form) or ``mean [low, high]`` with the bootstrap interval of the summary
(``--stat ci``; the paper's rows, which have no interval, keep their published ``mean ± std``);
the best of our rows per column is bold. With the paper's numbers (``paper=True``) each of our
rows that has a published counterpart (``paper_method``) is followed by it and by the difference
(ours - paper) of the means. Cells significantly better than a reference row (``Mark``, from
``bench.stats.marks``) carry a dagger, explained under the table; the CSV has the adjusted
p-value and the mark as columns.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
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
    #: whether the table shows each model's nominal bitrate (a kbps column) when known
    bitrate: bool = False

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
                                "mean": row["mean"], "std": row["std"],
                                # summaries written before intervals existed have none
                                "ci_low": row.get("ci_low", float("nan")),
                                "ci_high": row.get("ci_high", float("nan"))})
        return pd.DataFrame(records, columns=["model", "column", "mean", "std", "ci_low", "ci_high"])


def _resynthesis_columns(metrics: tuple[str, ...]) -> tuple[Column, ...]:
    return tuple(Column("resynthesis", t, t, m, TRACK_LABELS[t]) for t in (MIX, *TRACKS) for m in metrics)


def _separation_columns(task: str, metrics: tuple[str, ...]) -> tuple[Column, ...]:
    return tuple(Column(task, MIX, t, m, TRACK_LABELS[t]) for t in TRACKS for m in metrics)


TABLE_LAYOUTS.add("resynthesis", TableLayout(
    "resynthesis", "Resynthesis (mixture in, mixture out; each source in, its branch out)",
    _resynthesis_columns(("si_sdr", "visqol")), ("resynthesis",), bitrate=True))
TABLE_LAYOUTS.add("separation", TableLayout(
    "separation", "Separation (mixture in, each branch out)",
    _separation_columns("separation", ("si_sdr", "si_sdri", "visqol")), ("separation",), bitrate=True))
TABLE_LAYOUTS.add("separation-mask", TableLayout(
    "separation-mask", "Separation by masking the mixture STFT with the decoded sources",
    _separation_columns("separation-mask", ("si_sdr", "si_sdri", "visqol")), ("separation-mask",),
    bitrate=True))
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


@dataclass(frozen=True)
class Mark:
    """A cell's paired comparison with the reference row: Holm-adjusted p-value and whether the
    cell is significantly better."""

    p_adjusted: float
    better: bool


@dataclass
class TableRow:
    label: str
    kind: str  # "ours" | "paper" | "diff"
    values: dict[Column, tuple[float, float]]
    #: bootstrap interval (low, high) of each mean, where the summary has one
    intervals: dict[Column, tuple[float, float]] = field(default_factory=dict)
    #: comparison with the reference row (``TableOptions.reference``), where made
    marks: dict[Column, Mark] = field(default_factory=dict)
    #: nominal bitrate transmitted (kbps) and how it adds up, where known (codecs, cascades)
    kbps: float | None = None
    kbps_basis: str | None = None


@dataclass(frozen=True)
class TableOptions:
    """How cells read: ``stat`` (a name of ``CELL_STATS``); ``reference``: the row that cells
    are compared with (None: no marks); ``mark_note``: what the dagger means (one sentence)."""

    stat: str = "mean-std"
    reference: str | None = None
    mark_note: str = ""


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _mean_std(mean: float, std: float | None, interval: tuple[float, float] | None, fmt: str) -> str:
    if _missing(std):
        return f"{mean:.2f}"
    return f"{mean:.2f} $\\pm$ {std:.2f}" if fmt == "latex" else f"{mean:.2f} ± {std:.2f}"


def _mean_interval(mean: float, std: float | None, interval: tuple[float, float] | None, fmt: str) -> str:
    if interval is None or _missing(interval[0]) or _missing(interval[1]):
        return _mean_std(mean, std, None, fmt)  # published rows: no per-clip data, no interval
    return f"{mean:.2f} [{interval[0]:.2f}, {interval[1]:.2f}]"


@dataclass(frozen=True)
class CellStat:
    """A cell form: ``format(mean, std, interval or None, fmt) -> text`` and ``note``, what the
    cells hold (the line under a Markdown table; ``{interval}`` is the interval's description)."""

    format: Callable[[float, float | None, tuple[float, float] | None, str], str]
    note: str


#: Cell forms by ``--stat`` name.
CELL_STATS: Registry[CellStat] = Registry("table statistic")
CELL_STATS.add("mean-std", CellStat(_mean_std, "mean ± population std over clips"))
CELL_STATS.add("ci", CellStat(_mean_interval, "mean [{interval}]; the paper's rows: mean ± "
                                             "population std as published"))

DAGGER = {"markdown": "†", "latex": "$^{\\dagger}$", "csv": ""}


def _format(mean: float, std: float | None, fmt: str, bold: bool, diff: bool = False,
            interval: tuple[float, float] | None = None, stat: str = "mean-std",
            marked: bool = False) -> str:
    if _missing(mean):
        return "–" if fmt != "latex" else "--"
    text = f"{mean:+.2f}" if diff else CELL_STATS.get(stat).format(mean, std, interval, fmt)
    if bold:
        text = f"\\textbf{{{text}}}" if fmt == "latex" else f"**{text}**"
    return text + (DAGGER[fmt] if marked else "")


def paper_method(layout: TableLayout, label: str, paper: pd.DataFrame,
                 method_of: dict[str, tuple[str, str]] | None = None) -> tuple[str, str] | None:
    """The paper's (method, variant) row for one of our model labels, or None when it has none.

    ``method_of`` maps labels explicitly. Otherwise a label is its own method name (``SD-Codec``,
    ``DAC``, ``TDANet``) in the main tables; in the ablation table it must be one of the paper's
    variant names (``SD-Codec``, ``+ separation enhance``, ``+ initialization from DAC``,
    ``+ shared codebook (S=4)``, ...), exactly or followed by a qualifier in parentheses
    (``+ initialization from DAC (weights copied)``), so a variant the paper did not train (the
    tiny models' ``+ shared codebook (S=1 of 4)``) gets no published row.
    """
    if method_of and label in method_of:
        return method_of[label]
    if layout.name == "ablation":
        variants = set(paper.loc[paper["variant"] != "", "variant"])
        named = [v for v in variants if label == v or (label.startswith(f"{v} (") and label.endswith(")"))]
        return ("SD-Codec", max(named, key=len)) if named else None
    return label, ""


def build_rows(
    layout: TableLayout,
    summary: pd.DataFrame,
    paper: pd.DataFrame | None = None,
    split: str | None = None,
    method_of: dict[str, tuple[str, str]] | None = None,
    marks: Mapping[str, Mapping[Column, Mark]] | None = None,
    bitrates: Mapping[str, tuple[float | None, str | None]] | None = None,
) -> list[TableRow]:
    """Our rows (one per model) and, with ``paper``, the published row and the difference.

    ``marks``: per model label, its cells' comparisons with a reference row. ``bitrates``: per
    model label, (nominal kbps, how it adds up) from the run manifest (``EvalModel.kbps``).

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
        intervals = {r.column: (r.ci_low, r.ci_high) for r in mine.itertuples(index=False)}
        kbps, basis = (bitrates or {}).get(model, (None, None))
        rows.append(TableRow(model, "ours", values, intervals, dict((marks or {}).get(model, {})), kbps, basis))
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


def _marked(row: TableRow, column: Column) -> bool:
    mark = row.marks.get(column)
    return mark is not None and mark.better


def _kbps_cell(kbps: float | None, fmt: str) -> str:
    return ("–" if fmt != "latex" else "--") if _missing(kbps) else f"{kbps:.3g}"


def shows_bitrate(layout: TableLayout, rows: list[TableRow]) -> bool:
    """Whether the table has a kbps column: the layout shows bitrates and some row has one."""
    return layout.bitrate and any(row.kbps is not None for row in rows)


def bitrate_note(rows: list[TableRow]) -> str:
    """What the kbps column counts, naming how each row's bitrate adds up where it is a sum."""
    sums = "; ".join(f"{row.label}: {row.kbps_basis}" for row in rows if row.kbps_basis)
    return ("kbps: nominal bitrate of what the model transmits for a mixture (a disentangled codec: "
            "every branch; a cascade: every coded track)"
            + (f"; {sums}" if sums else "") + ".")


def to_frame(layout: TableLayout, rows: list[TableRow], fmt: str,
             options: TableOptions = TableOptions()) -> pd.DataFrame:
    """Formatted cells with two-level column headers (group, metric); first a kbps column when
    ``shows_bitrate``."""
    bitrate = shows_bitrate(layout, rows)
    header = pd.MultiIndex.from_tuples([("Bitrate", "kbps")] * bitrate + [(c.group, c.label) for c in layout.columns])
    data = []
    for row in rows:
        cells = [_kbps_cell(row.kbps, fmt)] if bitrate else []
        for column in layout.columns:
            mean, std = row.values.get(column, (float("nan"), float("nan")))
            best = _best(rows, column)
            bold = row.kind == "ours" and best is not None and mean == best
            cells.append(_format(mean, std, fmt, bold, diff=row.kind == "diff",
                                 interval=row.intervals.get(column), stat=options.stat,
                                 marked=_marked(row, column)))
        data.append(cells)
    index = pd.Index([r.label for r in rows], name="Method")
    return pd.DataFrame(data, index=index, columns=header)


def _has_marks(rows: list[TableRow]) -> bool:
    return any(mark.better for row in rows for mark in row.marks.values())


def render_markdown(layout: TableLayout, rows: list[TableRow], options: TableOptions = TableOptions()) -> str:
    frame = to_frame(layout, rows, "markdown", options)
    header = ["Method"] + ["kbps"] * shows_bitrate(layout, rows) + [c.heading for c in layout.columns]
    lines = [f"**{layout.title}**", "", "| " + " | ".join(header) + " |",
             "|" + "|".join([":---"] + [":---:"] * (len(header) - 1)) + "|"]
    for label, values in zip(frame.index, frame.itertuples(index=False)):
        lines.append("| " + " | ".join([label, *values]) + " |")
    if options.mark_note and _has_marks(rows):
        lines += ["", f"{DAGGER['markdown']} {options.mark_note}"]
    if shows_bitrate(layout, rows):
        lines += ["", bitrate_note(rows)]
    return "\n".join(lines) + "\n"


def _latex_escape(text: str) -> str:
    return text.replace("&", "\\&").replace("%", "\\%").replace("_", "\\_").replace("#", "\\#")


def render_latex(layout: TableLayout, rows: list[TableRow], options: TableOptions = TableOptions()) -> str:
    """A booktabs table with multi-column track headers, rendered through pandas' Styler; a
    footnote under the tabular says what the dagger means when a cell carries one."""
    frame = to_frame(layout, rows, "latex", options)
    frame.index = [_latex_escape(i).replace("Δ", "$\\Delta$") for i in frame.index]
    frame.index.name = None
    frame.columns = pd.MultiIndex.from_tuples([(_latex_escape(g), _latex_escape(m)) for g, m in frame.columns])
    styler = frame.style
    body = styler.to_latex(
        column_format="l" + "c" * len(frame.columns), hrules=True, multicol_align="c",
        caption=_latex_escape(layout.title), position="t", position_float="centering",
        environment="table*" if len(frame.columns) > 6 else "table",
    )
    notes = [f"{DAGGER['latex']} {_latex_escape(options.mark_note)}"] if options.mark_note and _has_marks(rows) else []
    notes += [_latex_escape(bitrate_note(rows))] if shows_bitrate(layout, rows) else []
    if notes:
        note = "".join(f"\\par\\smallskip{{\\footnotesize {text}}}\n" for text in notes)
        body = body.replace("\\end{tabular}\n", "\\end{tabular}\n" + note, 1)
    return body


def render_csv(layout: TableLayout, rows: list[TableRow], options: TableOptions = TableOptions()) -> str:
    """Numbers, not formatted strings: one line per (row, column) with mean, std and the
    interval (empty where none); with a reference row also ``p_holm`` (the cell's comparison
    with it) and ``better_than`` (the reference's label where significantly better)."""
    records = []
    for row in rows:
        for column in layout.columns:
            if column in row.values:
                mean, std = row.values[column]
                low, high = row.intervals.get(column, (float("nan"), float("nan")))
                record = {"table": layout.name, "row": row.label, "kind": row.kind,
                          "task": column.task, "input": column.input, "output": column.output,
                          "metric": column.metric, "mean": mean, "std": std,
                          "ci_low": low, "ci_high": high}
                if shows_bitrate(layout, rows):
                    record["kbps"] = row.kbps
                if options.reference is not None:
                    mark = row.marks.get(column)
                    record["p_holm"] = mark.p_adjusted if mark else float("nan")
                    record["better_than"] = options.reference if _marked(row, column) else ""
                records.append(record)
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
