"""Command-line values checked while ``bench`` parses its options.

argparse calls an option's ``type`` on the text the user gave; when it raises
``argparse.ArgumentTypeError`` the parser stops before the command runs (no run folder, no model
loaded) and ``OneLineParser`` prints one line naming the option, exit status 2::

    parser.add_argument("--limit", type=integer(minimum=1))        # --limit -1: refused
    parser.add_argument("--clip-seconds", type=reals(above=0.0))     # "1,0.5" -> (1.0, 0.5)
    parser.add_argument("--out", type=checked(check_out_folder))   # any check raising BenchError

    bench run: error: argument --limit: expected an integer >= 1, got '-1' (see bench run --help)
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import NoReturn, TypeVar

from sdcodec.core.errors import BenchError

T = TypeVar("T")


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line (no usage block) with exit status 2; its
    sub-command parsers are of the same class."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _number(kind: type[T], accept: Callable[[T], bool], wanted: str) -> Callable[[str], T]:
    """An argparse type: ``kind(text)`` when ``accept`` takes it, else an error saying ``wanted``."""

    def parse(text: str) -> T:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return value

    parse.__name__ = wanted
    return parse


def integer(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number ``>= minimum``."""
    return _number(int, lambda value: value >= minimum, f"an integer >= {minimum}")


def real(above: float) -> Callable[[str], float]:
    """An argparse type: a finite number ``> above``."""
    return _number(float, lambda value: math.isfinite(value) and value > above, f"a finite number > {above:g}")


def _comma_separated(item: Callable[[str], T]) -> Callable[[str], tuple[T, ...]]:
    def parse(text: str) -> tuple[T, ...]:
        values = [v.strip() for v in text.split(",")]
        if not all(values):
            raise argparse.ArgumentTypeError(f"expected comma-separated values, got {text!r}")
        try:
            return tuple(item(v) for v in values)
        except argparse.ArgumentTypeError as error:
            raise argparse.ArgumentTypeError(f"{error} in {text!r}") from None

    parse.__name__ = f"comma-separated values, each {item.__name__}"
    return parse


def integers(minimum: int) -> Callable[[str], tuple[int, ...]]:
    """An argparse type: comma-separated whole numbers, each ``>= minimum`` (``"1,4"``)."""
    return _comma_separated(integer(minimum))


def reals(above: float) -> Callable[[str], tuple[float, ...]]:
    """An argparse type: comma-separated finite numbers, each ``> above`` (``"1,0.5"``)."""
    return _comma_separated(real(above))


def checked(check: Callable[[str], object]) -> Callable[[str], str]:
    """An argparse type from a check that raises ``BenchError`` for a bad value; the option's
    value is the text as given."""

    def parse(text: str) -> str:
        try:
            check(text)
        except BenchError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
        return text

    parse.__name__ = getattr(check, "__name__", "value")
    return parse

