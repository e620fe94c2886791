"""Training batches: on-the-fly mixtures of random segments, deterministic in (seed, step).

``TrainBatches(config, global_batch_size, rank, world_size).batch(step)`` builds the rank's rows
of the global batch of optimiser step ``step``, as the authors' data set and trainer do
(``DatasetAudioTrain`` + ``_data_transform``):

- per row and track: a source file drawn uniformly from the track's files (files shorter than
  the segment are dropped, as the authors do), a segment start drawn uniformly, read with
  ``soundfile`` (partial read), downmixed to mono, resampled to ``sample_rate`` with julius when
  the file's rate differs; no silence trimming;
- per GLOBAL batch: the number of present tracks (``track_count_probs``), which tracks
  (uniformly), whether the batch swaps (``swap_prob``) and one row permutation per track;
- per row: the loudness targets (each track's target and the mixture's, drawn uniformly within
  +/- ``variation_db``, as the authors' ``VolumeNorm``), then ``loudness.normalize_mixture``.

Randomness: every draw comes from ``numpy.random.default_rng((seed, step, ...))`` keyed by the
global step (and the global row index for per-row draws), never from global RNG state, so a batch
depends only on (config, step): identical across constructions, processes, DataLoader workers and
``--resume``, and the rows of the global batch are the same whatever the world size (rank ``r``
of ``W`` gets rows ``[r*B/W, (r+1)*B/W)``).

Swap on a rank-local batch: a model can only remix the latents of the rows it holds, so rank
``r`` uses, for each track, the permutation that the global permutation induces on its rows (the
local rows in the order in which the global permutation visits them, renumbered from 0). With one
process this is the global permutation; on any rank it is a uniformly random permutation of the
local rows. ``mix_target`` is built from the local permutation, so it matches what the model does.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sdcodec.core.constants import MODEL_SAMPLE_RATE, TRACKS
from sdcodec.core.errors import ConfigError, DataError

#: The authors' per-track loudness targets in LUFS (``bs8_iter400k.yaml``, ``lufs_norm_db``).
DEFAULT_LOUDNESS: dict[str, float] = {"speech": -17.0, "music": -24.0, "sfx": -21.0}

# Stream tags of the random draws (the third element of the RNG key).
_BATCH_STREAM, _ROW_STREAM = 0, 1


@dataclass(frozen=True)
class TrainDataConfig:
    """What training batches are made of.

    ``sources``: track -> entries, each a manifest CSV (``bench.train.corpora`` columns), a
    ``<corpus>:<root>`` (``dnr``, ``dns5-speech``, ``dns5-noise``, ``jamendo``, ``musan``,
    ``wham``) or a DnR folder; the files of all entries of a track are pooled. Empty: the
    built-in synthetic DnR set (``synthetic_sources``). ``segment_seconds`` and ``sample_rate``
    (Hz) set the segment length ``T = round(segment_seconds * sample_rate)`` samples.
    ``track_count_probs``: probabilities of 1, 2, 3 present tracks (paper 0.6/0.2/0.2;
    "separation enhance" 0.2/0.2/0.6). ``loudness``: per-track targets (LUFS), each drawn
    within +/- ``variation_db``; ``peak_db``: peak limit (dBFS); ``mix_lufs``: mixture target,
    drawn within +/- ``mix_variation_db`` (None: ``variation_db``, as the authors' code does; a
    wider range is gain augmentation: DnR's evaluation mixtures sit near -17 LUFS, 10 LU above
    the authors' -27). ``final_peak_limit``:
    see ``loudness.normalize_mixture`` (``False`` is exactly the authors'). ``swap_prob``:
    probability that a batch swaps. ``seed``: the data seed.
    """

    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    segment_seconds: float = 2.0
    sample_rate: int = MODEL_SAMPLE_RATE
    track_count_probs: tuple[float, ...] = (0.6, 0.2, 0.2)
    loudness: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_LOUDNESS))
    variation_db: float = 2.0
    peak_db: float = -0.5
    mix_lufs: float = -27.0
    mix_variation_db: float | None = None
    final_peak_limit: bool = True
    swap_prob: float = 0.5
    seed: int = 42

    def __post_init__(self) -> None:
        sources = {}
        for track, entries in dict(self.sources).items():
            if track not in TRACKS:
                raise ConfigError(f"TrainDataConfig.sources: unknown track {track!r}; tracks: {', '.join(TRACKS)}")
            entries = (entries,) if isinstance(entries, str) else tuple(str(e) for e in entries)
            sources[track] = entries
        object.__setattr__(self, "sources", sources)
        loudness = {**DEFAULT_LOUDNESS, **dict(self.loudness)}
        unknown = sorted(set(loudness) - set(TRACKS))
        if unknown:
            raise ConfigError(f"TrainDataConfig.loudness: unknown track(s) {', '.join(unknown)}")
        object.__setattr__(self, "loudness", {t: float(loudness[t]) for t in TRACKS})
        probs = tuple(float(p) for p in self.track_count_probs)
        if len(probs) != len(TRACKS) or min(probs) < 0 or not math.isclose(sum(probs), 1.0, abs_tol=1e-6):
            raise ConfigError(f"TrainDataConfig.track_count_probs must be {len(TRACKS)} non-negative "
                              f"probabilities of 1..{len(TRACKS)} tracks summing to 1, got {self.track_count_probs}")
        object.__setattr__(self, "track_count_probs", probs)
        if not 0.0 <= self.swap_prob <= 1.0:
            raise ConfigError(f"TrainDataConfig.swap_prob must be in [0, 1], got {self.swap_prob}")
        if self.segment_seconds < 0.4:
            raise ConfigError(f"TrainDataConfig.segment_seconds must be at least 0.4 (one loudness block), got {self.segment_seconds}")
        if self.sample_rate < 1 or self.variation_db < 0:
            raise ConfigError("TrainDataConfig.sample_rate must be positive and variation_db non-negative")
        if self.mix_variation_db is not None and self.mix_variation_db < 0:
            raise ConfigError(f"TrainDataConfig.mix_variation_db must be non-negative, got {self.mix_variation_db}")

    @property
    def segment_samples(self) -> int:
        """Segment length ``T`` in samples at ``sample_rate``."""
        return int(round(self.segment_seconds * self.sample_rate))


@dataclass
class TrainBatch:
    """One (rank-local) training batch; ``B`` rows of ``T`` samples at the data's sample rate.

    ``mix`` ``[B, 1, T]``: sum of the present tracks after normalisation. ``sources``
    ``[B, K, 1, T]`` with ``K = len(TRACKS)`` in ``TRACKS`` order (zeros for absent tracks).
    ``present``: the present tracks, in ``TRACKS`` order. ``shuffle``: per track (all of
    ``TRACKS``) a ``LongTensor[B]`` row permutation when the batch swaps, else ``None``.
    ``mix_target`` ``[B, 1, T]``: ``sum_{t present} sources[shuffle[t], t]`` (equals ``mix``
    without swap). ``step``: the global step it was made for.
    """

    mix: torch.Tensor
    sources: torch.Tensor
    present: tuple[str, ...]
    shuffle: dict[str, torch.Tensor] | None
    mix_target: torch.Tensor
    step: int = -1

    def _map(self, fn: Any) -> "TrainBatch":
        shuffle = None if self.shuffle is None else {t: fn(p) for t, p in self.shuffle.items()}
        return TrainBatch(fn(self.mix), fn(self.sources), self.present, shuffle, fn(self.mix_target), self.step)

    def to(self, device: torch.device | str, non_blocking: bool = False) -> "TrainBatch":
        """The batch with every tensor on ``device``."""
        return self._map(lambda x: x.to(device, non_blocking=non_blocking))

    def pin_memory(self) -> "TrainBatch":
        """The batch in pinned memory (called by ``DataLoader(pin_memory=True)``)."""
        return self._map(lambda x: x.pin_memory())

    @property
    def swapped(self) -> bool:
        return self.shuffle is not None


@dataclass(frozen=True)
class BatchPlan:
    """The per-global-batch draws of one step: present tracks, and the per-track global row
    permutations (``None`` without swap)."""

    present: tuple[str, ...]
    permutations: dict[str, np.ndarray] | None


def synthetic_sources(root: str | Path | None = None) -> dict[str, tuple[str, ...]]:
    """``TrainDataConfig.sources`` reading every track from the DnR-layout folder ``root``
    (``root/tr/<id>/<track>.wav``); ``None``: the built-in synthetic set
    (``bench.data.synth.default_synth_root()``)."""
    if root is None:
        root = _default_synth_root()
    return {track: (f"dnr:{Path(root)}",) for track in TRACKS}


def _default_synth_root() -> Path:
    try:
        from bench.data.synth import default_synth_root
    except ImportError:
        raise ConfigError("no training sources configured and the built-in synthetic set is not available; "
                          "set data.sources={\"speech\": [...], \"music\": [...], \"sfx\": [...]}") from None
    return Path(default_synth_root())


class SourcePool:
    """One track's source files (rows of a manifest, files shorter than the segment dropped) and
    segment reading: ``read(picks) -> float32 [n, T]`` at the data's sample rate."""

    def __init__(self, track: str, entries: tuple[str, ...], sample_rate: int, segment_samples: int) -> None:
        import pandas as pd

        from bench.train.corpora import load_source

        frames = [load_source(e, track) for e in entries]
        table = pd.concat(frames, ignore_index=True)
        needed = np.ceil(segment_samples * table["sample_rate"].to_numpy() / sample_rate).astype(np.int64)
        keep = table["frames"].to_numpy() >= needed
        if not keep.any():
            raise DataError(", ".join(entries), f"no {track} file is at least {segment_samples / sample_rate:g} s long",
                            "use longer files or a shorter data.segment_seconds")
        table = table[keep].reset_index(drop=True)
        self.track = track
        self.paths: list[str] = table["path"].tolist()
        self.rates = table["sample_rate"].to_numpy().astype(np.int64)
        self.frames = table["frames"].to_numpy().astype(np.int64)
        self.needed = needed[keep]
        self.sample_rate = sample_rate
        self.segment_samples = segment_samples
        self.dropped = int((~keep).sum())

    def __len__(self) -> int:
        return len(self.paths)

    def read_native(self, index: int, start_fraction: float) -> np.ndarray:
        """Mono float32 samples of file ``index`` at its own rate, enough for one segment once
        resampled, starting at ``start_fraction`` (in [0, 1)) of the admissible starts."""
        import soundfile

        path, needed = self.paths[index], int(self.needed[index])
        start = int(start_fraction * (int(self.frames[index]) - needed + 1))
        try:
            with soundfile.SoundFile(path) as handle:
                handle.seek(start)
                audio = handle.read(needed, dtype="float32", always_2d=True)
        except (RuntimeError, soundfile.LibsndfileError) as error:
            raise DataError(path, f"cannot read the training segment ({error})",
                            "restore the file or rebuild the manifest (corpus_manifest(..., refresh=True))") from None
        if len(audio) < needed:
            raise DataError(path, f"shorter than its manifest says ({start + len(audio)} < {self.frames[index]} frames)",
                            "rebuild the manifest (corpus_manifest(..., refresh=True))")
        return audio.mean(axis=1) if audio.shape[1] > 1 else audio[:, 0]

    def read(self, picks: list[tuple[int, float]]) -> np.ndarray:
        """Segments ``[len(picks), T]`` float32 at the data's sample rate for ``(file index,
        start fraction)`` picks; files of the same rate are resampled together (one julius call)."""
        out = np.zeros((len(picks), self.segment_samples), dtype=np.float32)
        by_rate: dict[int, list[int]] = {}
        for k, (index, _) in enumerate(picks):
            by_rate.setdefault(int(self.rates[index]), []).append(k)
        for rate, rows in by_rate.items():
            native = np.stack([self.read_native(picks[k][0], picks[k][1]) for k in rows])
            audio = native if rate == self.sample_rate else resample(native, rate, self.sample_rate)
            n = min(audio.shape[-1], self.segment_samples)
            out[rows, :n] = audio[:, :n]
        return out


@lru_cache(maxsize=16)
def _resampler(old_rate: int, new_rate: int) -> Any:
    import julius

    gcd = math.gcd(old_rate, new_rate)
    return julius.ResampleFrac(old_rate // gcd, new_rate // gcd)


def resample(audio: np.ndarray, old_rate: int, new_rate: int) -> np.ndarray:
    """``audio`` ``[..., time]`` resampled from ``old_rate`` to ``new_rate`` Hz with julius'
    ``ResampleFrac`` (windowed sinc, as the authors; one cached module per rate pair)."""
    with torch.no_grad():
        return _resampler(int(old_rate), int(new_rate))(torch.from_numpy(np.ascontiguousarray(audio))).numpy()


class TrainBatches(torch.utils.data.Dataset):
    """Rank ``rank``'s share of the global training batch of every step (see the module docstring).

    A map-style dataset of steps: ``batches[step]`` is ``batch(step)``, so a ``DataLoader`` with
    ``batch_size=None`` and ``sampler=range(start, stop)`` prefetches in workers
    (``loader(start, stop, num_workers)``). Source files are indexed lazily, on first use.
    """

    def __init__(self, config: TrainDataConfig, global_batch_size: int, rank: int = 0, world_size: int = 1) -> None:
        if global_batch_size < 1 or world_size < 1 or global_batch_size % world_size:
            raise ConfigError(f"global batch {global_batch_size} must be a positive multiple of the world size {world_size}")
        if not 0 <= rank < world_size:
            raise ConfigError(f"rank {rank} out of range for world size {world_size}")
        self.config = config
        self.global_batch_size = global_batch_size
        self.rank = rank
        self.world_size = world_size
        self.local_batch_size = global_batch_size // world_size
        self.rows = range(rank * self.local_batch_size, (rank + 1) * self.local_batch_size)

    # -- sources --------------------------------------------------------------------------

    @cached_property
    def pools(self) -> dict[str, SourcePool]:
        """Per track, its source files (built on first use, then kept)."""
        sources = self.config.sources or synthetic_sources()
        missing = [t for t in TRACKS if not sources.get(t)]
        if missing:
            raise ConfigError(f"data.sources gives no files for track(s) {', '.join(missing)}")
        return {t: SourcePool(t, tuple(sources[t]), self.config.sample_rate, self.config.segment_samples) for t in TRACKS}

    # -- draws ----------------------------------------------------------------------------

    def plan(self, step: int) -> BatchPlan:
        """The global draws of ``step``: present tracks and (when swapping) permutations."""
        rng = np.random.default_rng((self.config.seed, step, _BATCH_STREAM))
        count = int(rng.choice(len(TRACKS), p=self.config.track_count_probs)) + 1
        chosen = set(rng.choice(len(TRACKS), size=count, replace=False).tolist())
        present = tuple(t for k, t in enumerate(TRACKS) if k in chosen)
        swap = rng.random() < self.config.swap_prob
        permutations = {t: rng.permutation(self.global_batch_size) for t in TRACKS} if swap else None
        return BatchPlan(present, permutations)

    def local_permutation(self, permutation: np.ndarray) -> np.ndarray:
        """The permutation that global ``permutation`` induces on this rank's rows (0-based)."""
        lo, hi = self.rows.start, self.rows.stop
        return permutation[(permutation >= lo) & (permutation < hi)] - lo

    # -- batches --------------------------------------------------------------------------

    def batch(self, step: int) -> TrainBatch:
        """This rank's rows of the global batch of optimiser step ``step`` (``step >= 0``)."""
        from bench.train.loudness import normalize_mixture

        if step < 0:
            raise ValueError(f"step must be >= 0, got {step}")
        cfg = self.config
        plan = self.plan(step)
        pools = self.pools
        T = cfg.segment_samples
        targets = {t: np.zeros(len(self.rows)) for t in plan.present}
        mix_targets = np.zeros(len(self.rows))
        mix_variation = cfg.variation_db if cfg.mix_variation_db is None else cfg.mix_variation_db
        picks: dict[str, list[tuple[int, float]]] = {t: [] for t in plan.present}
        for i, row in enumerate(self.rows):
            rng = np.random.default_rng((cfg.seed, step, _ROW_STREAM, row))
            # Fixed draw order over all tracks, so a row's draws do not depend on which are present.
            files = {t: int(rng.integers(len(pools[t]))) for t in TRACKS}
            starts = {t: float(rng.random()) for t in TRACKS}
            offsets = {t: float(rng.uniform(-1.0, 1.0)) * cfg.variation_db for t in TRACKS}
            mix_targets[i] = cfg.mix_lufs + float(rng.uniform(-1.0, 1.0)) * mix_variation
            for t in plan.present:
                picks[t].append((files[t], starts[t]))
                targets[t][i] = cfg.loudness[t] + offsets[t]
        segments = {t: pools[t].read(picks[t]) for t in plan.present}
        mix, normalised = normalize_mixture(segments, cfg.sample_rate, targets, mix_targets, cfg.peak_db,
                                            cfg.final_peak_limit)
        sources = torch.zeros(len(self.rows), len(TRACKS), 1, T)
        for t, audio in normalised.items():
            sources[:, TRACKS.index(t), 0] = torch.from_numpy(audio.astype(np.float32))
        mix_t = torch.from_numpy(mix.astype(np.float32))[:, None]
        shuffle = None
        mix_target = mix_t
        if plan.permutations is not None:
            shuffle = {t: torch.from_numpy(self.local_permutation(p)).long() for t, p in plan.permutations.items()}
            mix_target = swapped_mixture(sources, plan.present, shuffle)
        return TrainBatch(mix=mix_t, sources=sources, present=plan.present, shuffle=shuffle,
                          mix_target=mix_target, step=step)

    def __getitem__(self, step: int) -> TrainBatch:
        return self.batch(int(step))

    def __iter__(self) -> Iterator[TrainBatch]:
        return self.iter_from(0)

    def iter_from(self, start_step: int, stop_step: int | None = None) -> Iterator[TrainBatch]:
        """Batches of steps ``start_step, start_step + 1, ...`` (up to ``stop_step``, excluded),
        in this process (for ``--resume``: start at the first step not yet done)."""
        step = start_step
        while stop_step is None or step < stop_step:
            yield self.batch(step)
            step += 1

    def loader(self, start_step: int, stop_step: int, num_workers: int = 0, pin_memory: bool = False,
               prefetch_factor: int | None = None) -> torch.utils.data.DataLoader:
        """A ``DataLoader`` yielding ``batch(s)`` for ``s`` in ``[start_step, stop_step)`` in order,
        built in ``num_workers`` worker processes."""
        kwargs: dict[str, Any] = {}
        if num_workers > 0:
            kwargs.update(persistent_workers=False, prefetch_factor=prefetch_factor or 2)
        return torch.utils.data.DataLoader(self, batch_size=None, sampler=range(start_step, stop_step),
                                           num_workers=num_workers, pin_memory=pin_memory, **kwargs)


def swapped_mixture(sources: torch.Tensor, present: tuple[str, ...], shuffle: dict[str, torch.Tensor]) -> torch.Tensor:
    """``[B, 1, T]``: the sum over ``present`` tracks of ``sources[:, k]`` with rows permuted by
    ``shuffle[track]`` (row ``i`` takes source row ``shuffle[track][i]``), as the authors' ``mix_ref``."""
    out = torch.zeros_like(sources[:, 0])
    for track in present:
        out = out + sources[shuffle[track], TRACKS.index(track)]
    return out
