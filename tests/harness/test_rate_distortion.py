"""The rate-distortion task: one row per clip and operating point, resumption per clip and
point, the table with one row per model and point, and the figure."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import torch
from torch import nn

from bench.api import Codec
from bench.engine.tasks import split_task_label, task_label
from bench.models import EvalModel
from bench.reporting.rate_distortion import by_operating_point, curve_points, paper_points
from bench.results.store import RunStore
from bench.results.summary import summarize

from .test_engine import Clips, killed_after
from .test_engine import run as run_engine


class ScalableCodec(Codec, nn.Module):
    """n quantizers leave an echo of 0.4 / n: quality grows with the bitrate; 2 kbps each."""

    sample_rate = 16000
    quantizer_options = (1, 2, 4)
    coded: list[int | None] = []

    def __init__(self) -> None:
        nn.Module.__init__(self)
        self.gain = nn.Parameter(torch.tensor(1.0))

    def resynthesize(self, audio, *, track=None, n_quantizers=None):
        n = n_quantizers or 4
        ScalableCodec.coded += [n] * audio.shape[0]
        return self.gain * audio + (0.4 / n) * torch.roll(audio, 1, -1)

    def nominal_kbps(self, *, track=None, n_quantizers=None):
        return 2.0 * (n_quantizers or 4)


def run(tmp_path, store=None, **kwargs) -> RunStore:
    return run_engine(tmp_path, store, EvalModel(ScalableCodec(), "Scalable"), "rate-distortion", **kwargs)


def test_one_row_per_clip_and_operating_point(tmp_path) -> None:
    ScalableCodec.coded = []
    rows = run(tmp_path).complete()
    assert sorted(set(rows["task"])) == ["rate-distortion@1", "rate-distortion@2", "rate-distortion@4"]
    assert len(rows) == 3 * 7 * 4  # points x clips x (mix + 3 sources), one metric
    assert not rows.duplicated(["task", "input", "clip_id"]).any()
    assert sorted(set(ScalableCodec.coded)) == [1, 2, 4]
    # each point's SI-SDR is that of x + (0.4 / n) roll(x), computed independently in float64
    x = Clips().items[0]["speech"][0].double()
    for n in (1, 2, 4):
        est = x + (0.4 / n) * torch.roll(x, 1, -1)
        x0, e0 = x - x.mean(), est - est.mean()
        target = (e0 @ x0) / (x0 @ x0) * x0
        expected = 10 * torch.log10((target @ target) / ((e0 - target) @ (e0 - target)))
        value = rows[(rows.task == f"rate-distortion@{n}") & (rows.clip_id == "c0") & (rows.input == "speech")]
        assert value["value"].item() == pytest.approx(expected.item(), abs=1e-4)


def test_only_the_requested_operating_points(tmp_path) -> None:
    rows = run(tmp_path, quantizers=(1, 4, 8)).complete()
    assert sorted(set(rows["task"])) == ["rate-distortion@1", "rate-distortion@4"]


def test_resume_after_kill_recomputes_nothing_twice(tmp_path, monkeypatch) -> None:
    full = run(tmp_path / "a").complete()
    # killed after the 4 batches of point 1 and the first batch of point 2
    store = killed_after(5, tmp_path / "b", lambda: run(tmp_path / "b"), monkeypatch)
    assert {(task, n) for _, task, n in [(u[0], *split_task_label(u[1])) for u in store.done_units()]} == \
        {("rate-distortion", 1), ("rate-distortion", 2)}
    ScalableCodec.coded = []
    resumed = run(tmp_path / "b", store=store).complete()
    # point 2: the 5 clips after the first batch; point 4: all 7; each coded once (x 4 inputs)
    assert sorted(ScalableCodec.coded) == [2] * 5 * 4 + [4] * 7 * 4
    pd.testing.assert_frame_equal(resumed, full)


def test_task_labels_round_trip() -> None:
    assert task_label("rate-distortion", 3) == "rate-distortion@3"
    assert task_label("resynthesis", None) == "resynthesis"
    assert split_task_label("rate-distortion@12") == ("rate-distortion", 12)
    assert split_task_label("resynthesis") == ("resynthesis", None)


def test_table_rows_per_operating_point_with_their_kbps(tmp_path) -> None:
    store = run(tmp_path)
    rows = store.complete()
    manifest = store.read_manifest()
    assert [p["kbps"] for p in manifest["models"][0]["operating_points"]] == [2.0, 4.0, 8.0]
    summary, bitrates = by_operating_point(summarize(rows), [manifest])
    assert list(dict.fromkeys(summary["model"])) == ["Scalable (n_q=1)", "Scalable (n_q=2)", "Scalable (n_q=4)"]
    assert set(summary["task"]) == {"rate-distortion"}
    assert bitrates == {"Scalable (n_q=1)": (2.0, None), "Scalable (n_q=2)": (4.0, None),
                        "Scalable (n_q=4)": (8.0, None)}
    curves = curve_points(rows, [manifest])
    speech = curves[(curves.track == "speech")].sort_values("kbps")
    assert list(speech["kbps"]) == [2.0, 4.0, 8.0] and speech["mean"].is_monotonic_increasing


def test_figure_has_a_panel_per_track_with_units(tmp_path) -> None:
    from bench.reporting.plots import make_plots

    store = run(tmp_path)
    store.complete()
    written = make_plots(store.run_dir, tmp_path / "plots", ["rate-distortion"])
    assert sorted(p.name for p in written) == ["rate-distortion.pdf", "rate-distortion.png"]
    from bench.reporting.rate_distortion import plot_rate_distortion
    from bench.results.store import load_rows

    figure = plot_rate_distortion(load_rows(store.run_dir), store.run_dir)
    axes = figure.axes
    assert [a.get_title() for a in axes] == ["Mix | SI-SDR", "Speech | SI-SDR", "Music | SI-SDR", "SFX | SI-SDR"]
    assert {a.get_xlabel() for a in axes} == {"bitrate (kbps)"} and axes[0].get_ylabel() == "SI-SDR (dB)"
    labels = axes[0].get_legend_handles_labels()[1]
    assert "SD-Codec (paper, DnR test)" in labels and "DAC (paper, DnR test)" in labels


def test_paper_points_at_the_published_bitrate() -> None:
    points = paper_points("test").set_index(["method", "track", "metric"])
    # 12 codebooks x 10 bits x 50 frames/s = 6 kbps per branch; SD-Codec's mixture: 3 branches
    assert points.loc[("DAC", "mix", "si_sdr"), "kbps"] == 6.0
    assert points.loc[("SD-Codec", "mix", "si_sdr"), "kbps"] == 18.0
    assert points.loc[("SD-Codec", "speech", "si_sdr"), "kbps"] == 6.0
    assert points.loc[("SD-Codec", "mix", "si_sdr"), "mean"] == 6.98
    assert math.isclose(points.loc[("DAC", "sfx", "visqol"), "mean"], 3.98)
