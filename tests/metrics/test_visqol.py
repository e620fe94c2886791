"""ViSQOL: the properties CI can check without Google's audio (the measured agreement with
Google's published values on its own test pairs is in docs/metrics.md)."""

from __future__ import annotations

import numpy as np
import pytest
import soxr

from bench.metrics import get_metric, score_clip
from bench.metrics.visqol import visqol_api
from bench.metrics.visqol_conformance import CASES

#: Google's expected MOS for an identical pair in audio mode (castanets48_stereo.wav against
#: itself, src/include/conformance.h): every band's NSIM is 1, so the SVR's output is fixed.
GOOGLE_AUDIO_IDENTITY = 4.732101253042348


def noisy(signal: np.ndarray, snr_db: float, seed: int = 1) -> np.ndarray:
    noise = np.random.default_rng(seed).standard_normal(signal.size)
    noise *= np.linalg.norm(signal) / np.linalg.norm(noise) / 10 ** (snr_db / 20)
    return signal + noise


def test_identical_audio_scores_googles_identity_value(speech):
    clip = speech(1.5, 48000)
    value = score_clip(["visqol_audio"], clip, clip, 48000)["visqol_audio"].value
    assert abs(value - GOOGLE_AUDIO_IDENTITY) < 1e-4
    assert GOOGLE_AUDIO_IDENTITY in {case.expected for case in CASES}


@pytest.mark.parametrize("name", ["visqol", "visqol_audio", "visqol_lattice"])
def test_scores_fall_monotonically_as_noise_grows(speech, name):
    clip = speech(2.0, 16000)
    scores = [score_clip([name], clip, clip, 16000)[name].value]
    scores += [score_clip([name], noisy(clip, snr), clip, 16000)[name].value for snr in (35, 20, 8)]
    assert all(a > b for a, b in zip(scores, scores[1:])), scores
    assert 1.0 <= scores[-1] and scores[0] <= 5.0


def test_identical_speech_scores_five(speech):
    """The authors' speech configuration (exponential mapping, scaled): a perfect NSIM maps to a
    MOS of exactly 5.0 whatever the content (Google: "scaled to have a maximum MOS of 5.0")."""
    clip = speech(2.0, 16000)
    assert score_clip(["visqol"], clip, clip, 16000)["visqol"].value == pytest.approx(5.0, abs=1e-9)
    assert score_clip(["visqol_lattice"], clip, clip, 16000)["visqol_lattice"].value < 4.6


def test_speech_mode_is_the_authors_exponential_mapping_not_the_lattice(speech):
    """The authors' VisqolConfig leaves ``use_lattice_model`` at its proto3 default (false): the
    ``visqol`` metric is visqol-python's exponential mapping, and ``visqol_lattice`` differs."""
    from visqol import VisqolApi

    clip = speech(2.0, 16000)
    degraded = noisy(clip, 20)
    ours = float(get_metric("visqol")(degraded[None], clip[None], 16000)[0])
    exponential = VisqolApi()
    exponential.create(mode="speech", use_lattice_model=False)
    assert exponential.measure_from_arrays(clip, degraded, 16000).moslqo == ours
    lattice = float(get_metric("visqol_lattice")(degraded[None], clip[None], 16000)[0])
    assert lattice == visqol_api("speech-lattice").measure_from_arrays(clip, degraded, 16000).moslqo
    assert abs(lattice - ours) > 0.05


@pytest.mark.parametrize("name,rate", [("visqol", 16000), ("visqol_audio", 48000)])
def test_inputs_at_another_rate_are_resampled_with_soxr_like_the_authors(speech, name, rate):
    clip = speech(1.5, 32000)
    degraded = noisy(clip, 25)
    direct = score_clip([name], degraded, clip, 32000)[name].value
    by_hand = score_clip([name], soxr.resample(degraded, 32000, rate), soxr.resample(clip, 32000, rate),
                         rate)[name].value
    # Equal up to the last bits: visqol-python's numba kernels may sum in another order from one
    # call to the next (seen: 2.689639512996429 vs ...431 in audio mode); another resampler would
    # move the score by far more than 1e-9.
    assert direct == pytest.approx(by_hand, abs=1e-9)


