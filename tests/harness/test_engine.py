"""The evaluation engine on an in-memory dataset and a fake codec: rows, skips, resumption."""

from __future__ import annotations

import pandas as pd
import pytest
import torch
from torch import nn
from torch.utils.data import Dataset

from bench.api import Codec
from bench.models import EvalModel
from bench.engine.evaluate import evaluate
from bench.results.store import RunStore
from bench.engine.scoring import Scorer
from bench.engine.tasks import ALL_INACTIVE, INACTIVE, TASKS

TRACKS = ("speech", "music", "sfx")


class Clips(Dataset):
    """Random clips; clip 2 has an inactive sfx, clip 5 has every source inactive."""

    def __init__(self, n: int = 7, length: int = 1600) -> None:
        g = torch.Generator().manual_seed(0)
        self.items = []
        for i in range(n):
            stems = {t: torch.randn(1, length, generator=g) for t in TRACKS}
            active = {t: True for t in TRACKS}
            if i == 2:
                active["sfx"] = False
            if i == 5:
                active = {t: False for t in TRACKS}
            self.items.append({"clip_id": f"c{i}", "mix": sum(stems.values()), **stems, "active": active})

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict:
        return self.items[index]


def collate(items: list[dict]) -> dict:
    out = {"clip_id": [i["clip_id"] for i in items]}
    for name in ("mix", *TRACKS):
        out[name] = torch.stack([i[name] for i in items])
    out["active"] = {t: torch.tensor([i["active"][t] for i in items]) for t in TRACKS}
    return out


class FakeCodec(Codec, nn.Module):
    """Resynthesis adds a known distortion (a gain and a one-sample echo)."""

    sample_rate = 16000
    calls = 0

    def __init__(self) -> None:
        nn.Module.__init__(self)
        self.gain = nn.Parameter(torch.tensor(0.9))

    def resynthesize(self, audio: torch.Tensor, *, track=None, n_quantizers=None) -> torch.Tensor:
        FakeCodec.calls += audio.shape[0]  # clips coded
        return self.gain * audio + 0.1 * torch.roll(audio, 1, -1)


def run(tmp_path, store=None, model=None, task="resynthesis", **kwargs):
    """``task`` of ``model`` (default: a ``FakeCodec``) on ``Clips``, SI-SDR only, batches of 2."""
    store = store or RunStore(tmp_path / "run")
    model = model or EvalModel(FakeCodec(), "Fake")
    store.start({"config_hash": "h", "models": [model.describe()]})
    clips = Clips()
    ids = [c["clip_id"] for c in clips.items]
    with Scorer(workers=1) as scorer:
        evaluate(store, [model], [task], clips, ids, lambda t: ("si_sdr",), scorer,
                 batch_size=2, collate_fn=collate, progress=False, **kwargs)
    return store


def test_rows_and_protocol_skips(tmp_path) -> None:
    rows = run(tmp_path).complete()
    assert len(rows) == 7 * 4  # clips x (mix + 3 sources) x one metric
    skipped = rows[rows.skipped != ""].set_index(["clip_id", "input"])["skipped"].to_dict()
    assert skipped[("c2", "sfx")] == INACTIVE
    assert skipped[("c5", "mix")] == ALL_INACTIVE
    assert {k for k in skipped} == {("c2", "sfx"), ("c5", "mix"), ("c5", "speech"), ("c5", "music"), ("c5", "sfx")}
    # SI-SDR of a*x + 0.1*roll(x) against x, computed independently
    clips = Clips()
    x = clips.items[0]["speech"][0].double()
    est = 0.9 * x + 0.1 * torch.roll(x, 1, -1)
    x0, e0 = x - x.mean(), est - est.mean()
    target = (e0 @ x0) / (x0 @ x0) * x0
    expected = 10 * torch.log10((target @ target) / ((e0 - target) @ (e0 - target)))
    value = rows[(rows.clip_id == "c0") & (rows.input == "speech")]["value"].item()
    assert value == pytest.approx(expected.item(), abs=1e-4)


