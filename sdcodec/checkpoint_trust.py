"""Reading torch checkpoint files without running code: weights-only unpickling, per-file trust.

Policy. A ``.pt``/``.pth``/``.ckpt`` file is a pickle, and a pickle can call any Python function
while it is read. Every checkpoint is therefore read with ``torch.load(weights_only=True)``,
which rebuilds tensors and plain containers (dict, list, tuple, set, str, numbers, bool, None)
and refuses anything else. Every format the project reads needs nothing more:

* the project's own model and training files (``sdcodec.checkpoint``, ``bench.train.state``)
  are written from tensors and plain values only (``require_plain`` checks it before saving);
* the SD-Codec authors' file is a plain ``state_dict``;
* descript's DAC files are ``{"state_dict", "metadata": {"kwargs": {...}}}`` of plain values;
* Look2Hear's ``serialize()`` files and its Lightning checkpoints hold tensors, strings,
  numbers and dicts (Lightning stores ``dict(hparams)``, optimiser and scheduler states), with
  one exception: ``serialize()`` records ``torch.__version__``, a ``TorchVersion`` (a ``str``
  subclass that only adds version comparisons), so ``FORMAT_GLOBALS`` allows that class always.

One more allow-list exists, for one known format: training checkpoints written before numpy
RNG states were stored as plain lists hold a numpy ``uint32`` array, so ``load_training_state``
passes ``NUMPY_ARRAY_GLOBALS`` (array and dtype reconstruction: they build arrays from bytes
and call nothing else). A file that still cannot be read is refused with one line that names
what it needs and how to opt in for THAT file: ``--trust-checkpoint PATH`` on the command line,
``load_model(path, trust=True)`` or ``with trusted_checkpoints([path]):`` in Python. Trust is
per resolved path; there is no switch that trusts every file.
"""

from __future__ import annotations

import pickle
import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.torch_version import TorchVersion

from sdcodec.core.errors import CheckpointError

#: Classes beyond weights-only's defaults that a supported format holds, allowed for every file:
#: ``torch.__version__`` (Look2Hear's ``serialize()`` files record it in ``infos``).
FORMAT_GLOBALS: tuple[Any, ...] = (TorchVersion,)

#: numpy's array and dtype reconstruction for the ``uint32`` key array of legacy training
#: checkpoints (written under numpy 1 or 2: both spellings of ``_reconstruct`` are accepted).
NUMPY_ARRAY_GLOBALS: tuple[Any, ...] = (
    np.ndarray, np.dtype, type(np.dtype(np.uint32)), np._core.multiarray._reconstruct,
    (np._core.multiarray._reconstruct, "numpy.core.multiarray._reconstruct"),
)

_TRUSTED: ContextVar[frozenset[Path]] = ContextVar("trusted_checkpoints", default=frozenset())
_GLOBAL = re.compile(r"GLOBAL (\S+)")
_REASON = re.compile(r"WeightsUnpickler error:\s*([^\n]*)")
#: Lines of torch's refusal text that explain torch's defaults, not this file.
_BOILERPLATE = ("Weights only load failed", "Check the documentation", "Please ", "(1)", "(2)")


def _key(path: str | Path) -> Path:
    return Path(path).expanduser().resolve()


@contextmanager
def trusted_checkpoints(paths: Iterable[str | Path]) -> Iterator[None]:
    """Within the block, exactly these files may be read with full unpickling when weights-only
    reading refuses them (files the user vouches for); a missing file is a ``CheckpointError``."""
    keys = set()
    for path in paths:
        if not Path(path).is_file():
            raise CheckpointError(f"{path}: no such checkpoint file to trust (--trust-checkpoint names a file)")
        keys.add(_key(path))
    token = _TRUSTED.set(_TRUSTED.get() | frozenset(keys))
    try:
        yield
    finally:
        _TRUSTED.reset(token)


def is_trusted(path: str | Path) -> bool:
    """Whether ``path`` was named by an enclosing ``trusted_checkpoints``."""
    return _key(path) in _TRUSTED.get()


def _needs(path: Path, error: Exception) -> str:
    """What the file asks for that weights-only reading refused, in a few words."""
    try:
        names = torch.serialization.get_unsafe_globals_in_checkpoint(path)
    except Exception:  # a legacy (non-zip) file or a pickle using refused opcodes
        names = []
    text = str(error)
    # torch's message drops the "builtins." of built-in names: put it back
    names = names or [name if "." in name else f"builtins.{name}" for name in _GLOBAL.findall(text)]
    if names:
        return "the Python object(s) " + ", ".join(sorted(set(names)))
    reason = _REASON.search(text)
    details = [line.strip() for line in text.splitlines()
               if line.strip() and not line.strip().startswith(_BOILERPLATE)]
    detail = reason.group(1) if reason and reason.group(1) else (details[0] if details else "refused")
    return f"pickle operations beyond tensors and plain containers ({detail})"


def refusal(path: str | Path, error: Exception) -> CheckpointError:
    """The one-line error for a file that weights-only reading refused."""
    return CheckpointError(
        f"{path}: refused to load: it needs {_needs(Path(path), error)}, and unpickling those can "
        f"run arbitrary code (checkpoints are read weights-only: tensors and plain containers); "
        f"if you trust this file, pass --trust-checkpoint {path} "
        f"(Python: load_model(path, trust=True)), or re-save it as a plain state dict")


def load_weights_only(path: str | Path, trust: bool = False, allow: Sequence[Any] = ()) -> Any:
    """``torch.load`` of ``path`` on the CPU, weights-only (plus the ``allow``-listed globals).

    A file that needs more is refused (``refusal``) unless ``trust`` is true or the file is
    named by an enclosing ``trusted_checkpoints``; then it is read with full unpickling.
    Other read errors propagate (the caller words them).
    """
    try:
        with torch.serialization.safe_globals([*FORMAT_GLOBALS, *allow]):
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        if not (trust or is_trusted(path)):
            raise refusal(path, error) from None
    return torch.load(path, map_location="cpu", weights_only=False)


#: Exact types (not subclasses: a numpy float64 is a ``float`` that weights-only refuses) that
#: weights-only reading rebuilds, containers aside.
_PLAIN_TYPES = frozenset({str, int, float, bool, type(None), torch.Tensor, torch.nn.Parameter,
                          torch.dtype, torch.Size, torch.device})


def require_plain(obj: Any, where: str = "checkpoint") -> None:
    """Raises ``TypeError`` naming the first value of ``obj`` that weights-only reading would
    refuse (anything but tensors, dict/OrderedDict/list/tuple/set and str/int/float/bool/None)."""
    if type(obj) in _PLAIN_TYPES:
        return
    if type(obj) in (dict, OrderedDict):
        for key, value in obj.items():
            require_plain(key, f"{where} key")
            require_plain(value, f"{where}[{key!r}]")
        return
    if type(obj) in (list, tuple, set):
        for index, value in enumerate(obj):
            require_plain(value, f"{where}[{index}]")
        return
    raise TypeError(f"{where} is a {type(obj).__module__}.{type(obj).__qualname__}, which a "
                    "weights-only checkpoint cannot hold; store tensors and plain values")
