"""Output paths checked before a command does any work: ``--out`` that is a file, lies under a
file, or sits in a folder this process may not write in is a one-line ``ConfigError``.

Writability is probed, not inferred from permission bits: an anonymous temporary file is opened
in the nearest existing folder and closed at once (nothing is left behind). So the answer is the
operating system's own, for this process's user (root included), read-only file systems, ACLs and
special file systems (``/proc``) alike.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sdcodec.core.errors import ConfigError


def _nearest_existing(path: Path) -> Path:
    """``path`` or its closest ancestor that exists (``.`` or ``/`` at the latest)."""
    for candidate in (path, *path.parents):
        try:
            candidate.stat()
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as error:
            raise ConfigError(f"{path}: cannot look into {candidate} ({error.strerror}); "
                              "choose a path you can write to") from None
        return candidate
    return Path(".")


def _check_creatable_in(path: Path, folder: Path) -> None:
    """``folder`` (an existing path) must be a folder this process can create files in."""
    if not folder.is_dir():
        raise ConfigError(f"{path}: {folder} is a file, so nothing can be created under it; "
                          "choose another path")
    try:
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as error:
        raise ConfigError(f"{path}: cannot write in {folder} ({error.strerror or error}); "
                          "choose a folder you can write to") from None


def check_out_folder(path: str | Path) -> Path:
    """``path`` as an output folder: an existing folder this process can write in, or a new one
    that can be created (its nearest existing ancestor is such a folder)."""
    path = Path(path)
    existing = _nearest_existing(path)
    if existing == path and not path.is_dir():
        raise ConfigError(f"{path}: is a file, not a folder; choose a folder (existing or new)")
    _check_creatable_in(path, existing)
    return path


def check_out_file(path: str | Path) -> Path:
    """``path`` as an output file (written atomically: a new file beside it, then renamed): not a
    folder, and its folder exists or can be created and can be written in."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder; give a file name")
    _check_creatable_in(path, _nearest_existing(path.parent))
    return path
