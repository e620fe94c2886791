"""``bench.evaluate`` is ``bench run``: the same run folder and resumption (an object's identity
is part of the run hash), the same one-line errors."""

from __future__ import annotations

import pytest
import torch

import bench
from sdcodec.core.errors import BenchError

from .toy_models import GainSeparator

OPTIONS = dict(metrics=("si_sdr",), split="val", limit=2, batch_size=1)


def test_the_same_call_resumes_and_another_model_gets_its_own_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SDBENCH_RESULTS", str(tmp_path))
    first = bench.evaluate("separation", {"Gain": GainSeparator()}, **OPTIONS)
    again = bench.evaluate("separation", {"Gain": GainSeparator()}, **OPTIONS)
    assert again.run_dir == first.run_dir
    profile = again.manifest["profiles"][-1]
    assert profile["units"] == 0 and profile["units_already_done"] == 2 * 2  # clips x tasks
    changed = GainSeparator()
    with torch.no_grad():
        changed.shares[0] = 0.6
    other = bench.evaluate("separation", {"Gain": changed}, **OPTIONS)
    assert other.run_dir != first.run_dir
    assert set(first.summary["task"]) == {"separation", "separation-mask"}
    assert "kbps" not in first.table()  # no row transmits anything: no bitrate column


@pytest.mark.parametrize("call, words", [
    (lambda: bench.evaluate("resynthesis", {"x": GainSeparator()}, **OPTIONS),
     "no given model can do the resynthesis suite's tasks"),
    (lambda: bench.evaluate("resynthesis", {"x": object()}, **OPTIONS),
     "x=object:x: got builtins.object, neither a bench.Codec nor a bench.Separator"),
    (lambda: bench.evaluate("resynthesis", {"x": "dac-tiny"}, epochs=3), "unknown option(s) epochs"),
    (lambda: bench.evaluate("all", {"x": "dac-tiny"}), "bench.evaluate runs one suite"),
])
def test_errors_are_the_commands_one_line_errors(call, words, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SDBENCH_RESULTS", str(tmp_path))
    with pytest.raises(BenchError) as info:
        call()
    assert words in str(info.value) and "\n" not in str(info.value)
