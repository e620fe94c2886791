"""The paired-differences figure draws B - A per clip, per track, with a zero line and units."""

from __future__ import annotations

import numpy as np

from bench.cli import main
from bench.reporting.paired_plot import paired_differences, plot_paired_differences
from stats.clustered import two_model_rows, write_run


def test_differences_are_b_minus_a_per_clip() -> None:
    rows = two_model_rows(+0.5, tracks=10, models=("DAC", "SD-Codec"))
    data = paired_differences(rows)
    a = rows[rows.model == "DAC"].set_index(["output", "metric", "clip_id"])["value"]
    b = rows[rows.model == "SD-Codec"].set_index(["output", "metric", "clip_id"])["value"]
    expected = (b - a).loc[list(zip(data["output"], data["metric"], data["clip_id"]))].to_numpy()
    assert np.array_equal(data["difference"].to_numpy(), expected)
    assert set(data["comparison"]) == {"SD-Codec − DAC"} and set(data["track"]) == {"Speech", "Music"}


def test_figure_has_zero_line_and_units(tmp_path) -> None:
    import matplotlib.pyplot as plt

    figure = plot_paired_differences(two_model_rows(+0.5, tracks=10, models=("DAC", "SD-Codec")), tmp_path)
    labels = [ax.get_ylabel() for ax in figure.axes if ax.get_ylabel()]
    assert labels == ["Δ SI-SDR (dB)", "Δ ViSQOL (MOS)"]
    for ax in figure.axes:
        assert any(list(line.get_ydata()) == [0.0, 0.0] for line in ax.get_lines())
    plt.close(figure)
    assert plot_paired_differences(two_model_rows(0.0, tracks=3).query("model == 'A'"), tmp_path) is None


def test_plot_command_with_models(tmp_path, capsys) -> None:
    run = write_run(tmp_path / "run", two_model_rows(+0.5, tracks=10, models=("DAC", "SD-Codec")))
    assert main(["plot", "--run", str(run), "--plot", "paired-differences", "--models", "SD-Codec", "DAC"]) == 0
    written = capsys.readouterr().out.split()
    assert [p.rsplit("/", 1)[1] for p in written] == ["paired-differences.png", "paired-differences.pdf"]
    assert main(["plot", "--run", str(run), "--models", "DAC", "TDANet"]) == 2
    assert "no model 'TDANet'" in capsys.readouterr().err
