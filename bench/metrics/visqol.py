"""ViSQOL v3 MOS-LQO (Chinen et al., QoMEX 2020), through ``visqol-python``.

Three configurations; the first two are the modes of the authors' ``src/metrics/visqol.py``
(their evaluation defaults to speech):

* ``visqol`` (speech mode, the authors' default): scored at 16 kHz, VAD-based patches, the
  exponential NSIM-to-MOS mapping scaled so that identical speech scores 5.0. This is what the
  authors' code computes: it fills a ``VisqolConfig`` with ``use_speech_scoring=True`` and the
  lattice file as ``svr_model_path`` but never sets ``use_lattice_model``, a proto3 bool whose
  default is false, and Google's ``VisqolApi::Create`` reads it from the options
  (``use_lattice_model = config_options.use_lattice_model()``), so the lattice mapper is off.
  The paper's numbers are consistent with it: DAC's speech resynthesis scores 4.49 at 7.6 dB
  SI-SDR, only 0.02 below what the lattice mapper gives a perfect copy (identical speech, 4.51
  on Google's CA01 sample), a score a 7.6 dB codec is unlikely to reach with that mapper; the
  scaled exponential mapping gives a perfect copy 5.0, 0.51 above 4.49.
* ``visqol_audio`` (audio mode): scored at 48 kHz, SVR quality mapper
  (``libsvm_nu_svr_model.txt``); identical signals score the mapper's maximum, 4.7321.
* ``visqol_lattice`` (speech mode, deep-lattice mapper ``lattice_..._raw.tflite``): the default of
  Google's command-line tool, which Google recommends for new work; not comparable with the
  paper's numbers. Needs the ``ai-edge-litert`` runtime: without it this metric refuses to run
  rather than fall back silently to the exponential mapping.

Inputs at another rate are resampled with soxr (float64, its default high quality), as the
authors do. ``visqol-python`` is a pure-Python port of Google's C++ ViSQOL (no Bazel build).
Agreement with Google's published conformance values is measured by
``bench.metrics.visqol_conformance`` (see docs/metrics.md).

Skips: silent reference (ViSQOL scores noise against silence as excellent), silent estimate
(ViSQOL's level alignment divides by its zero energy and returns NaN), clips under one second
(the library needs about 0.64 s in speech mode and 0.96 s in audio mode to build one patch).
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Any, ClassVar

import numpy as np

from sdcodec.core.errors import MetricError
from bench.util.quiet import quiet_native_stderr
from bench.metrics.base import ClipMetric, Unscorable, register, resample

SPEECH_MODEL = "lattice_tcditugenmeetpackhref_ls2_nl60_lr12_bs2048_learn.005_ep2400_train1_7_raw.tflite"
AUDIO_MODEL = "libsvm_nu_svr_model.txt"


def prefer_workqueue_threads() -> None:
    """Makes numba (visqol-python's kernels) use its own ``workqueue`` threads unless the user chose
    a layer (``NUMBA_THREADING_LAYER``): once torch has loaded OpenMP, numba would otherwise pick
    OpenMP too, and its parallel kernels then ran 2.4x slower here, competing with torch's pool.
    No effect once numba's threads are running."""
    if "NUMBA_THREADING_LAYER" in os.environ:
        return
    try:
        import numba
    except ImportError:  # visqol-python then runs its numpy code
        return
    numba.config.THREADING_LAYER = "workqueue"


#: ViSQOL configurations by mode name: ``visqol-python``'s ``VisqolApi.create`` arguments.
MODES: dict[str, dict[str, Any]] = {
    "speech": dict(mode="speech", use_lattice_model=False),  # the authors' (see the module docstring)
    "speech-lattice": dict(mode="speech", use_lattice_model=True, lattice_model=SPEECH_MODEL),
    "audio": dict(mode="audio", model=AUDIO_MODEL),
}


@functools.lru_cache(maxsize=None)
def visqol_api(mode: str) -> Any:
    """A created ``visqol.VisqolApi`` for ``mode`` (a key of ``MODES``), one per process."""
    import logging

    if mode not in MODES:
        raise ValueError(f"unknown ViSQOL mode {mode!r}; known: {', '.join(MODES)}")
    prefer_workqueue_threads()
    from visqol import VisqolApi

    logging.getLogger("visqol").setLevel(logging.ERROR)  # per-call "consider resampling" notes
    model_dir = os.path.join(os.path.dirname(__import__("visqol").__file__), "model")
    options = dict(MODES[mode])
    if "model" in options:
        options["model_path"] = os.path.join(model_dir, options.pop("model"))
    if "lattice_model" in options:
        options["lattice_model_path"] = os.path.join(model_dir, options.pop("lattice_model"))
    api = VisqolApi()
    try:
        with quiet_native_stderr():
            api.create(**options)
    except ImportError as error:
        raise MetricError(f"visqol ({mode} mode) needs the lattice mapper's runtime: "
                          "pip install ai-edge-litert==2.3.0") from error
    return api


class ViSQOL(ClipMetric):
    """ViSQOL MOS-LQO in speech mode at 16 kHz, exponential mapping scaled to 5 (the authors')."""

    name: ClassVar[str] = "visqol"
    unit: ClassVar[str] = "MOS"
    higher_is_better: ClassVar[bool] = True
    mode: ClassVar[str] = "speech"
    sample_rate: ClassVar[int | None] = 16_000
    min_input_rate: ClassVar[int] = 8_000
    min_seconds: ClassVar[float] = 1.0
    skips_silent_estimate: ClassVar[bool] = True

    def check_available(self) -> None:
        visqol_api(self.mode)

    def score_one(self, estimate: np.ndarray, reference: np.ndarray, sample_rate: int) -> float:
        assert self.sample_rate is not None
        ref = resample(reference, sample_rate, self.sample_rate)
        est = resample(estimate, sample_rate, self.sample_rate)
        try:
            result = visqol_api(self.mode).measure_from_arrays(ref, est, self.sample_rate)
        except (ValueError, IndexError) as error:  # the library's "too short / no patch" cases
            raise Unscorable(f"{self.name} could not build its patches: {error}") from error
        value = float(result.moslqo)
        if not np.isfinite(value):
            raise Unscorable(f"{self.name} returned {value}")
        return value


class ViSQOLAudio(ViSQOL):
    """ViSQOL MOS-LQO in audio mode at 48 kHz (the authors' alternative)."""

    name: ClassVar[str] = "visqol_audio"
    mode: ClassVar[str] = "audio"
    sample_rate: ClassVar[int | None] = 48_000


class ViSQOLLattice(ViSQOL):
    """ViSQOL MOS-LQO in speech mode at 16 kHz with the deep-lattice mapper (Google's CLI default)."""

    name: ClassVar[str] = "visqol_lattice"
    mode: ClassVar[str] = "speech-lattice"


register(ViSQOL())
register(ViSQOLAudio())
register(ViSQOLLattice())
