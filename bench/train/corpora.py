"""Training corpora: per-track lists of source files, built from local folders and cached as CSV.

A manifest is a ``DataFrame[path, track, sample_rate, frames, seconds]``: one row per audio file
(absolute ``path``; ``track`` in ``sdcodec.core.constants.TRACKS``; ``sample_rate`` in Hz; ``frames``
and ``seconds`` its length). Only file headers are read (``soundfile.info``), so building the
manifest of a large corpus costs one ``stat`` and one header read per file.

``CORPORA`` maps a corpus name to ``build(root) -> manifest``; each builder knows its corpus's
folder layout (the folders the authors' ``prepare/mani_*.py`` scripts read):

==================  =====================================================================  =========
name                layout under ``root``                                                  tracks
==================  =====================================================================  =========
``dnr``             ``tr/<id>/{speech,music,sfx}.wav`` (Divide and Remaster; or the        all three
                    ``tr`` folder itself): each stem file is a source file of its track
``dns5-speech``     ``datasets_fullband/clean_fullband/<subset>/**/*.wav`` (the nine       speech
                    subsets the authors use: read, emotional, VCTK, VocalSet, 5 languages)
``dns5-noise``      ``datasets_fullband/noise_fullband/**/*.wav``                          sfx
``jamendo``         ``<00..99>/**/*.mp3`` (MTG-Jamendo audio folders)                      music
``musan``           ``speech/**/*.wav``, ``music/**/*.wav``, ``noise/**/*.wav``            all three
``wham``            ``audio/**/*.wav`` (high-resolution WHAM! noise)                       sfx
==================  =====================================================================  =========

Not done (the authors' scripts do it, it only matters for files shorter than the training
segment, which training drops anyway): their 0.5 s minimum length after 30 dB silence trimming,
which needs every file decoded.

``corpus_manifest(name, root)`` caches the manifest as CSV under ``manifest_cache_dir()``
(``$SDBENCH_CACHE/manifests`` or ``~/.cache/sdbench/manifests``), keyed by corpus and absolute
root; ``refresh=True`` rebuilds it. ``load_source(entry, track)`` resolves one entry of
``TrainDataConfig.sources``: a manifest CSV path, ``<corpus>:<root>``, or a DnR folder.
``paper_sources(dns5, jamendo, musan, wham)`` is the authors' training mix (``mix_6k.yaml``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from sdcodec.core.constants import TRACKS
from sdcodec.core.errors import DataError
from sdcodec.core.registry import Registry

#: The manifest's columns, in order.
MANIFEST_COLUMNS: tuple[str, ...] = ("path", "track", "sample_rate", "frames", "seconds")

#: Audio file suffixes a corpus folder may hold (soundfile reads all of them).
AUDIO_SUFFIXES: tuple[str, ...] = (".wav", ".flac", ".mp3", ".ogg")

#: DNS Challenge 5 clean-speech subsets the authors train on (``prepare/mani_dns_clean.py``).
DNS5_SPEECH_SUBSETS: tuple[str, ...] = (
    "emotional_speech", "read_speech", "vctk_wav48_silence_trimmed", "VocalSet_48kHz_mono",
    "french_speech", "german_speech", "italian_speech", "russian_speech", "spanish_speech",
)

CorpusBuilder = Callable[[Path], pd.DataFrame]

#: Corpus name -> ``build(root) -> manifest``.
CORPORA: Registry[CorpusBuilder] = Registry("training corpus")


def manifest_from_files(files: Iterable[tuple[Path, str]]) -> pd.DataFrame:
    """The manifest of ``(path, track)`` pairs, reading each file's header; unreadable files are
    a ``DataError`` naming the file."""
    import soundfile

    rows = []
    for path, track in files:
        try:
            info = soundfile.info(str(path))
        except (RuntimeError, soundfile.LibsndfileError) as error:
            raise DataError(path, f"unreadable audio file ({error})", "remove or re-encode it, then rebuild the manifest") from None
        rows.append((str(Path(path).resolve()), track, int(info.samplerate), int(info.frames),
                     info.frames / info.samplerate))
    return pd.DataFrame(rows, columns=list(MANIFEST_COLUMNS)).astype(
        {"path": str, "track": str, "sample_rate": "int64", "frames": "int64", "seconds": "float64"})


def _require_dir(path: Path, corpus: str, layout: str) -> Path:
    if not path.is_dir():
        raise DataError(path, f"missing folder of the {corpus} corpus (expected layout: {layout})",
                        "point the source at the corpus's root folder")
    return path


def _audio_files(folder: Path, suffixes: Iterable[str] = AUDIO_SUFFIXES) -> list[Path]:
    wanted = {s.lower() for s in suffixes}
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in wanted and p.is_file())


def _nonempty(frame: pd.DataFrame, root: Path, corpus: str, layout: str) -> pd.DataFrame:
    if frame.empty:
        raise DataError(root, f"no audio files found for the {corpus} corpus (expected layout: {layout})",
                        "check the folder and its layout")
    return frame


@CORPORA.register("dnr")
def build_dnr(root: Path) -> pd.DataFrame:
    """Divide and Remaster training stems: ``<root>/tr/<id>/{speech,music,sfx}.wav`` (``root``
    may also be the ``tr`` folder itself). Each stem file is a source file of its track."""
    layout = "tr/<id>/{speech,music,sfx}.wav"
    root = Path(root)
    train = root / "tr" if (root / "tr").is_dir() else _require_dir(root, "dnr", layout)
    files = []
    for folder in sorted(p for p in train.iterdir() if p.is_dir()):
        for track in TRACKS:
            stem = folder / f"{track}.wav"
            if stem.is_file():
                files.append((stem, track))
    return _nonempty(manifest_from_files(files), root, "dnr", layout)


@CORPORA.register("dns5-speech")
def build_dns5_speech(root: Path) -> pd.DataFrame:
    """DNS Challenge 5 clean speech: ``<root>/datasets_fullband/clean_fullband/<subset>/**/*.wav``
    for the authors' nine subsets (missing subsets are skipped; none at all is an error)."""
    layout = "datasets_fullband/clean_fullband/<subset>/**/*.wav"
    clean = _require_dir(Path(root) / "datasets_fullband" / "clean_fullband", "dns5-speech", layout)
    files = [(p, "speech") for subset in DNS5_SPEECH_SUBSETS if (clean / subset).is_dir()
             for p in _audio_files(clean / subset, (".wav",))]
    return _nonempty(manifest_from_files(files), Path(root), "dns5-speech", layout)