def test_skips_silent_reference_silent_estimate_and_short_clips(speech):
    clip = speech(1.5, 16000)
    names = ["visqol", "visqol_audio"]
    for name, value in score_clip(names, clip, np.zeros_like(clip), 16000).items():
        assert value.value is None and value.skipped == "silent reference"
    for name, value in score_clip(names, np.zeros_like(clip), clip, 16000).items():
        assert value.value is None and value.skipped.startswith("silent estimate")
    for name, value in score_clip(names, clip[:12000], clip[:12000], 16000).items():
        assert value.value is None and value.skipped.startswith(f"too short for {name}")


def test_conformance_replay_reproduces_googles_identity_case(speech, tmp_path):
    """Google's "castanets identical" case holds for any identical pair (every NSIM is 1), so the
    replay tool can run it on a synthetic stereo file laid out like Google's testdata."""
    import soundfile as sf

    from bench.metrics.visqol_conformance import run

    case = next(c for c in CASES if c.name == "castanets identical")
    path = tmp_path / case.reference
    path.parent.mkdir(parents=True)
    stereo = np.stack([speech(1.5, 48000, seed=0), speech(1.5, 48000, seed=1)], axis=1)
    sf.write(path, stereo, 48000, subtype="PCM_16")
    rows = {row["case"]: row for row in run(tmp_path)}
    assert abs(rows[case.name]["difference"]) < 1e-4
    assert rows["strauss lp35"]["measured"] is None  # absent files are reported, not guessed


def test_a_missing_lattice_runtime_is_a_clear_error_before_any_worker_starts(monkeypatch):
    import builtins

    from sdcodec.core.errors import MetricError
    from bench.metrics import MetricPool

    real_import = builtins.__import__

    def no_litert(name, *args, **kwargs):
        if name.startswith("ai_edge_litert"):
            raise ImportError("No module named 'ai_edge_litert'")
        return real_import(name, *args, **kwargs)

    visqol_api.cache_clear()
    monkeypatch.setattr(builtins, "__import__", no_litert)
    try:
        with pytest.raises(MetricError, match="pip install ai-edge-litert"):
            MetricPool(["si_sdr", "visqol_lattice"], workers=2)
    finally:
        monkeypatch.undo()
        visqol_api.cache_clear()


def test_docs_state_the_measured_conformance_and_no_more(speech, tmp_path):
    """The agreement with Google's values is what the recorded measurement says (it cannot be
    re-measured here: Google's audio is not shipped): its summary lines are in docs/metrics.md,
    the README gives the audio count, and nobody claims every audio case; the one recorded value
    CI can reproduce (Google's identity case, content-independent) is today's."""
    import soundfile as sf

    from bench.metrics.visqol_conformance import MEASURED_DIFFERENCES, TOLERANCE, agreement, agreement_lines, run
    from bench.results.paths import REPO_ROOT

    assert set(MEASURED_DIFFERENCES) == {case.name for case in CASES}
    metrics_doc = (REPO_ROOT / "docs" / "metrics.md").read_text()
    readme = (REPO_ROOT / "README.md").read_text()
    for line in agreement_lines(MEASURED_DIFFERENCES):
        assert line in metrics_doc, line
    within, total = agreement(MEASURED_DIFFERENCES)["audio"]
    assert TOLERANCE == 1e-4 and f"audio mode within Google's 1e-4 on {within} of {total} cases" in readme.replace("\n", " ")
    for text in (metrics_doc, readme):
        assert f"all {total} cases" not in text and f"{total}/{total}" not in text
    case = next(c for c in CASES if c.name == "castanets identical")
    path = tmp_path / case.reference
    path.parent.mkdir(parents=True)
    sf.write(path, np.stack([speech(1.5, 48000, seed=2), speech(1.5, 48000, seed=3)], axis=1), 48000,
             subtype="PCM_16")
    replayed = {row["case"]: row for row in run(tmp_path)}[case.name]["difference"]
    assert abs(replayed - MEASURED_DIFFERENCES[case.name]) < 1e-12  # float64 rounding of the SVR output
