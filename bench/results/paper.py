"""The paper's published numbers (``results/paper/*.csv``) in the results' tidy layout.

The CSVs are kept exactly as published (mean and population std over clips). ``paper_summary``
turns them into rows of the same shape as ``bench.results.summary.summarize`` produces, so that
tables put our numbers and the paper's side by side with one join.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bench.results.paths import paper_dir

#: Paper method names of the model families (the label tables use for a family's checkpoint).
FAMILY_LABELS: dict[str, str] = {"sdcodec": "SD-Codec", "dac": "DAC", "tdanet": "TDANet"}

#: Columns of a summary table (ours or the paper's).
SUMMARY_COLUMNS = ["split", "method", "task", "input", "output", "metric", "mean", "std"]


def _read(name: str, root: Path | None) -> pd.DataFrame:
    return pd.read_csv((root or paper_dir()) / name)


def _melt_metrics(frame: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    rows = []
    for metric in metrics:
        part = frame.rename(columns={f"{metric}_mean": "mean", f"{metric}_std": "std"})
        part = part.assign(metric=metric)
        rows.append(part)
    return pd.concat(rows, ignore_index=True)


def paper_summary(root: Path | None = None) -> pd.DataFrame:
    """All published numbers as tidy rows (``SUMMARY_COLUMNS``) plus ``variant`` for ablations.

    Tasks: ``resynthesis`` (input = output = the track), ``separation`` (input ``mix``), and the
    ablation table's SI-SDR columns with ``variant`` set (``method`` = ``SD-Codec``).
    """
    resyn = _melt_metrics(_read("resynthesis.csv", root), ["si_sdr", "visqol"])
    resyn = resyn.assign(task="resynthesis", input=resyn["track"], output=resyn["track"], variant="")
    sep = _melt_metrics(_read("separation.csv", root), ["si_sdr", "si_sdri", "visqol"])
    sep = sep.assign(task="separation", input="mix", output=sep["track"], variant="")

    ablation = _read("ablation.csv", root)
    abl_rows = []
    for column in ablation.columns:
        if not column.endswith("_mean"):
            continue
        prefix, track = column[: -len("_mean")].split("_", 1)
        task = "resynthesis" if prefix == "resyn" else "separation"
        abl_rows.append(
            pd.DataFrame(
                {
                    "split": ablation["split"],
                    "method": "SD-Codec",
                    "variant": ablation["variant"],
                    "task": task,
                    "input": track if task == "resynthesis" else "mix",
                    "output": track,
                    "metric": "si_sdr",
                    "mean": ablation[column],
                    "std": ablation[f"{prefix}_{track}_std"],
                }
            )
        )
    abl = pd.concat(abl_rows, ignore_index=True)
    columns = SUMMARY_COLUMNS + ["variant"]
    return pd.concat([resyn[columns], sep[columns], abl[columns]], ignore_index=True)


def paper_bitrates(root: Path | None = None) -> pd.DataFrame:
    """The paper's bitrate per method (``bitrates.csv``): ``kbps_per_branch`` = codebooks x
    log2(codebook size) x frames per second / 1000 (6 kbps for both), and ``branches`` (SD-Codec
    transmits all three for a mixture, one for a source coded alone)."""
    import math

    frame = _read("bitrates.csv", root)
    kbps = frame["n_codebooks"] * frame["codebook_size"].map(math.log2) * frame["frame_rate"] / 1000
    return frame.assign(kbps_per_branch=kbps)