@CORPORA.register("dns5-noise")
def build_dns5_noise(root: Path) -> pd.DataFrame:
    """DNS Challenge 5 noise as sound effects: ``<root>/datasets_fullband/noise_fullband/**/*.wav``."""
    layout = "datasets_fullband/noise_fullband/**/*.wav"
    noise = _require_dir(Path(root) / "datasets_fullband" / "noise_fullband", "dns5-noise", layout)
    files = [(p, "sfx") for p in _audio_files(noise, (".wav",))]
    return _nonempty(manifest_from_files(files), Path(root), "dns5-noise", layout)


@CORPORA.register("jamendo")
def build_jamendo(root: Path) -> pd.DataFrame:
    """MTG-Jamendo music: ``<root>/<00..99>/**/*.mp3`` (the authors' 100 numbered folders)."""
    layout = "<00..99>/**/*.mp3"
    root = _require_dir(Path(root), "jamendo", layout)
    folders = [root / f"{i:02d}" for i in range(100) if (root / f"{i:02d}").is_dir()]
    if not folders:
        raise DataError(root, "no numbered folders 00..99 of the jamendo corpus", f"expected layout: {layout}")
    files = [(p, "music") for folder in folders for p in _audio_files(folder, (".mp3",))]
    return _nonempty(manifest_from_files(files), root, "jamendo", layout)


@CORPORA.register("musan")
def build_musan(root: Path) -> pd.DataFrame:
    """MUSAN: ``<root>/speech`` (speech), ``<root>/music`` (music), ``<root>/noise`` (sfx), ``**/*.wav``."""
    layout = "{speech,music,noise}/**/*.wav"
    root = Path(root)
    folders = {"speech": "speech", "music": "music", "noise": "sfx"}
    present = {name: track for name, track in folders.items() if (root / name).is_dir()}
    if not present:
        _require_dir(root / "speech", "musan", layout)
    files = [(p, track) for name, track in present.items() for p in _audio_files(root / name, (".wav",))]
    return _nonempty(manifest_from_files(files), root, "musan", layout)


