"""DAC's reference implementation (``descript-audio-codec``) as a speed and accuracy oracle.

The reference imports ``audiotools``, which imports torchaudio (no CPU build here). When the
real package cannot be imported, the minimal stand-ins of ``tests/oracles/`` (a checkout's test
oracles) are put first on ``sys.path``. Everything here is optional: without the reference the
throughput suite simply reports no ratio.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

import torch
from torch import nn

from bench.paths import REPO_ROOT

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


def reference_twin(model: nn.Module) -> nn.Module | None:
    """The reference ``dac.model.DAC`` with ``model``'s encoder, decoder and (first branch)
    quantizer configuration and weights, or None when the reference is unavailable."""
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
    ours = model.state_dict()
    wanted = reference.state_dict().keys()
    branch = model.branches[0]
    prefix = f"quantizer.rvq_dict.{branch}." if hasattr(model.quantizer, "rvq_dict") else "quantizer."
    state = {k: v for k, v in ours.items() if not k.startswith("quantizer.")}
    state.update({"quantizer." + k[len(prefix):]: v for k, v in ours.items() if k.startswith(prefix)})
    state = adapt_weight_norm_keys(state, wanted)
    state = {k: v for k, v in state.items() if k in wanted}
    missing = set(wanted) - set(state)
    if missing:  # e.g. shared-codebook layouts: the branch alone is not a DAC quantizer
        state.update({k: v for k, v in reference.state_dict().items() if k in missing and "quantizer" in k})
    reference.load_state_dict(state, strict=True)
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
