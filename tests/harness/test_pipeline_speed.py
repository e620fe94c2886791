"""Speed of the evaluation pipeline (pytest-benchmark): the resynthesis suite of the embedded
SD-Codec on the synthetic test split (10 s clips) with SI-SDR and ViSQOL (process pool), batch 2.
Prints clips per second and the profile the run records in its manifest (where the time goes:
loading, inference, metric submission, waiting for the pool, writing)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench.engine.evaluate import PHASES
from bench.engine.runconfig import RunConfig
from bench.engine.runner import run_suite

CLIPS = 4


@pytest.mark.benchmark(group="evaluation-pipeline")
def test_evaluation_pipeline_clips_per_second(benchmark, tmp_path, capsys):
    out = tmp_path / "run"
    config = RunConfig(suite="resynthesis", models=("SD-Codec=sdcodec-tiny",), metrics=("si_sdr", "visqol"),
                       limit=CLIPS, batch_size=2)

    def setup():
        shutil.rmtree(out, ignore_errors=True)  # every round scores from scratch

    benchmark.pedantic(lambda: run_suite(config, out, progress=False, echo=False), setup=setup, rounds=1, iterations=1)
    manifest = json.loads((Path(out) / "manifest.json").read_text())
    profile = manifest["profiles"][-1]
    # resynthesis scores the mixture and each of the three sources per clip
    assert profile["units"] == CLIPS
    assert set(profile["phases"]) <= set(PHASES) and {"load", "infer", "wait_metrics"} <= set(profile["phases"])
    assert sum(profile["phases"].values()) <= profile["seconds"] * 1.01 + 0.05
    benchmark.extra_info.update(profile)
    shares = ", ".join(f"{k} {v:.2f} s" for k, v in profile["phases"].items())
    with capsys.disabled():
        print(f"\n[evaluation pipeline, SD-Codec tiny, {CLIPS} x 10 s clips, SI-SDR + ViSQOL] "
              f"{profile['units_per_second']:.2f} clips/s ({profile['seconds']:.1f} s: {shares})")
