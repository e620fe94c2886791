"""The README's two set-up commands must work in either order in one checkout."""

from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_test_command_leaves_no_venv_file_behind() -> None:
    # tox 4.67 (the README's pin) writes a PEP 832 '.venv' redirect file unless told not to; the
    # main job's `python3 -m venv .venv` cannot create its directory over that file.
    tox = configparser.ConfigParser()
    tox.read(ROOT / "tox.ini")
    assert tox.getboolean("tox", "venv_redirect") is False
    readme = (ROOT / "README.md").read_text()
    assert "python3 -m venv .venv" in readme and "pip install tox==4.67.15 && tox -e test" in readme
    assert ".venv" in (ROOT / ".gitignore").read_text().split()
