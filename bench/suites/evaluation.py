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

# Ablations: each variant's checkpoint through resynthesis and separation, shown in the ablation
# table. The embedded defaults are tiny variants (4 codebooks, not the paper's 12), labelled for
# what they are: a label gets the paper's published row only where it names one of the paper's
# variants exactly (``bench.reporting.tables.paper_method``), so the tiny shared-codebook variants (S=1 and
# S=3 of 4, the analogues of S=4 and S=8 of 12) have none. Pass full-size checkpoints as
# LABEL=PATH with the paper's names ('+ shared codebook (S=4)', ...) to compare with the paper.
_ABLATION_TASKS = ("resynthesis", "separation")
SUITES.add("ablation-shared-codebook", Suite(
    "ablation-shared-codebook",
    "Sharing the last S codebooks across branches: the tiny SD-Codec (S=0) and tiny variants "
    "sharing 1 and 3 of their 4 codebooks (the analogues of the paper's S=4 and S=8 of 12).",
    tasks=_ABLATION_TASKS,
    default_models=("SD-Codec=sdcodec-tiny", "+ shared codebook (S=1 of 4)=sdcodec-tiny-shared1",
                    "+ shared codebook (S=3 of 4)=sdcodec-tiny-shared3"),
    layouts=("ablation",),
))
SUITES.add("ablation-separation-enhance", Suite(
    "ablation-separation-enhance",
    "Training with 20/20/60 one/two/three-track examples: the tiny SD-Codec and its "
    "'+ separation enhance' variant.",
    tasks=_ABLATION_TASKS,
    default_models=("SD-Codec=sdcodec-tiny", "+ separation enhance=sdcodec-tiny-sepenhance"),
    layouts=("ablation",),
))
# Initialisation from DAC, both ways (sdcodec.init_dac): DAC's weights really copied, and what
# the authors' published code does (it copies nothing: random initial weights, 1 shared codebook),
# which trains exactly as tiny-shared1 (tests/train/test_recipes.py), the checkpoint used for it.
INIT_DAC_LABELS = {"copy": "+ initialization from DAC (weights copied)",
                   "authors": "+ initialization from DAC (authors' code: random init)"}
SUITES.add("ablation-init-dac", Suite(
    "ablation-init-dac",
    "Initialising every branch from DAC (dac-tiny; 1 shared codebook), both ways: the tiny "
    "SD-Codec, the variant whose branches start from DAC's weights, and the variant trained as the "
    "authors' published code does it (their _load_pretrained copies nothing: a random start).",
    tasks=_ABLATION_TASKS,
    default_models=("SD-Codec=sdcodec-tiny", f"{INIT_DAC_LABELS['copy']}=sdcodec-tiny-initdac",
                    f"{INIT_DAC_LABELS['authors']}=sdcodec-tiny-shared1"),
    layouts=("ablation",),
))
