"""Frozen-dataclass configurations and their JSON form.

Every configuration in the project is a frozen dataclass. ``to_dict`` turns one (nested ones
included) into plain JSON-able values that are stored with every result and checkpoint;
``from_dict`` rebuilds it and rejects unknown keys with a clear message.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from typing import Any, TypeVar

from sdcodec.core.errors import ConfigError

C = TypeVar("C")


def to_dict(config: Any) -> dict[str, Any]:
    """A JSON-able dict of a dataclass instance; tuples become lists."""
    if not dataclasses.is_dataclass(config) or isinstance(config, type):
        raise TypeError(f"expected a dataclass instance, got {type(config).__name__}")
    return json.loads(json.dumps(dataclasses.asdict(config)))


def _coerce(tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp) and isinstance(value, dict):
        return from_dict(tp, value)
    if origin is tuple and isinstance(value, (list, tuple)):
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(args[0], v) for v in value)
        if args:
            return tuple(_coerce(a, v) for a, v in zip(args, value))
        return tuple(value)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if arg is type(None):
                if value is None:
                    return None
                continue
            try:
                return _coerce(arg, value)
            except (TypeError, ValueError, ConfigError):
                continue
        return value
    if origin is dict and isinstance(value, dict):
        return dict(value)
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def from_dict(cls: type[C], data: dict[str, Any]) -> C:
    """Rebuilds dataclass ``cls`` from ``to_dict`` output; unknown keys are a ``ConfigError``."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"unknown {cls.__name__} field(s): {', '.join(unknown)}")
    hints = typing.get_type_hints(cls)
    kwargs = {name: _coerce(hints[name], value) for name, value in data.items()}
    return cls(**kwargs)


def replace(config: C, **overrides: Any) -> C:
    """``dataclasses.replace`` that names the dataclass when a key is unknown."""
    names = {f.name for f in dataclasses.fields(config)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise ConfigError(f"unknown {type(config).__name__} field(s): {', '.join(unknown)}")
    return dataclasses.replace(config, **overrides)


def config_hash(config: Any) -> str:
    """A short stable hash (16 hex digits) of a configuration's JSON form."""
    payload = json.dumps(to_dict(config), sort_keys=True).encode()
    return hashlib.sha256(payload).hexdigest()[:16]
