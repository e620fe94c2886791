"""Silencing what native libraries write straight to file descriptor 2."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Sends file descriptor 2 to /dev/null for the duration: native libraries print lines from
    C++ that no Python logging setting reaches (LiteRT's "INFO: Created TensorFlow Lite XNNPACK
    delegate" when ViSQOL's lattice model loads, Kineto's "profiler_start/stop" around
    ``torch.profiler``). Python exceptions are unaffected (raised after fd 2 is restored)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
