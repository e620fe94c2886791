"""DAC's reference implementation (``descript-audio-codec``) as a speed and accuracy oracle.

The reference imports ``audiotools``, which imports torchaudio (no CPU build here). When the
real package cannot be imported, the minimal stand-ins of ``tests/oracles/`` (a checkout's test
oracles) are put first on ``sys.path``. Everything here is optional: without the reference the
throughput suite simply reports no ratio.
"""

from __future__ import annotations

import importlib
import sys
import types
from types import ModuleType

import torch
from torch import nn

from bench.results.paths import REPO_ROOT
from sdcodec.transposed_conv import ConvTranspose1d

ORACLES = REPO_ROOT / "tests" / "oracles"


def import_reference_dac() -> ModuleType | None:
    """The ``dac`` package, or None when it (or a stand-in for its imports) is unavailable."""
    try:
        importlib.import_module("audiotools")
    except Exception:
        if not ORACLES.is_dir():
            return None
        sys.modules.pop("audiotools", None)
        sys.path.insert(0, str(ORACLES))
    try:
        return importlib.import_module("dac")
    except Exception:
        return None


def reference_twin(model: nn.Module, branch: str | None = None) -> nn.Module | None:
    """The reference ``dac.model.DAC`` computing what ``model`` computes through one branch,
    with the same weights (in eval mode), or None when the reference is unavailable.

    ``branch`` (default the first) picks the quantizer: DAC's one RVQ, or an SD-Codec track's
    branch, whose own layers become the reference's first codebooks and the shared layers
    (``quantizer.shared_rvq``, when ``shared_codebooks > 0``) its last ones: DAC's RVQ quantizes
    each layer's residual in turn, which is what own-then-shared does. The reference's
    transposed convolutions take ``model``'s padding (its constructor fixes DAC 1.0.0's; the
    SD-Codec authors' differs by a sample), so encoder output, codes and audio all agree.

    They also compute as ours do (``sdcodec.transposed_conv``: ATen's kernel instead of
    oneDNN's on the CPU, whose deconvolution gets some samples of the 16 kHz stride-5 block
    wrong on two or more threads): the reference is then correct on any thread count, and a
    speed ratio compares the two implementations, not two kernels of which one is faulty.
    Everything else is descript-audio-codec's code as published.
    """
    from sdcodec.nn import adapt_weight_norm_keys

    dac = import_reference_dac()
    if dac is None:
        return None
    cfg = model.config
    reference = dac.model.DAC(
        encoder_dim=cfg.encoder_dim, encoder_rates=list(cfg.encoder_rates),
        latent_dim=model.latent_dim, decoder_dim=cfg.decoder_dim,
        decoder_rates=list(cfg.decoder_rates), n_codebooks=cfg.n_codebooks,
        codebook_size=cfg.codebook_size, codebook_dim=cfg.codebook_dim,
        sample_rate=cfg.sample_rate,
    )
    branch = model.branches[0] if branch is None else model.branch_of(branch)
    quantizer = model.quantizer
    if hasattr(quantizer, "rvq_dict"):  # SD-Codec: (key prefix, index of its first layer in DAC's RVQ)
        layers = [(f"quantizer.rvq_dict.{branch}.quantizers.", 0)]
        if getattr(quantizer, "shared_codebooks", 0) > 0:
            layers.append(("quantizer.shared_rvq.quantizers.", quantizer.rvq_dict[branch].n_codebooks))
    else:
        layers = [("quantizer.quantizers.", 0)]
    state = {}
    for key, value in model.state_dict().items():
        if not key.startswith("quantizer."):
            state[key] = value
            continue
        for prefix, first in layers:
            if key.startswith(prefix):
                index, rest = key[len(prefix):].split(".", 1)
                state[f"quantizer.quantizers.{int(index) + first}.{rest}"] = value
    reference.load_state_dict(adapt_weight_norm_keys(state, reference.state_dict().keys()), strict=True)
    ours_up = [m for m in model.decoder.modules() if isinstance(m, nn.ConvTranspose1d)]
    theirs_up = [m for m in reference.decoder.modules() if isinstance(m, nn.ConvTranspose1d)]
    for mine, theirs in zip(ours_up, theirs_up, strict=True):
        theirs.padding, theirs.output_padding = mine.padding, mine.output_padding
        theirs.forward = types.MethodType(ConvTranspose1d.forward, theirs)  # see the docstring
    return reference.eval()


def reference_stages(reference: nn.Module, audio: torch.Tensor) -> dict[str, object]:
    """The reference's encode (to codes), decode (from codes) and round trip on ``audio``."""
    length = audio.shape[-1]
    padded = reference.preprocess(audio, reference.sample_rate)
    _, codes, *_ = reference.encode(padded)

    def decode(c: torch.Tensor) -> torch.Tensor:
        z = reference.quantizer.from_codes(c)[0]
        return reference.decode(z)[..., :length]

    return {
        "encode": lambda: reference.encode(reference.preprocess(audio, reference.sample_rate))[1],
        "decode": lambda: decode(codes),
        "roundtrip": lambda: decode(reference.encode(reference.preprocess(audio, reference.sample_rate))[1]),
    }
