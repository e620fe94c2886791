"""The one error type of ``bench.fetch``."""

from __future__ import annotations

import re

from sdcodec.core.errors import BenchError, first_line


class FetchError(BenchError):
    """A download, verification or extraction that cannot go on; the message says what to do."""


_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


def short_reason(error: BaseException) -> str:
    """A few words on why ``error`` happened (``connection refused``), never a multi-line dump.

    Network libraries nest the operating system's reason deep inside their message; the first
    ``[Errno N] text`` found is used, else the first line of the message, else the type name.
    """
    text = str(error)
    found = _ERRNO.search(text)
    if found:
        return found.group(1).strip().rstrip(".").lower()
    return first_line(error)