@CORPORA.register("wham")
def build_wham(root: Path) -> pd.DataFrame:
    """WHAM! noise (high-resolution release) as sound effects: ``<root>/audio/**/*.wav``."""
    layout = "audio/**/*.wav"
    audio = _require_dir(Path(root) / "audio", "wham", layout)
    files = [(p, "sfx") for p in _audio_files(audio, (".wav",))]
    return _nonempty(manifest_from_files(files), Path(root), "wham", layout)


# -- cache and source entries -----------------------------------------------------------------


def manifest_cache_dir() -> Path:
    """Where built manifests are cached: ``$SDBENCH_CACHE/manifests`` or ``~/.cache/sdbench/manifests``."""
    base = os.environ.get("SDBENCH_CACHE")
    return (Path(base) if base else Path.home() / ".cache" / "sdbench") / "manifests"


def cached_manifest_path(name: str, root: str | Path) -> Path:
    """The cache file of corpus ``name`` at ``root``: ``<cache>/<name>-<hash of the absolute root>.csv``."""
    key = hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:16]
    return manifest_cache_dir() / f"{name}-{key}.csv"


def corpus_manifest(name: str, root: str | Path, refresh: bool = False) -> pd.DataFrame:
    """The manifest of corpus ``name`` (a ``CORPORA`` key) at ``root``, from the cache when built
    before (``refresh=True`` rebuilds it)."""
    from bench.util.atomic import atomic_write_frame

    builder = CORPORA.get(name)
    cache = cached_manifest_path(name, root)
    if cache.is_file() and not refresh:
        return read_manifest(cache)
    frame = builder(Path(root))
    cache.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_frame(frame, cache)
    return frame


def read_manifest(path: str | Path) -> pd.DataFrame:
    """A manifest CSV (``MANIFEST_COLUMNS``); relative paths are taken relative to the CSV's folder."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "manifest CSV not found", "build it with bench.train.corpora.corpus_manifest or fix the path")
    frame = pd.read_csv(path)
    missing = [c for c in MANIFEST_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(path, f"manifest lacks column(s) {', '.join(missing)}", f"columns must be {', '.join(MANIFEST_COLUMNS)}")
    frame = frame[list(MANIFEST_COLUMNS)].copy()
    frame["path"] = [p if os.path.isabs(p) else str((path.parent / p).resolve()) for p in frame["path"].astype(str)]
    return frame


def load_source(entry: str, track: str, refresh: bool = False) -> pd.DataFrame:
    """The rows of track ``track`` from one source entry: a manifest ``*.csv``, ``<corpus>:<root>``
    (a ``CORPORA`` name, e.g. ``musan:/data/musan``) or a folder (read as ``dnr``)."""
    corpus, sep, rest = entry.partition(":")
    if entry.lower().endswith(".csv"):
        frame = read_manifest(entry)
    elif sep and corpus in CORPORA:
        frame = corpus_manifest(corpus, rest, refresh)
    elif Path(entry).is_dir():
        frame = corpus_manifest("dnr", entry, refresh)
    else:
        raise DataError(entry, "not a manifest CSV, a '<corpus>:<root>' entry or a DnR folder",
                        f"use one of them; corpora: {', '.join(CORPORA.names())}")
    rows = frame[frame["track"] == track].reset_index(drop=True)
    if rows.empty:
        raise DataError(entry, f"holds no {track} files", f"give the {track} track another source")
    return rows


def paper_sources(dns5_root: str | Path, jamendo_root: str | Path, musan_root: str | Path,
                  wham_root: str | Path) -> dict[str, tuple[str, ...]]:
    """``TrainDataConfig.sources`` of the authors' ~6k-hour mix (``config/dataset/mix_6k.yaml``):
    speech = DNS5 clean (nine subsets) + MUSAN speech; music = MTG-Jamendo + MUSAN music;
    sfx = DNS5 noise + MUSAN noise + WHAM! noise."""
    return {
        "speech": (f"dns5-speech:{dns5_root}", f"musan:{musan_root}"),
        "music": (f"jamendo:{jamendo_root}", f"musan:{musan_root}"),
        "sfx": (f"dns5-noise:{dns5_root}", f"musan:{musan_root}", f"wham:{wham_root}"),
    }
