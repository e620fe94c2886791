"""Evaluation clips: mono, 16 kHz, recomputed mixture, the 40% scoring rule, DataLoader batching."""

from __future__ import annotations

import julius
import pandas as pd
import pytest
import soundfile as sf
import torch
from torch.utils.data import DataLoader

from bench.data.eval_clips import EvalClips, collate
from bench.data.manifest import build_manifest
from sdcodec.core.errors import DataError

from .conftest import SR, noise, three_stems


def _oracle(root, folder: str, track: str, start: int, frames: int) -> torch.Tensor:
    """The authors' steps written out: read, mean over channels, slice, julius 441 -> 160."""
    audio, rate = sf.read(root / folder / f"{track}.wav", dtype="float32", always_2d=True)
    mono = torch.from_numpy(audio.T.copy()).mean(dim=0)[start: start + frames]
    return julius.ResampleFrac(441, 160)(mono)


def _manifest(rows: list[tuple[str, int, int]], protocol: str = "corrected") -> pd.DataFrame:
    return pd.DataFrame({"clip_id": [f"c{i}" for i in range(len(rows))], "folder": [r[0] for r in rows],
                         "start": [r[1] for r in rows], "frames": [r[2] for r in rows],
                         "protocol": protocol})


def test_items_match_the_authors_steps_and_mix_is_recomputed(make_dnr) -> None:
    stems = three_stems(11.0, seed=1, channels=2)
    mix_file = noise(11.0, 0.3, seed=99, channels=2)  # deliberately NOT the sum: must not be read
    root = make_dnr({"cv": {"5": stems}})
    sf.write(root / "cv" / "5" / "mix.wav", mix_file.T, SR, subtype="FLOAT")
    manifest = build_manifest(root, "val", "corrected", cache_dir=root.parent / "c")
    clips = EvalClips(manifest, root)
    assert len(clips) == len(manifest) == 2
    item = clips[1]
    start, frames = int(manifest.loc[1, "start"]), int(manifest.loc[1, "frames"])
    assert item["clip_id"] == manifest.loc[1, "clip_id"]
    for track in ("speech", "music", "sfx"):
        assert item[track].shape == (1, 80_000) and item[track].dtype == torch.float32
        torch.testing.assert_close(item[track][0], _oracle(root, "cv/5", track, start, frames),
                                   rtol=0, atol=1e-6)
    torch.testing.assert_close(item["mix"], item["speech"] + item["music"] + item["sfx"], rtol=0, atol=0)
    assert item["active"] == {"speech": True, "music": True, "sfx": True}


@pytest.mark.parametrize("silent_seconds,expected", [(6.5, False), (5.5, True)])
def test_forty_percent_rule_per_track(make_dnr, silent_seconds: float, expected: bool) -> None:
    stems = three_stems(10.0, seed=2)
    stems["music"][:, : int(silent_seconds * SR)] = 0  # 65% silent: skipped; 55%: scored
    root = make_dnr({"tt": {"9": stems}})
    item = EvalClips(_manifest([("tt/9", 0, 10 * SR)]), root)[0]
    assert item["music"].shape == (1, 160_000)
    assert item["active"] == {"speech": True, "music": expected, "sfx": True}
    # the same decision, written out: 16 kHz clip, STFT frames above 1e-6, count < 0.4 * frames
    spec = torch.stft(item["music"][0], 1024, 256, 1024, torch.hann_window(1024), center=True,
                      pad_mode="reflect", return_complex=True).abs().sum(dim=0)
    assert expected == (not int((spec > 1e-6).sum()) < 0.4 * spec.numel())


def test_dataloader_with_workers_and_collate(make_dnr) -> None:
    root = make_dnr({"cv": {"1": three_stems(14.0, seed=3), "2": three_stems(9.0, seed=4)}})
    manifest = build_manifest(root, "val", "corrected")
    clips = EvalClips(manifest, root)
    loader = DataLoader(clips, batch_size=2, num_workers=2, collate_fn=collate)
    batches = list(loader)
    assert [b["clip_id"] for b in batches] == [["1_0", "1_1"], ["2_0"]]
    first = batches[0]
    assert first["mix"].shape == (2, 1, 80_000) and first["speech"].shape == (2, 1, 80_000)
    assert first["active"]["sfx"].dtype == torch.bool and first["active"]["sfx"].shape == (2,)
    torch.testing.assert_close(first["speech"][1], clips[1]["speech"])


def test_bad_manifest_and_mixed_lengths(make_dnr) -> None:
    with pytest.raises(DataError, match="lacks column"):
        EvalClips(pd.DataFrame({"clip_id": ["a"]}), ".")
    root = make_dnr({"cv": {"1": three_stems(11.0, seed=5)}})
    clips = EvalClips(_manifest([("cv/1", 0, 5 * SR), ("cv/1", 0, 10 * SR)]), root)
    with pytest.raises(DataError, match="different lengths"):
        collate([clips[0], clips[1]])
    beyond = EvalClips(_manifest([("cv/1", 8 * SR, 5 * SR)]), root)
    with pytest.raises(DataError, match="asked for 220500 frames"):
        beyond[0]
