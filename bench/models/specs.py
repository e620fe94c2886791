"""Model specs (``--model [LABEL=]WHAT``) and where a ``WHAT`` comes from: a registry of sources.

Each source claims the texts it understands (cheaply, without loading anything), can check one
before a run (``check``: the error loading would give, without loading weights) and loads it into
a ``bench.api`` model with its default label and provenance. Sources, in lookup order:

=============  =================================================================================
``preset``     ``preset:FAMILY/PRESET``: seeded random weights (speed and bitrate only)
``file``       an existing checkpoint file in a supported format
``embedded``   a shipped checkpoint's name (``sdcodec-tiny``, ``dac-tiny``, ``tdanet-tiny``, ...)
``official``   an official model's name once fetched (``sdcodec-16k``, ``dac-16k``, ...)
``hf``         ``hf:REPO_ID_OR_FOLDER[@REVISION][,n_quantizers=N|,bandwidth=KBPS]``: a transformers
               audio codec (``bench.models.huggingface``; the extra ``pip install -e '.[hf]'``)
``py``         ``py:package.module:factory[,key=value,...]``: any factory, not packaged
``plugin``     a name from an installed package's ``sdbench.models`` entry points
``cascade``    ``cascade:SEPARATOR+CODEC``, or ``SEPARATOR+CODEC`` where both sides name models
``object``     a model object handed to ``bench.evaluate`` (in this process only)
=============  =================================================================================

A source is registered by a module listed in ``SOURCE_MODULES`` (imported on first use)::

    SPEC_SOURCES.add("hf", SpecSource("hf", claims=lambda t: t.startswith("hf:"), load=load_hf))
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.api import ModelBase
from sdcodec.core.errors import BenchError
from sdcodec.core.registry import Registry


@dataclass(frozen=True)
class ModelSpec:
    """A model named on the command line: ``[LABEL=]PATH``, ``PATH`` being any source's text."""

    label: str | None
    path: str


@dataclass(frozen=True)
class Loaded:
    """What a source loads: the model, its label when the spec gives none, what the manifest
    records about where it came from, and the run-hash identity (None: ``model.identity()``)."""

    model: ModelBase
    label: str
    provenance: dict[str, Any] = field(default_factory=dict)
    identity: str | None = None


@dataclass(frozen=True)
class NamedModel:
    """A model usable by name, for ``bench models``: its name, source and a one-line note."""

    name: str
    source: str
    note: str


def _nothing(text: str) -> None:
    return None


@dataclass(frozen=True)
class SpecSource:
    """A kind of model spec. ``claims(text)``: whether the text is this source's (no loading);
    ``load(text)``: the model; ``check(text)``: raises what ``load`` would for a spec that cannot
    load, without loading weights (default: nothing); ``names()``: models usable by name."""

    name: str
    claims: Callable[[str], bool]
    load: Callable[[str], Loaded]
    check: Callable[[str], None] = _nothing
    names: Callable[[], list[NamedModel]] | None = None


SPEC_SOURCES: Registry[SpecSource] = Registry("model source")

#: Modules registering sources, in lookup order (issue 18's ``hf:`` source adds its module).
SOURCE_MODULES: tuple[str, ...] = ("bench.models.checkpoints", "bench.models.huggingface", "bench.models.plugins",
                                   "bench.models.cascade", "bench.models.objects")


@functools.cache
def _load_sources() -> None:
    for module in SOURCE_MODULES:
        importlib.import_module(module)


def sources() -> Registry[SpecSource]:
    """The registry, with every source module imported."""
    _load_sources()
    return SPEC_SOURCES


def source_of(text: str) -> SpecSource | None:
    """The first source that claims ``text`` (lookup order above), or None."""
    for _, source in sources().items():
        if source.claims(text):
            return source
    return None


def names_a_model(text: str) -> bool:
    """Whether some source claims ``text``."""
    return bool(text) and source_of(text) is not None


def parse_model_spec(text: str) -> ModelSpec:
    """``[LABEL=]PATH`` -> ``ModelSpec``, where the label may itself hold ``=`` (the paper's
    ``+ shared codebook (S=4)``) and so may a path (``py:`` arguments): the whole text when some
    source claims it; else the split at the first ``=`` after which a claimed text follows; else
    at the last ``=`` (the load then says what is missing)."""
    if "=" not in text or names_a_model(text):
        return ModelSpec(None, text)
    positions = [i for i, char in enumerate(text) if char == "="]
    for i in positions:
        if names_a_model(text[i + 1:]):
            return ModelSpec(text[:i], text[i + 1:])
    return ModelSpec(text[:positions[-1]], text[positions[-1] + 1:])


def unclaimed(text: str) -> BenchError:
    """The error for a text no source claims: a path-like text is a missing file; a name lists
    the names that exist."""
    if "/" in text or Path(text).suffix:
        return BenchError(f"{text}: no such checkpoint file (or embedded default like 'sdcodec-tiny')")
    known = ", ".join(n.name for n in named_models()) or "none"
    return BenchError(f"{text}: not a checkpoint file nor an embedded default, official or plug-in "
                      f"model name, nor a preset:/py:/cascade: spec; names: {known}")


def _source(text: str) -> SpecSource:
    source = source_of(text)
    if source is None:
        raise unclaimed(text)
    return source


def check_model_spec(spec: ModelSpec | str) -> None:
    """Raises the error ``load_eval_model`` would give for a model that does not exist (a missing
    file, an unknown name, family or preset, a factory module that is not there), without
    loading weights."""
    spec = parse_model_spec(spec) if isinstance(spec, str) else spec
    _source(spec.path).check(spec.path)


def load_spec(path: str) -> tuple[SpecSource, Loaded]:
    """The source of ``path`` and what it loads."""
    source = _source(path)
    return source, source.load(path)


def load_eval_model(spec: ModelSpec | str):
    """The ``EvalModel`` of a spec: loaded by its source, labelled, with its provenance."""
    from bench.models.evalmodel import EvalModel

    text = spec if isinstance(spec, str) else (f"{spec.label}={spec.path}" if spec.label else spec.path)
    spec = parse_model_spec(spec) if isinstance(spec, str) else spec
    source, loaded = load_spec(spec.path)
    return EvalModel(loaded.model, spec.label or loaded.label, spec=text,
                     provenance={"source": source.name, **loaded.provenance}, identity=loaded.identity)


def named_models() -> list[NamedModel]:
    """Every model usable by name (embedded, official, plug-ins), in source order."""
    found: list[NamedModel] = []
    for _, source in sources().items():
        if source.names is not None:
            found += source.names()
    return found
