"""The clip-evaluation suites of the paper: resynthesis, separation, ablations, ood coding."""

from __future__ import annotations

from bench.suites.base import SUITES, Suite

SUITES.add("resynthesis", Suite(
    "resynthesis",
    "Mixture in -> mixture out, each source alone in -> its branch out (DAC: the one branch); "
    "SI-SDR and ViSQOL per track (the paper's resynthesis table).",
    tasks=("resynthesis",),
    default_models=("SD-Codec=sdcodec-tiny", "DAC=dac-tiny"),
    layouts=("resynthesis",),
))
SUITES.add("separation", Suite(
    "separation",
    "Mixture in -> each branch decoded (and masking of the mixture STFT as an extra row); "
    "SI-SDR, SI-SDRi and ViSQOL per source; TDANet through the same scoring path.",
    tasks=("separation", "separation-mask"),
    default_models=("TDANet=tdanet-tiny", "SD-Codec=sdcodec-tiny"),
    layouts=("separation", "separation-mask"),
))
SUITES.add("ood-coding", Suite(
    "ood-coding",
    "Every source through every branch: the paper's out-of-domain coding matrix of SI-SDR.",
    tasks=("ood-coding",),
    default_models=("SD-Codec=sdcodec-tiny",),
    layouts=("ood-coding",),
))

# Ablations: each variant's checkpoint through resynthesis and separation; the labels are the
# paper's row names so that `bench table --paper` finds the published rows.
_ABLATION_TASKS = ("resynthesis", "separation")
SUITES.add("ablation-shared-codebook", Suite(
    "ablation-shared-codebook",
    "Shared last-S codebooks (S = 0, 4, 8): pass each variant's checkpoint as LABEL=PATH with the "
    "labels 'SD-Codec', '+ shared codebook (S=4)', '+ shared codebook (S=8)'.",
    tasks=_ABLATION_TASKS,
    default_models=("SD-Codec=sdcodec-tiny", "+ shared codebook (S=4)=sdcodec-tinyshared4",
                    "+ shared codebook (S=8)=sdcodec-tinyshared8"),
    layouts=("ablation",),
))
SUITES.add("ablation-separation-enhance", Suite(
    "ablation-separation-enhance",
    "Training with 20/20/60 one/two/three-track examples: 'SD-Codec' and "
    "'+ separation enhance' checkpoints.",
    tasks=_ABLATION_TASKS,
    default_models=("SD-Codec=sdcodec-tiny", "+ separation enhance=sdcodec-tinysepenhance"),
    layouts=("ablation",),
))
SUITES.add("ablation-init-dac", Suite(
    "ablation-init-dac",
    "Initialising every branch from DAC: 'SD-Codec' and '+ initialization from DAC' checkpoints.",
    tasks=_ABLATION_TASKS,
    default_models=("SD-Codec=sdcodec-tiny", "+ initialization from DAC=sdcodec-tinyinitdac"),
    layouts=("ablation",),
))
