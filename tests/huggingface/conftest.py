"""Tiny transformers codecs saved with ``save_pretrained`` once per session (no download)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .tiny import build, tiny_configs


@pytest.fixture(autouse=True)
def _reference_on_one_thread(one_thread):
    """transformers' own models (the references) run plain ``nn.ConvTranspose1d``, whose oneDNN
    kernel can be wrong on 2+ CPU threads: on one thread it is exact, on any machine. (The
    harness's reroute is tested at 2+ threads in tests/models/test_transposed_conv.py.)"""


@pytest.fixture(scope="session")
def saved(tmp_path_factory) -> dict[str, tuple[Path, Any]]:
    """Name -> (the folder it was saved to, the in-memory model that was saved)."""
    import transformers

    transformers.utils.logging.disable_progress_bar()
    root = tmp_path_factory.mktemp("hf-codecs")
    found = {}
    for name, config in tiny_configs().items():
        model = build(config)
        model.save_pretrained(root / name)
        found[name] = (root / name, model)
    return found
