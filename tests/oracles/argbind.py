"""Stand-in for ``argbind`` (imported by DAC's ``dac.utils``): ``bind`` returns the function
unchanged, so that the package imports; no command-line binding is done in the tests."""

from __future__ import annotations

from typing import Any, Callable


def bind(*args: Any, **kwargs: Any) -> Any:
    """``@bind`` and ``@bind(...)`` both leave the decorated object as is."""
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return args[0]
    return lambda obj: obj


def parse_args(*args: Any, **kwargs: Any) -> dict:
    return {}


def scope(*args: Any, **kwargs: Any):
    from contextlib import nullcontext

    return nullcontext()
