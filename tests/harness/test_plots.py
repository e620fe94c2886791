"""The throughput figure keeps apart what must not be averaged together: our implementation and
descript-audio-codec's, whole-model and one-branch timings."""

from __future__ import annotations

import pandas as pd

from bench.reporting.plots import plot_throughput


def test_throughput_lines_separate_implementations_and_branches(tmp_path) -> None:
    rows = []
    for implementation, branch, speed in (("sdbench", "all", 40.0), ("reference", "speech", 20.0),
                                          ("sdbench", "speech", 30.0)):
        for batch in (1, 2):
            rows.append(dict(model="SD-Codec", implementation=implementation, stage="encode", branch=branch,
                             device="cpu", precision="fp32", batch_size=batch, clip_seconds=0.5,
                             audio_seconds_per_second=speed * batch))
    pd.DataFrame(rows).to_csv(tmp_path / "throughput.csv", index=False)
    figure = plot_throughput(pd.DataFrame(), tmp_path)
    axis = figure.axes[0]
    lines = [line for line in axis.get_lines() if len(line.get_xdata()) == 2]
    assert sorted(max(line.get_ydata()) for line in lines) == [40.0, 60.0, 80.0]  # never averaged
    legend = {text.get_text() for text in figure.legends[0].get_texts()}
    assert {"SD-Codec", "SD-Codec (reference) [speech branch]", "SD-Codec [speech branch]"} <= legend


def test_metric_axes_are_labelled_with_their_units(tmp_path, rows) -> None:
    """Each row of the distributions figure is one metric, its y axis labelled with the metric's
    unit from the registry (issue 15: the axes had no label)."""
    from bench.reporting.plots import metric_axis_label, plot_distributions

    figure = plot_distributions(rows, tmp_path)
    labels = [axis.get_ylabel() for axis in figure.axes if axis.get_ylabel()]
    assert sorted(labels) == ["SI-SDR (dB)", "ViSQOL (MOS)"]
    assert [metric_axis_label(m) for m in ("si_sdri", "pesq")] == ["SI-SDRi (dB)", "PESQ (MOS)"]
    assert metric_axis_label("not_a_metric") == "not_a_metric"
    import matplotlib.pyplot as plt

    plt.close(figure)
