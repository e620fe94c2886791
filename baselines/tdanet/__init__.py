"""TDANet, the separation baseline of the paper (Li, Yang, Hu, ICLR 2023), for DnR's 3 stems.

``TDANet`` / ``TDANetConfig`` (``model``), the loss ``neg_si_sdr`` (``loss``), and the
``"tdanet"`` model family (``family``: presets, Look2Hear checkpoints, complexity).
"""

from baselines.tdanet.family import TDANET_PRESETS, TDANetFamily
from baselines.tdanet.loss import neg_si_sdr, si_sdr_per_source
from baselines.tdanet.model import TDANet, TDANetConfig

__all__ = ["TDANet", "TDANetConfig", "TDANetFamily", "TDANET_PRESETS", "neg_si_sdr", "si_sdr_per_source"]
