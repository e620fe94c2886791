"""A third-party package installed with ``pip install -e`` inside the test (no network): its
entry points (``sdbench.models``) put a 24 kHz codec and a separator in ``bench models`` and in
``--model``; both run from the command line and from ``bench.evaluate`` with identical summaries.
Also ``py:`` specs with arguments, and two installed packages claiming one name."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import bench
from bench.cli import main
from bench.models.plugins import parse_py_spec, split_arguments

PACKAGE = "toy-sdbench-plugin"
#: A quick evaluation: SI-SDR only, the first two 5 s clips.
QUICK = ["--metrics", "si_sdr", "--split", "val", "--limit", "2", "--batch-size", "2"]
OPTIONS = dict(metrics=("si_sdr",), split="val", limit=2, batch_size=2)

MODULE = '''
"""A toy plug-in: a 24 kHz codec (8-bit rounding) and a fixed-share separator."""
import torch

from bench import Codec, Separator


class RoundingCodec(Codec):
    sample_rate = 24_000

    def __init__(self, bits=8):
        self.bits = bits

    def resynthesize(self, audio, *, track=None, n_quantizers=None):
        steps = 2 ** (self.bits - 1)
        return torch.round(audio * steps) / steps

    def nominal_kbps(self, *, track=None, n_quantizers=None):
        return self.bits * self.sample_rate / 1000


class ShareSeparator(Separator):
    sample_rate = 16_000
    tracks = ("speech", "music", "sfx")

    def separate(self, mix):
        return {"speech": 0.5 * mix, "music": 0.3 * mix, "sfx": 0.2 * mix}


def make_codec(bits=8):
    return RoundingCodec(bits)


def make_separator():
    return ShareSeparator()
'''

PYPROJECT = f'''
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "{PACKAGE}"
version = "0.1.0"

[project.entry-points."sdbench.models"]
toy-codec = "toy_sdbench_plugin:make_codec"
toy-separator = "toy_sdbench_plugin:make_separator"

[tool.setuptools]
py-modules = ["toy_sdbench_plugin"]
'''


def pip(*argv: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *argv],
                   check=True, capture_output=True, text=True)


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    """The package, installed editable for the module's tests and uninstalled after."""
    root = tmp_path_factory.mktemp("toy-plugin")
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "toy_sdbench_plugin.py").write_text(MODULE)
    pip("install", "--quiet", "--no-index", "--no-deps", "--no-build-isolation", "-e", str(root))
    sys.path.insert(0, str(root))  # what the editable install's .pth does at interpreter start
    try:
        yield root
    finally:
        sys.path.remove(str(root))
        sys.modules.pop("toy_sdbench_plugin", None)
        pip("uninstall", "--yes", PACKAGE)


def comparable(summary: pd.DataFrame) -> pd.DataFrame:
    keys = ["model", "task", "input", "output", "metric"]
    return summary.sort_values(keys).reset_index(drop=True)


def test_installed_plugins_are_listed_and_run_like_the_python_api(bench_cli, plugin, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SDBENCH_RESULTS", str(tmp_path / "results"))
    status, listed = bench_cli("models", "--family", "tdanet")  # one family: a short preset table
    assert status == 0 and "toy-codec" in listed and "toy-separator" in listed and f"(package {PACKAGE})" in listed

    status, printed = bench_cli("run", "--suite", "resynthesis", "--model", "toy-codec", *QUICK,
                                "--out", str(tmp_path / "cli-resynthesis"))
    assert status == 0 and "| toy-codec | 192 |" in printed  # the kbps column: 8 bits x 24 kHz
    status, printed = bench_cli("run", "--suite", "separation", "--model", "toy-separator",
                                "--model", "toy-codec", *QUICK, "--out", str(tmp_path / "cli-separation"))
    assert status == 0 and "toy-codec (codec) cannot do separation" in printed

    from toy_sdbench_plugin import make_codec, make_separator

    api_resynthesis = bench.evaluate("resynthesis", {"toy-codec": make_codec()}, **OPTIONS)
    api_separation = bench.evaluate("separation", {"toy-separator": make_separator()}, **OPTIONS)
    for cli, api in (("cli-resynthesis", api_resynthesis), ("cli-separation", api_separation)):
        ours = comparable(pd.read_csv(tmp_path / cli / "summary.csv"))
        pd.testing.assert_frame_equal(ours, comparable(api.summary))
        assert api.run_dir.parent == tmp_path / "results" / "runs"
    manifest = api_resynthesis.manifest["models"][0]
    assert manifest["sample_rate"] == 24_000 and manifest["evaluation_rate"] == 16_000 and manifest["resampled"]
    assert len(api_resynthesis.clips) == 2 * 4  # clips x (mix + 3 sources), one metric


def test_py_specs_take_typed_arguments(bench_cli, plugin, tmp_path) -> None:
    spec = 'Four bits=py:toy_sdbench_plugin:make_codec,bits=4'
    status, printed = bench_cli("run", "--suite", "resynthesis", "--model", spec, *QUICK, "--out", str(tmp_path / "r"))
    assert status == 0 and "| Four bits | 96 |" in printed


def test_argument_syntax() -> None:
    assert split_arguments('a=1,path="/x/run=3/a,b.pt",c=x') == ["a=1", 'path="/x/run=3/a,b.pt"', "c=x"]
    module, factory, kwargs = parse_py_spec('py:pkg.mod:make,n=8,gain=0.5,causal=true,name=x=y,path="a,""b"""')
    assert (module, factory) == ("pkg.mod", "make")
    assert kwargs == {"n": 8, "gain": 0.5, "causal": True, "name": "x=y", "path": 'a,"b"'}


def _distribution(site: Path, name: str, target: str) -> None:
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[sdbench.models]\nshared-name = {target}\n")


def test_two_plugins_claiming_one_name_is_one_line(tmp_path, monkeypatch, capsys) -> None:
    site = tmp_path / "site"
    _distribution(site, "first-pkg", "first_mod:make")
    _distribution(site, "second-pkg", "second_mod:make")
    monkeypatch.syspath_prepend(str(site))
    assert main(["run", "--suite", "resynthesis", "--model", "shared-name", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("bench: error: shared-name: two plug-ins claim this name")
    assert "first_mod:make (package first-pkg)" in err and "second_mod:make (package second-pkg)" in err
    assert not (tmp_path / "r").exists()
