"""Paired comparisons: a known null is not significant, a known shift is; Holm and the effect
size against hand-computed examples; clips scored for one model only are left out and counted."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from bench.stats.bootstrap import BootstrapSettings
from bench.stats.comparisons import Contender, compare, pair_clips
from bench.stats.multiple import holm
from bench.stats.paired import signed_rank
from stats.clustered import clustered_values, model_rows, two_model_rows

SETTINGS = BootstrapSettings(resamples=2000)


def test_holm_against_hand_computed_example() -> None:
    # sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> max so far 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]).tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02], abs=1e-15)
    # NaN is no comparison: m = 3 here. 0.02*3 = 0.06, 0.5*2 = 1.0, 0.6*1 = 0.6 -> 1.0 (monotone)
    adjusted = holm([0.6, float("nan"), 0.02, 0.5])
    assert math.isnan(adjusted[1])
    assert adjusted[[0, 2, 3]].tolist() == pytest.approx([1.0, 0.06, 1.0], abs=1e-15)
    # 0.3*3 = 0.9, 0.4*2 = 0.8 -> 0.9 (monotone), 0.45*1 -> 0.9
    assert holm([0.4, 0.3, 0.45]).tolist() == pytest.approx([0.9, 0.9, 0.9], abs=1e-15)
    assert holm([]).size == 0


def test_signed_rank_against_hand_computed_example() -> None:
    # |d| ranks 1..4; R+ = 1 + 3 + 4 = 8, R- = 2: r = (8 - 2) / 10. Exact two-sided p for n = 4:
    # rank sums <= 2 are {}, {1}, {2}: 3 of 16 sign patterns per tail, p = 6 / 16.
    p_value, effect = signed_rank(np.array([1.0, -2.0, 3.0, 4.0]))
    assert effect == pytest.approx(0.6, abs=1e-15)
    assert p_value == pytest.approx(6 / 16, abs=1e-12)
    assert signed_rank(np.zeros(5)) == (1.0, 0.0)  # no difference at all
    assert signed_rank(np.array([0.0, 2.0, 1.0])) == (pytest.approx(0.5), 1.0)  # zero dropped, n = 2


def _two_models(shift: float, noise: float, seed: int = 7, tracks: int = 80):
    rows = two_model_rows(shift, seed, tracks, metrics=("si_sdr", "mel_distance"), noise=noise, sources=("speech",))
    return tuple(Contender(m, rows[rows["model"] == m].reset_index(drop=True)) for m in ("A", "B"))


def test_model_against_itself_with_tiny_noise_is_not_significant() -> None:
    a, b = _two_models(shift=0.0, noise=1e-6)
    result = compare([(a, b)], SETTINGS)
    assert (result["verdict"] == "n.s.").all()
    assert (result["p_holm"] > 0.05).all()
    assert ((result["ci_low"] < 0) & (result["ci_high"] > 0)).all()
    assert (result["difference"].abs() < 1e-6).all()


def test_known_shift_is_significant_with_the_metric_direction() -> None:
    a, b = _two_models(shift=0.3, noise=0.5)
    result = compare([(a, b)], SETTINGS).set_index("metric")
    # B is 0.3 higher: better in dB of SI-SDR, worse in a distance (lower is better)
    assert result.loc["si_sdr", "verdict"] == "better" and result.loc["mel_distance", "verdict"] == "worse"
    assert result.loc["si_sdr", "unit"] == "dB"
    assert (result["p_holm"] < 1e-6).all() and (result["effect"] > 0.5).all()
    assert (result["ci_low"] > 0).all() and (result["ci_low"] < 0.3).all() and (result["ci_high"] > 0.3).all()
    # the difference is exactly the difference of the paired means
    assert (result["difference"] - (result["mean_b"] - result["mean_a"])).abs().max() < 1e-12


def test_clips_scored_for_one_model_only_are_left_out_and_counted() -> None:
    values, _, clips = clustered_values(seed=4, tracks=20)
    a = model_rows("A", clips, {"si_sdr": values}, skipped={"si_sdr": {0, 1, 9}})
    b = model_rows("B", clips[:-2], {"si_sdr": values[:-2] + 1}, skipped={"si_sdr": {1, 2, 3}})
    result = compare([(Contender("A", a), Contender("B", b))], SETTINGS).iloc[0]
    # scored by A only: 2, 3 (B skipped them) and the two clips B lacks; by B only: 0, 9 (A
    # skipped them); by neither: 1
    assert result["n_excluded"] == 6
    assert result["n_pairs"] == len(clips) - 7
    assert result["difference"] == pytest.approx(1.0, abs=1e-12)


def test_only_keys_both_models_hold_are_compared() -> None:
    values, _, clips = clustered_values(seed=4, tracks=10)
    a = pd.concat([model_rows("A", clips, {"si_sdr": values}),
                   model_rows("A", clips, {"si_sdr": values}, task="separation")])
    b = model_rows("B", clips, {"si_sdr": values + 1})
    assert pair_clips(a, b)["task"].unique().tolist() == ["resynthesis"]
    assert len(compare([(Contender("A", a), Contender("B", b))], SETTINGS)) == 1


def test_holm_family_is_every_comparison_of_the_call() -> None:
    a, b = _two_models(shift=0.0, noise=1.0, seed=9, tracks=30)
    alone = compare([(a, b)], SETTINGS, keys={("resynthesis", "speech", "speech", "si_sdr")})
    both = compare([(a, b)], SETTINGS)
    p = both.set_index("metric")["p"]
    assert alone["p_holm"].iloc[0] == pytest.approx(alone["p"].iloc[0])
    assert both.set_index("metric")["p_holm"].tolist() == pytest.approx(holm(p.to_numpy()).tolist())
