"""Models from code outside the project: ``py:`` specs and installed plug-ins.

``py:package.module:factory[,key=value,...]`` imports ``package.module`` and calls
``factory(key=value, ...)``. Arguments are separated by commas; a value is an int, a finite
float, ``true``/``false`` (bool) or else a string; a value in double quotes is a string as written,
commas and ``=`` included (``""`` inside quotes is one quote)::

    --model 'Mine=py:mycodec.bench:make,checkpoint="/data/run=3/a,b.pt",n_quantizers=8,causal=true'

An installed package declares models by name in the ``sdbench.models`` entry-point group of its
``pyproject.toml`` (name -> a factory called without arguments)::

    [project.entry-points."sdbench.models"]
    mycodec = "mycodec.bench:make"

Either factory returns a ``bench.api.Codec`` or ``Separator``. Every failure is one line naming
the spec: a module that cannot be imported, a missing factory, a factory that raises or returns
something else, two installed packages claiming one name.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from bench.api import Codec, ModelBase, Separator
from bench.models.specs import SPEC_SOURCES, Loaded, NamedModel, SpecSource
from sdcodec.core.errors import ConfigError, one_line

#: The entry-point group installed packages declare their models in.
ENTRY_POINT_GROUP = "sdbench.models"
PREFIX = "py:"


def call_factory(spec: str, target: str, factory: Callable[..., Any], kwargs: dict[str, Any]) -> ModelBase:
    """``factory(**kwargs)``, which must return a ``bench.api`` codec or separator."""
    try:
        model = factory(**kwargs)
    except Exception as error:  # the plug-in's bug, reported in one line
        raise ConfigError(f"{spec}: factory {target} raised {one_line(error)}") from error
    if not isinstance(model, (Codec, Separator)):
        raise ConfigError(f"{spec}: factory {target} returned {type(model).__module__}."
                          f"{type(model).__qualname__}, neither a bench.Codec nor a bench.Separator")
    return model


# -- py: specs --------------------------------------------------------------------------------
def split_arguments(text: str) -> list[str]:
    """``a=1,b="x,y"`` -> ``['a=1', 'b="x,y"']``: commas inside double quotes do not split."""
    parts, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if quoted:
        raise ValueError("a double quote is not closed")
    parts.append("".join(current))
    return parts


def parse_value(text: str) -> Any:
    """``"..."`` -> str as written; ``true``/``false`` -> bool; an int; a finite float; else str."""
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('""', '"')
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            value = kind(text)
        except ValueError:
            continue
        if math.isfinite(value):  # "nan", "inf" stay strings
            return value
    return text


def parse_py_spec(text: str) -> tuple[str, str, dict[str, Any]]:
    """``py:module:factory[,key=value,...]`` -> (module, factory, keyword arguments)."""
    target, _, arguments = text[len(PREFIX):].partition(",")
    module, _, factory = target.partition(":")
    usage = "write py:package.module:factory[,key=value,...]"
    if not module or not factory or not all(p.isidentifier() for p in module.split(".")) \
            or not factory.isidentifier():
        raise ConfigError(f"{text}: expected a module and a factory name ({usage})")
    return module, factory, keyword_arguments(text, arguments, usage)


def keyword_arguments(text: str, arguments: str, usage: str) -> dict[str, Any]:
    """``key=value,...`` (``split_arguments``, ``parse_value``) -> a dict; a part that is not
    ``key=value`` or a key given twice is a ``ConfigError`` naming the spec ``text`` and ``usage``."""
    kwargs: dict[str, Any] = {}
    try:
        parts = split_arguments(arguments) if arguments else []
    except ValueError as error:
        raise ConfigError(f"{text}: {error} ({usage})") from None
    for part in parts:
        key, equals, value = part.partition("=")
        if not equals or not key.isidentifier():
            raise ConfigError(f"{text}: argument {part!r} is not key=value ({usage})")
        if key in kwargs:
            raise ConfigError(f"{text}: argument {key!r} given twice")
        kwargs[key] = parse_value(value)
    return kwargs


def _import(spec: str, module: str):
    try:
        return importlib.import_module(module)
    except Exception as error:  # ImportError, SyntaxError, or whatever the module raises
        raise ConfigError(f"{spec}: cannot import {module} ({one_line(error)})") from error


def _check_py(text: str) -> None:
    """The spec's syntax, and that its module can be found (not imported)."""
    module, _, _ = parse_py_spec(text)
    try:
        found = importlib.util.find_spec(module)
    except Exception as error:  # a missing parent package
        raise ConfigError(f"{text}: cannot import {module} ({one_line(error)})") from None
    if found is None:
        raise ConfigError(f"{text}: cannot import {module} (no such module on sys.path)")


def _load_py(text: str) -> Loaded:
    module_name, name, kwargs = parse_py_spec(text)
    module = _import(text, module_name)
    factory = getattr(module, name, None)
    if not callable(factory):
        raise ConfigError(f"{text}: {module_name} has no factory {name!r}")
    model = call_factory(text, f"{module_name}:{name}", factory, kwargs)
    return Loaded(model, name, {"factory": f"{module_name}:{name}", "arguments": kwargs})


# -- entry points ---------------------------------------------------------------------------
def _distribution(point: EntryPoint) -> str:
    dist = getattr(point, "dist", None)
    return getattr(dist, "name", None) or "?"


def plugin_points() -> dict[str, list[EntryPoint]]:
    """Name -> the distinct entry points of ``ENTRY_POINT_GROUP`` with that name (one unless two
    packages claim it); the same declaration seen twice on ``sys.path`` counts once."""
    found: dict[str, dict[tuple[str, str], EntryPoint]] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(point.name, {})[(point.value, _distribution(point))] = point
    return {name: list(points.values()) for name, points in sorted(found.items())}


def plugin_point(name: str) -> EntryPoint:
    """The one entry point called ``name``; a ``ConfigError`` when two packages claim it."""
    points = plugin_points().get(name)
    if not points:
        raise ConfigError(f"{name}: no installed plug-in has this name (entry points {ENTRY_POINT_GROUP})")
    if len(points) > 1:
        claims = " and ".join(f"{p.value} (package {_distribution(p)})" for p in points)
        raise ConfigError(f"{name}: two plug-ins claim this name: {claims}; uninstall one, or use "
                          f"py:MODULE:FACTORY for the one you mean")
    return points[0]


def _load_plugin(text: str) -> Loaded:
    point = plugin_point(text)
    try:
        factory = point.load()
    except Exception as error:
        raise ConfigError(f"{text}: plug-in {point.value} (package {_distribution(point)}) cannot be "
                          f"imported ({one_line(error)})") from error
    model = call_factory(text, point.value, factory, {})
    return Loaded(model, text, {"plugin": point.value, "package": _distribution(point)})


def _plugin_names() -> list[NamedModel]:
    return [NamedModel(name, "plugin", " and ".join(f"{p.value} (package {_distribution(p)})" for p in points)
                       + ("  [CONFLICT: two packages claim it]" if len(points) > 1 else ""))
            for name, points in plugin_points().items()]


SPEC_SOURCES.add("py", SpecSource("py", lambda t: t.startswith(PREFIX), _load_py, check=_check_py))
SPEC_SOURCES.add("plugin", SpecSource("plugin", lambda t: t in plugin_points(), _load_plugin,
                                      check=lambda t: plugin_point(t) and None, names=_plugin_names))
