"""An ablation suite end to end through ``bench run``: variant checkpoints made here (the tiny
SD-Codec with 0, 1 and 3 of its 4 codebooks shared, random weights), labelled as the suite's
defaults are, give the ablation table with one row per variant whose numbers are the per-clip
means and population standard deviations recomputed from ``clips.parquet``; with ``--paper``
only the row that names a paper variant (``SD-Codec``) gets a published row."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
import torch


LABELS = ("SD-Codec", "+ shared codebook (S=1 of 4)", "+ shared codebook (S=3 of 4)")


def tiny_checkpoint(path, shared: int):
    from sdcodec.checkpoint import save_model
    from sdcodec.config import sdcodec_preset
    from sdcodec.model import SDCodec

    torch.manual_seed(shared)
    model = SDCodec(sdcodec_preset("tiny", shared_codebooks=shared))
    assert model.config.shared_codebooks == shared
    return save_model(model, "sdcodec", model.config, path)


def test_ablation_suite_prints_one_row_per_variant_with_the_clip_statistics(bench_cli, tmp_path, capsys) -> None:
    specs = []
    for label, shared in zip(LABELS, (0, 1, 3)):
        specs += ["--model", f"{label}={tiny_checkpoint(tmp_path / f'shared{shared}.pt', shared)}"]
    run = tmp_path / "ablation"
    status, printed = bench_cli("run", "--suite", "ablation-shared-codebook", *specs, "--split", "val",
                            "--limit", "2", "--batch-size", "2", "--metrics", "si_sdr", "--paper",
                            "--out", str(run))
    assert status == 0
    # bench run printed the suite's layout: the ablation table, not the resynthesis/separation ones
    assert "**Ablations" in printed and "**Resynthesis (" not in printed and "**Separation (" not in printed
    table_lines = [line for line in printed.splitlines() if line.startswith("| ")][1:]
    assert [line.split("|")[1].strip() for line in table_lines] == [
        "SD-Codec", "SD-Codec (paper)", "Δ vs paper", *LABELS[1:]]
    assert "note: the paper's numbers come from the authors' protocol" in capsys.readouterr().err

    status, text = bench_cli("table", "--run", str(run), "--format", "csv")
    assert status == 0
    table = pd.read_csv(io.StringIO(text))
    assert set(table["table"]) == {"ablation"} and set(table["kind"]) == {"ours"}
    assert list(dict.fromkeys(table["row"])) == list(LABELS)  # one row per variant, in order
    assert (table.groupby("row").size() == 7).all()  # 4 resynthesis + 3 separation columns each
    clips = pd.read_parquet(run / "clips.parquet")
    assert set(clips["model"]) == set(LABELS) and clips["clip_id"].nunique() == 2
    scored = clips[clips["skipped"].fillna("") == ""]
    for row in table.itertuples():
        values = scored[(scored["model"] == row.row) & (scored["task"] == row.task)
                        & (scored["input"] == row.input) & (scored["output"] == row.output)
                        & (scored["metric"] == "si_sdr")]["value"].to_numpy()
        assert len(values) > 0, row
        assert row.mean == pytest.approx(float(np.mean(values)), abs=1e-9)
        assert row.std == pytest.approx(float(np.std(values, ddof=0)), abs=1e-9)
    # the variants really differ (each row is its own checkpoint's)
    assert table.groupby("row")["mean"].apply(tuple).nunique() == 3
