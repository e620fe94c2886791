"""``bench run --suite rate-distortion`` from the command line on an embedded model and a tiny
Hugging Face codec saved locally: the table, the figure, and a re-run that computes nothing."""

from __future__ import annotations


import pandas as pd

from bench.results.store import RunStore

from .tiny import build


def test_rate_distortion_from_the_cli_with_a_local_hf_codec(bench_cli, tmp_path):
    """A 24 kHz EnCodec (resampled from and to 16 kHz) with a hop of 64 samples: 375 frames/s
    x 4 bits = 1.5 kbps per quantizer."""
    import transformers

    config = transformers.EncodecConfig(hidden_size=16, num_filters=4, upsampling_ratios=[8, 8], codebook_size=16,
                                        target_bandwidths=[1.5, 3.0, 4.5], sampling_rate=24_000, num_lstm_layers=1)
    build(config).save_pretrained(tmp_path / "encodec")
    out = tmp_path / "rd"
    argv = ["run", "--suite", "rate-distortion", "--model", "DAC=dac-tiny",
            "--model", f"EnCodec=hf:{tmp_path / 'encodec'}", "--split", "val", "--limit", "1",
            "--metrics", "si_sdr", "--n-quantizers", "1,2", "--out", str(out)]
    status, printed = bench_cli(*argv)
    assert status == 0
    assert "| DAC (n_q=1) | 6.4 |" in printed and "| EnCodec (n_q=2) | 3 |" in printed, printed
    assert (out / "plots" / "rate-distortion.png").is_file() and (out / "plots" / "rate-distortion.pdf").is_file()
    rows = pd.read_parquet(out / "clips.parquet")
    assert sorted(set(rows["task"])) == ["rate-distortion@1", "rate-distortion@2"]
    assert len(rows) == 2 * 2 * 4  # models x points x (mix + 3 sources), one clip, one metric
    manifest = RunStore(out).read_manifest()
    encodec = next(m for m in manifest["models"] if m["label"] == "EnCodec")
    assert encodec["source"] == "hf" and encodec["sample_rate"] == 24_000 and encodec["resampled"]
    assert [p["kbps"] for p in encodec["operating_points"]] == [1.5, 3.0, 4.5]
    # the same command again resumes into the folder: every unit found done, none computed
    status, printed = bench_cli(*argv)
    assert status == 0
    last = RunStore(out).read_manifest()["profiles"][-1]
    assert last["units"] == 0 and last["units_already_done"] == 4
    pd.testing.assert_frame_equal(pd.read_parquet(out / "clips.parquet"), rows)
