"""TrainBatches: determinism, rank split, track-count statistics, swap targets, loudness, speed."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
import torch

from sdcodec.core.constants import TRACKS
from sdcodec.core.errors import ConfigError, DataError
from bench.train.data import TrainBatch, TrainBatches, TrainDataConfig, swapped_mixture, synthetic_sources
from bench.train.loudness import peak_db

RATE = 16_000


def make(root, batch=4, rank=0, world=1, **fields) -> TrainBatches:
    config = TrainDataConfig(sources=synthetic_sources(root), segment_seconds=1.0, **fields)
    return TrainBatches(config, batch, rank, world)


def assert_same(a: TrainBatch, b: TrainBatch) -> None:
    assert a.present == b.present and a.step == b.step
    for name in ("mix", "sources", "mix_target"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name
    assert (a.shuffle is None) == (b.shuffle is None)
    if a.shuffle is not None:
        assert a.shuffle.keys() == b.shuffle.keys()
        assert all(torch.equal(a.shuffle[t], b.shuffle[t]) for t in a.shuffle)


def test_batch_layout_and_mixture(dnr_root):
    batches = make(dnr_root)
    for step in range(6):
        batch = batches.batch(step)
        assert batch.mix.shape == (4, 1, RATE) and batch.sources.shape == (4, len(TRACKS), 1, RATE)
        assert batch.mix.dtype == torch.float32
        assert batch.present and set(batch.present) <= set(TRACKS)
        assert list(batch.present) == [t for t in TRACKS if t in batch.present]
        for k, track in enumerate(TRACKS):
            if track not in batch.present:
                assert torch.all(batch.sources[:, k] == 0)
            else:
                assert batch.sources[:, k].abs().amax() > 0
        torch.testing.assert_close(batch.mix, batch.sources.sum(1), atol=1e-6, rtol=0)


def test_same_batch_from_two_constructions_and_in_any_order(dnr_root):
    first, second = make(dnr_root), make(dnr_root)
    later = second.batch(5)
    assert_same(first.batch(5), later)
    assert_same(first.batch(2), second.batch(2))
    assert not torch.equal(first.batch(2).mix, later.mix)
    other_seed = make(dnr_root, seed=7)
    assert any(not torch.equal(other_seed.batch(s).sources, first.batch(s).sources) for s in range(3))


@pytest.mark.parametrize("step", [0, 1, 2, 3, 4, 5])
def test_rank_batches_concatenate_to_the_single_process_batch(dnr_root, step):
    whole = make(dnr_root, batch=4).batch(step)
    parts = [make(dnr_root, batch=4, rank=r, world=2).batch(step) for r in range(2)]
    for name in ("mix", "sources"):
        assert torch.equal(torch.cat([getattr(p, name) for p in parts]), getattr(whole, name))
    assert all(p.present == whole.present for p in parts)
    if whole.shuffle is None:
        assert all(p.shuffle is None for p in parts)
        assert torch.equal(torch.cat([p.mix_target for p in parts]), whole.mix_target)
    else:
        for r, part in enumerate(parts):
            for track, local in part.shuffle.items():
                # The permutation the global one induces on the rank's rows.
                global_perm = whole.shuffle[track].numpy()
                rows = np.arange(2 * r, 2 * r + 2)
                expected = [p - 2 * r for p in global_perm if p in rows]
                assert local.tolist() == expected


def test_swap_targets(dnr_root):
    batches = make(dnr_root, batch=4, swap_prob=1.0, track_count_probs=(0.0, 0.0, 1.0))
    batch = batches.batch(0)
    assert batch.shuffle is not None and set(batch.shuffle) == set(TRACKS)
    expected = torch.zeros_like(batch.mix)
    for k, track in enumerate(TRACKS):
        perm = batch.shuffle[track]
        assert sorted(perm.tolist()) == list(range(4)) and perm.dtype == torch.long
        expected += batch.sources[perm, k]
    torch.testing.assert_close(batch.mix_target, expected, atol=1e-6, rtol=0)
    assert not torch.allclose(batch.mix_target, batch.mix)
    no_swap = make(dnr_root, batch=4, swap_prob=0.0).batch(0)
    assert no_swap.shuffle is None and torch.equal(no_swap.mix_target, no_swap.mix)


def test_swapped_mixture_uses_only_present_tracks():
    sources = torch.arange(2 * 3 * 1 * 2, dtype=torch.float32).reshape(2, 3, 1, 2)
    shuffle = {t: torch.tensor([1, 0]) for t in TRACKS}
    out = swapped_mixture(sources, ("speech", "sfx"), shuffle)
    assert torch.equal(out, sources[[1, 0], 0] + sources[[1, 0], 2])


def test_track_count_and_swap_statistics(dnr_root):
    """Draws per global batch (no audio is read): counts, which tracks and swaps over 6000 steps."""
    for probs in [(0.6, 0.2, 0.2), (0.2, 0.2, 0.6)]:
        batches = make(dnr_root, batch=8, track_count_probs=probs)
        plans = [batches.plan(s) for s in range(6000)]
        counts = np.bincount([len(p.present) for p in plans], minlength=4)[1:] / len(plans)
        np.testing.assert_allclose(counts, probs, atol=0.025)  # > 4 standard deviations
        singles = [p.present[0] for p in plans if len(p.present) == 1]
        shares = np.array([singles.count(t) for t in TRACKS]) / len(singles)
        np.testing.assert_allclose(shares, 1 / 3, atol=0.05)
        swaps = np.mean([p.permutations is not None for p in plans])
        assert abs(swaps - 0.5) < 0.025


def test_loudness_targets_and_peaks_on_real_segments(dnr_root):
    """Without variation, the mixture of every row sits at -27 LUFS, the offsets between the
    present tracks equal the offsets of their targets, and no peak exceeds -0.5 dBFS."""
    batches = make(dnr_root, batch=4, variation_db=0.0, track_count_probs=(0.0, 0.0, 1.0))
    meter = pyloudnorm.Meter(RATE)
    targets = TrainDataConfig().loudness
    for step in range(3):
        batch = batches.batch(step)
        for row in range(4):
            assert meter.integrated_loudness(batch.mix[row, 0].double().numpy()) == pytest.approx(-27.0, abs=0.5)
            lufs = {t: meter.integrated_loudness(batch.sources[row, k, 0].double().numpy()) for k, t in enumerate(TRACKS)}
            for a, b in [("speech", "music"), ("speech", "sfx")]:
                assert lufs[a] - lufs[b] == pytest.approx(targets[a] - targets[b], abs=0.5)
        assert peak_db(batch.mix.numpy()).max() <= -0.5 + 1e-4
        assert peak_db(batch.sources.numpy()).max() <= -0.5 + 1e-4


def test_variation_spreads_mixture_loudness(dnr_root):
    batches = make(dnr_root, batch=8, track_count_probs=(1.0, 0.0, 0.0))
    meter = pyloudnorm.Meter(RATE)
    values = [meter.integrated_loudness(m[0].double().numpy()) for m in batches.batch(0).mix]
    assert all(-29.5 <= v <= -24.5 for v in values)
    assert max(values) - min(values) > 0.5


def test_mix_variation_is_gain_augmentation_of_the_mixture_only(dnr_root):
    """mix_variation_db widens the mixture's target range (-22 +/- 6 LUFS here) while the tracks
    keep their relative offsets (same draws as without it, one common gain per row)."""
    meter = pyloudnorm.Meter(RATE)
    wide = make(dnr_root, batch=8, mix_lufs=-22.0, mix_variation_db=6.0, final_peak_limit=False,
                track_count_probs=(0.0, 0.0, 1.0))
    narrow = make(dnr_root, batch=8, final_peak_limit=False, track_count_probs=(0.0, 0.0, 1.0))
    values = []
    for step in range(3):
        a, b = wide.batch(step), narrow.batch(step)
        values += [meter.integrated_loudness(m[0].double().numpy()) for m in a.mix]
        gain = a.mix.pow(2).sum((1, 2)).sqrt() / b.mix.pow(2).sum((1, 2)).sqrt()
        assert torch.allclose(a.sources, b.sources * gain[:, None, None, None], rtol=1e-4, atol=1e-7)
    assert all(-28.6 <= v <= -15.4 for v in values)
    assert max(values) - min(values) > 6.0
    with pytest.raises(ConfigError, match="mix_variation_db"):
        TrainDataConfig(mix_variation_db=-1.0)


def test_silent_source_gives_no_nan(silent_sfx_root):
    batches = make(silent_sfx_root, batch=2, track_count_probs=(1.0, 0.0, 0.0))
    seen_silent = False
    for step in range(40):
        batch = batches.batch(step)
        assert torch.isfinite(batch.mix).all() and torch.isfinite(batch.sources).all()
        if batch.present == ("sfx",):
            seen_silent = True
            assert torch.all(batch.mix == 0) and torch.all(batch.mix_target == 0)
    assert seen_silent


def test_resumed_iteration_and_dataloader_workers_match(dnr_root):
    batches = make(dnr_root, batch=2)
    direct = [batches.batch(s) for s in range(3, 6)]
    for got, want in zip(batches.iter_from(3, 6), direct):
        assert_same(got, want)
    loaded = list(batches.loader(3, 6, num_workers=2))
    assert len(loaded) == 3
    for got, want in zip(loaded, direct):
        assert_same(got, want)


def test_to_device_keeps_everything(dnr_root):
    batch = make(dnr_root, swap_prob=1.0).batch(0)
    moved = batch.to("cpu")
    assert_same(moved, batch)


def test_config_errors(dnr_root):
    with pytest.raises(ConfigError, match="track_count_probs"):
        TrainDataConfig(track_count_probs=(0.5, 0.5))
    with pytest.raises(ConfigError, match="unknown track"):
        TrainDataConfig(sources={"voice": ("x.csv",)})
    with pytest.raises(ConfigError, match="multiple of the world size"):
        TrainBatches(TrainDataConfig(), 6, 0, 4)
    partial = TrainDataConfig(sources={"speech": (str(dnr_root),)})
    with pytest.raises(ConfigError, match="music, sfx"):
        TrainBatches(partial, 2).batch(0)
    with pytest.raises(DataError, match="at least 10 s"):
        TrainBatches(TrainDataConfig(sources=synthetic_sources(dnr_root), segment_seconds=10.0), 2).batch(0)


def test_batches_per_second(dnr_root, benchmark):
    """Batch 8 of 2 s at 16 kHz, one process (the machine and rate are in docs/training-data.md)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        batches = TrainBatches(TrainDataConfig(sources=synthetic_sources(dnr_root)), 8)
        batches.batch(0)
        steps = iter(range(1, 1000))
        result = benchmark.pedantic(lambda: batches.batch(next(steps)), rounds=10, iterations=1)
    finally:
        torch.set_num_threads(threads)
    assert result.mix.shape == (8, 1, 2 * RATE)
    print(f"batches/s (batch 8, 2 s): {1 / benchmark.stats.stats.mean:.1f}")
