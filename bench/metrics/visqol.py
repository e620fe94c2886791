"""ViSQOL v3 MOS-LQO (Chinen et al., QoMEX 2020), through ``visqol-python``.

Two modes, as in the authors' ``src/metrics/visqol.py`` (their evaluation defaults to speech):

* ``visqol`` (speech mode): scored at 16 kHz, VAD-based patches, the deep-lattice quality mapper
  (``lattice_..._raw.tflite``, the mapper the authors configure and Google's default); scores
  range about 1 to 4.5 (identical speech: 4.5056 on Google's CA01 sample).
* ``visqol_audio`` (audio mode): scored at 48 kHz, SVR quality mapper
  (``libsvm_nu_svr_model.txt``); identical signals score the mapper's maximum, 4.7321.

Inputs at another rate are resampled with soxr (float64, its default high quality), as the
authors do. ``visqol-python`` is a pure-Python port of Google's C++ ViSQOL (no Bazel build); the
lattice mapper needs the ``ai-edge-litert`` runtime: without it this metric refuses to run rather
than fall back to the polynomial mapper, which scores degraded speech up to 1-2 MOS higher.
Agreement with Google's published conformance values is measured by
``bench.metrics.visqol_conformance`` (see docs/metrics.md).

Skips: silent reference (ViSQOL scores noise against silence as excellent), silent estimate
(ViSQOL's level alignment divides by its zero energy and returns NaN), clips under one second
(the library needs about 0.64 s in speech mode and 0.96 s in audio mode to build one patch).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from typing import Any, ClassVar

import numpy as np

from bench.errors import MetricError
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


@contextlib.contextmanager
def quiet_native_stderr():
    """Sends file descriptor 2 to /dev/null for the duration: the LiteRT runtime prints an
    "INFO: Created TensorFlow Lite XNNPACK delegate" line from C++ when the lattice model loads,
    once per worker process, which no logging setting reaches. Python exceptions are unaffected."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@functools.lru_cache(maxsize=None)
def visqol_api(mode: str) -> Any:
    """A created ``visqol.VisqolApi`` for ``mode`` ("speech" or "audio"), one per process."""
    import logging

    prefer_workqueue_threads()
    from visqol import VisqolApi

    logging.getLogger("visqol").setLevel(logging.ERROR)  # per-call "consider resampling" notes
    model_dir = os.path.join(os.path.dirname(__import__("visqol").__file__), "model")
    api = VisqolApi()
    if mode == "speech":
        try:
            with quiet_native_stderr():
                api.create(mode="speech", use_lattice_model=True,
                           lattice_model_path=os.path.join(model_dir, SPEECH_MODEL))
        except ImportError as error:
            raise MetricError("visqol (speech mode) needs the lattice mapper's runtime: "
                              "pip install ai-edge-litert==2.3.0") from error
    elif mode == "audio":
        api.create(mode="audio", model_path=os.path.join(model_dir, AUDIO_MODEL))
    else:
        raise ValueError(f"unknown ViSQOL mode {mode!r}")
    return api


class ViSQOL(ClipMetric):
    """ViSQOL MOS-LQO in speech mode at 16 kHz (the authors' default)."""

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


register(ViSQOL())
register(ViSQOLAudio())
