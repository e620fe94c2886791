"""Worker processes that end with the process that started them.

A pool worker blocks on its task queue; when its parent is killed (SIGKILL, the OOM killer) that
queue never closes, because the sibling workers hold its other end, so without help the workers
live on, each holding its memory. ``die_with_parent(parent_pid)``, called first thing in a
worker (a pool's ``initializer``), ends the worker when the parent ends, two ways:

* on Linux, ``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel kills the worker the moment its
  parent dies. (The kernel sends it when the parent *thread* that started the worker ends: a
  pool must start its workers from a thread that lives as long as the pool, as the evaluation
  loop's does.)
* everywhere, a daemon thread that checks every ``poll_seconds`` whether the parent is still
  the worker's parent (an orphan is re-parented) and ends the process if not.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

#: ``PR_SET_PDEATHSIG`` of ``<linux/prctl.h>``.
PR_SET_PDEATHSIG = 1


def set_parent_death_signal(sig: int = signal.SIGKILL) -> bool:
    """Asks the Linux kernel to send ``sig`` to this process when its parent dies; returns
    whether it could (False off Linux or without a usable libc)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int, poll_seconds: float) -> None:
    while os.getppid() == parent_pid:
        time.sleep(poll_seconds)
    os._exit(1)


def die_with_parent(parent_pid: int, poll_seconds: float = 0.5, use_signal: bool = True) -> None:
    """Makes this process end when ``parent_pid`` (its parent) ends; see the module docstring.
    ``use_signal=False`` leaves out the Linux signal (the portable check alone)."""
    if use_signal:
        set_parent_death_signal()
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid, poll_seconds),
                     name="parent-watch", daemon=True).start()
