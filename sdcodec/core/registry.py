"""A small name -> object registry, used for models, metrics, suites, protocols and commands.

Adding a metric (or a suite, a model, ...) is adding a file that registers it::

    METRICS = Registry("metric")

    @METRICS.register("si_sdr")
    class SISDR: ...

Looking up an unknown name raises a ``ConfigError`` that lists the known names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from sdcodec.core.errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps names to registered objects (classes, factories or instances)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator that registers ``obj`` under ``name``; a name can be registered once."""

        def decorator(obj: T) -> T:
            if name in self._items and self._items[name] is not obj:
                raise ValueError(f"{self.kind} {name!r} is already registered")
            self._items[name] = obj
            return obj

        return decorator

    def add(self, name: str, obj: T) -> T:
        """Registers ``obj`` under ``name`` without a decorator; returns ``obj``."""
        return self.register(name)(obj)

    def get(self, name: str) -> T:
        """The object registered as ``name``; a ``ConfigError`` listing the known names if none."""
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none"
            raise ConfigError(f"unknown {self.kind} {name!r}; known: {known}") from None

    def names(self) -> list[str]:
        """Registered names, in registration order."""
        return list(self._items)

    def items(self) -> Iterator[tuple[str, T]]:
        return iter(self._items.items())

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __len__(self) -> int:
        return len(self._items)
