"""``bench table --stat ci`` and ``--mark-better-than``: the same numbers in Markdown, LaTeX and
CSV; old summaries without intervals still render; marks work with the paper's rows."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest

from bench.cli import main
from bench.results.paper import paper_summary
from bench.results.paths import reference_dir
from bench.results.summary import INTERVAL_COLUMNS, summarize
from bench.reporting.tables import (
    TABLE_LAYOUTS,
    Mark,
    TableOptions,
    build_rows,
    render_csv,
    render_latex,
    render_markdown,
)
from stats.clustered import two_model_rows, write_run

LAYOUT = TABLE_LAYOUTS.get("resynthesis")


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    """SD-Codec 0.5 above DAC on every speech and music cell; the mixture and sfx absent."""
    return two_model_rows(+0.5, models=("DAC", "SD-Codec"))


def test_ci_cells_read_mean_and_interval_of_the_summary(rows) -> None:
    summary = summarize(rows)
    text = render_markdown(LAYOUT, build_rows(LAYOUT, summary), TableOptions(stat="ci"))
    line = next(l for l in text.splitlines() if l.startswith("| DAC"))
    cells = [c.strip() for c in line.strip("|").split("|")][1:]
    speech = summary[(summary.model == "DAC") & (summary.input == "speech") & (summary.metric == "si_sdr")].iloc[0]
    expected = f"{speech['mean']:.2f} [{speech['ci_low']:.2f}, {speech['ci_high']:.2f}]"
    assert cells[2].strip("*") == expected
    assert cells[0] == "–"  # no mixture rows
    assert speech["n_clusters"] == 40 and speech["ci_low"] < speech["mean"] < speech["ci_high"]


def test_summaries_without_intervals_still_render() -> None:
    old = pd.read_csv(reference_dir() / "resynthesis.csv")
    assert not set(INTERVAL_COLUMNS) & set(old.columns)
    table_rows = build_rows(LAYOUT, old)
    for stat in ("mean-std", "ci"):
        text = render_markdown(LAYOUT, table_rows, TableOptions(stat=stat))
        assert "±" in text and "[" not in text  # no interval to show: the paper's form
    frame = pd.read_csv(io.StringIO(render_csv(LAYOUT, table_rows)))
    assert frame["ci_low"].isna().all() and frame["mean"].notna().all()


def _marked_rows(rows, paper=None):
    from bench.stats.marks import better_than

    found, tested = better_than(LAYOUT.columns, rows, "DAC")
    marks = {m: {c: Mark(p, b) for c, (p, b) in cells.items()} for m, cells in found.items()}
    return build_rows(LAYOUT, summarize(rows), paper, split="test", marks=marks), tested


def test_marks_in_markdown_latex_and_csv(rows) -> None:
    table_rows, tested = _marked_rows(rows)
    assert tested == 4  # SD-Codec vs DAC on speech and music, SI-SDR and ViSQOL
    options = TableOptions("ci", "DAC", "significantly better than DAC (test note).")
    markdown = render_markdown(LAYOUT, table_rows, options)
    sd_line = next(l for l in markdown.splitlines() if l.startswith("| SD-Codec"))
    dac_line = next(l for l in markdown.splitlines() if l.startswith("| DAC"))
    assert sd_line.count("†") == 4 and "†" not in dac_line
    assert markdown.rstrip().endswith("† significantly better than DAC (test note).")

    latex = render_latex(LAYOUT, table_rows, options)
    assert latex.count("$^{\\dagger}$") == 5  # four cells and the footnote
    assert latex.count("{") == latex.count("}")
    assert re.search(r"\\end\{tabular\}\n\\par\\smallskip\{\\footnotesize \$\^\{\\dagger\}\$ significantly", latex)

    frame = pd.read_csv(io.StringIO(render_csv(LAYOUT, table_rows, options)), keep_default_na=False)
    sd = frame[frame["row"] == "SD-Codec"]
    assert (sd["better_than"] == "DAC").sum() == 4 and (frame[frame["row"] == "DAC"]["better_than"] == "").all()
    assert (sd["p_holm"].astype(float) < 0.05).all()


def test_no_dagger_without_significance() -> None:
    null = two_model_rows(0.0, models=("DAC", "SD-Codec"))
    null.loc[null.model == "SD-Codec", "value"] = null.loc[null.model == "DAC", "value"].to_numpy()
    table_rows, tested = _marked_rows(null)
    assert tested == 4
    options = TableOptions("mean-std", "DAC", "note")
    assert "†" not in render_markdown(LAYOUT, table_rows, options)
    assert "dagger" not in render_latex(LAYOUT, table_rows, options)


def test_marks_with_the_papers_rows(rows) -> None:
    table_rows, _ = _marked_rows(rows, paper_summary())
    assert [r.kind for r in table_rows] == ["ours", "paper", "diff", "ours", "paper", "diff"]
    assert all(not r.marks for r in table_rows if r.kind != "ours")
    latex = render_latex(LAYOUT, table_rows, TableOptions("ci", "DAC", "note"))
    assert latex.count("$^{\\dagger}$") == 5 and "$\\pm$" in latex  # published rows keep mean ± std


def test_table_command_with_statistics(tmp_path, capsys) -> None:
    run = write_run(tmp_path / "run", two_model_rows(+0.5, models=("DAC", "SD-Codec")))
    assert main(["table", "--run", str(run), "--stat", "ci", "--mark-better-than", "DAC", "--paper"]) == 0
    out = capsys.readouterr().out
    assert "†" in out and "SD-Codec (paper)" in out and "BCa bootstrap interval" in out
    assert main(["table", "--run", str(run), "--mark-better-than", "TDANet"]) == 2
    assert "no such model in the runs (models: DAC, SD-Codec)" in capsys.readouterr().err