class Interrupt(Exception):
    pass


def killed_after(parts: int, folder, start, monkeypatch) -> RunStore:
    """The store of ``folder`` that ``start()`` (a ``run`` into ``folder``) left when it was
    killed after writing ``parts`` parts."""
    original = RunStore.append
    written = {"n": 0}

    def append_then_die(self, rows):
        if written["n"] == parts:
            raise Interrupt
        written["n"] += 1
        return original(self, rows)

    monkeypatch.setattr(RunStore, "append", append_then_die)
    with pytest.raises(Interrupt):
        start()
    monkeypatch.setattr(RunStore, "append", original)
    return RunStore(folder / "run")


def test_resume_after_kill_loses_and_recomputes_nothing(tmp_path, monkeypatch) -> None:
    full = run(tmp_path / "a").complete()
    # kill the run after two batches have been written
    store = killed_after(2, tmp_path / "b", lambda: run(tmp_path / "b"), monkeypatch)
    assert len(store.done_units()) == 4  # two batches of two clips survived the kill
    FakeCodec.calls = 0
    resumed = run(tmp_path / "b", store=store).complete()
    assert FakeCodec.calls == 3 * 4  # only the 3 unfinished clips (x 4 inputs) were recomputed
    pd.testing.assert_frame_equal(resumed, full)


def test_sharded_batches_cover_every_clip_once(tmp_path) -> None:
    full = run(tmp_path / "a").complete()
    store = RunStore(tmp_path / "b" / "run")
    store.start({"config_hash": "h"})
    for rank in range(2):  # as the ranks do: both start from the units finished before the run
        run(tmp_path / "b", store=RunStore(tmp_path / "b" / "run", writer=f"r{rank}-"), shard=(rank, 2),
            done=set())
    merged = RunStore(tmp_path / "b" / "run").complete()
    pd.testing.assert_frame_equal(merged, full)


def test_tasks_registered() -> None:
    assert {"resynthesis", "separation", "separation-mask", "ood-coding"} <= set(TASKS.names())


class Fragile(FakeCodec):
    """Raises on any batch of more than one clip, and on clip c3 whatever the batch."""

    def __init__(self, c3: torch.Tensor) -> None:
        super().__init__()
        self.c3 = c3

    def resynthesize(self, audio: torch.Tensor, *, track=None, n_quantizers=None) -> torch.Tensor:
        if audio.shape[0] > 1:
            raise RuntimeError("out of memory (a batch too large)")
        if track is None and torch.equal(audio[0], self.c3):
            raise ValueError("cannot code this clip")
        return super().resynthesize(audio, track=track)


def test_a_model_failing_on_a_batch_is_run_clip_by_clip_and_a_failing_clip_is_skipped(tmp_path) -> None:
    full = run(tmp_path / "a").complete()
    clips = Clips()
    store = RunStore(tmp_path / "b" / "run")
    store.start({"config_hash": "h"})
    with Scorer(workers=1) as scorer:
        done = evaluate(store, [EvalModel(Fragile(clips.items[3]["mix"]), "Fake")], ["resynthesis"], clips,
                        [c["clip_id"] for c in clips.items], lambda t: ("si_sdr",), scorer, batch_size=2,
                        collate_fn=collate, progress=False)
    rows = store.complete()
    assert done == 7 and len(rows) == len(full)
    failed = rows[rows.clip_id == "c3"]
    assert (failed["skipped"] == "model error: resynthesize raised ValueError: cannot code this clip").all()
    assert failed["value"].isna().all() and len(failed) == 4  # every output of the clip
    others = ["model", "task", "input", "output", "clip_id", "metric"]
    kept, expected = rows[rows.clip_id != "c3"], full[full.clip_id != "c3"]
    pd.testing.assert_frame_equal(kept.reset_index(drop=True)[others + ["value", "skipped"]],
                                  expected.reset_index(drop=True)[others + ["value", "skipped"]])
