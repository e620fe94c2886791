"""Model objects handed to ``bench.evaluate`` in this process: the ``object:KEY`` source.

``bench.evaluate`` registers each object under its label and runs the spec ``LABEL=object:LABEL``
through the same engine as a command-line spec; the run hash uses ``model.identity()``.
"""

from __future__ import annotations

from bench.api import ModelBase
from bench.models.specs import SPEC_SOURCES, Loaded, SpecSource

PREFIX = "object:"

#: Key -> the object (filled by ``bench.evaluation.evaluate`` for the length of a call).
OBJECTS: dict[str, ModelBase] = {}


def _load(text: str) -> Loaded:
    model = OBJECTS[text[len(PREFIX):]]
    return Loaded(model, text[len(PREFIX):], {"object": f"{type(model).__module__}.{type(model).__qualname__}"})


SPEC_SOURCES.add("object", SpecSource("object", lambda t: t.startswith(PREFIX) and t[len(PREFIX):] in OBJECTS,
                                      _load))
