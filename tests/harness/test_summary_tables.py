"""Summaries equal independently recomputed statistics; tables render the paper's layouts."""

from __future__ import annotations

import math
import re
import statistics

import pandas as pd

from bench.results.paper import paper_summary
from bench.results.summary import summarize
from bench.reporting.tables import TABLE_LAYOUTS, build_rows, render_csv, render_latex, render_markdown


def test_summary_matches_population_statistics(rows: pd.DataFrame) -> None:
    summary = summarize(rows)
    for _, entry in summary.iterrows():
        group = rows[(rows.model == entry.model) & (rows.input == entry.input) & (rows.metric == entry.metric)]
        values = [v for v, s in zip(group.value, group.skipped) if not s]
        assert entry.n == len(values)
        assert entry.n_skipped == len(group) - len(values)
        assert math.isclose(entry["mean"], statistics.fmean(values), rel_tol=1e-12)
        assert math.isclose(entry["std"], statistics.pstdev(values), rel_tol=1e-9)
        assert math.isclose(entry["sem"], statistics.pstdev(values) / math.sqrt(len(values)), rel_tol=1e-9)


def test_skipped_clips_never_enter_the_mean(rows: pd.DataFrame) -> None:
    poisoned = rows.copy()
    poisoned.loc[poisoned.skipped != "", "value"] = 1e9  # a skipped row's value must not count
    assert summarize(poisoned)["mean"].max() < 100


def test_markdown_table_has_paper_layout_and_bold_best(rows: pd.DataFrame) -> None:
    layout = TABLE_LAYOUTS.get("resynthesis")
    summary = summarize(rows)
    table_rows = build_rows(layout, summary)
    text = render_markdown(layout, table_rows)
    header = text.splitlines()[2]
    assert header.startswith("| Method | Mix SI-SDR | Mix ViSQOL | Speech SI-SDR")
    # exactly one bold cell per column when two models compete
    body = [line for line in text.splitlines() if line.startswith("| SD-Codec") or line.startswith("| DAC")]
    cells = [line.strip("|").split("|")[1:] for line in body]
    for column in zip(*cells):
        assert sum("**" in c for c in column) == 1
    # the bold one is the larger mean
    mix = summary[(summary.input == "mix") & (summary.metric == "si_sdr")].set_index("model")["mean"]
    best = mix.idxmax()
    best_line = next(line for line in body if line.startswith(f"| {best}"))
    assert best_line.strip("|").split("|")[1].strip().startswith("**")


def test_paper_rows_and_difference(rows: pd.DataFrame) -> None:
    layout = TABLE_LAYOUTS.get("resynthesis")
    table_rows = build_rows(layout, summarize(rows), paper_summary(), split="test")
    kinds = [r.kind for r in table_rows]
    assert kinds == ["ours", "paper", "diff", "ours", "paper", "diff"]
    ours, paper, diff = table_rows[0], table_rows[1], table_rows[2]
    for column, (mean, _) in diff.values.items():
        assert math.isclose(mean, ours.values[column][0] - paper.values[column][0])
    published = pd.read_csv("results/paper/resynthesis.csv")
    sd = published[(published.split == "test") & (published.method == ours.label) & (published.track == "mix")]
    mix_col = next(c for c in layout.columns if c.input == "mix" and c.metric == "si_sdr")
    assert paper.values[mix_col][0] == float(sd.si_sdr_mean.iloc[0])


def test_latex_table_is_well_formed(rows: pd.DataFrame) -> None:
    layout = TABLE_LAYOUTS.get("resynthesis")
    text = render_latex(layout, build_rows(layout, summarize(rows), paper_summary(), split="test"))
    assert text.count("\\begin{tabular}") == text.count("\\end{tabular}") == 1
    assert text.count("{") == text.count("}")
    n_columns = len(re.search(r"\\begin\{tabular\}\{(\w+)\}", text).group(1))
    body = text.split("\\midrule")[1].split("\\bottomrule")[0]
    for line in filter(None, (l.strip() for l in body.splitlines())):
        assert line.endswith("\\\\")
        assert line.count("&") == n_columns - 1
    assert "\\multicolumn{2}{c}{Mix}" in text and "\\textbf{" in text and "$\\pm$" in text


def test_csv_table_round_trips_numbers(rows: pd.DataFrame) -> None:
    import io

    layout = TABLE_LAYOUTS.get("resynthesis")
    summary = summarize(rows)
    frame = pd.read_csv(io.StringIO(render_csv(layout, build_rows(layout, summary))))
    merged = frame.merge(summary, left_on=["row", "input", "metric"], right_on=["model", "input", "metric"])
    assert len(merged) == len(frame) == 16
    assert (merged["mean_x"] - merged["mean_y"]).abs().max() < 1e-12
