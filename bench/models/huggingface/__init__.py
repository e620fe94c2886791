"""Audio codecs of Hugging Face ``transformers`` (DAC, EnCodec, Mimi, X-Codec) as ``bench.api``
codecs: the ``hf:`` model source.

``--model LABEL=hf:<repo id or local folder>[@revision][,n_quantizers=N | ,bandwidth=KBPS]``.
``loading`` parses, checks and loads a spec; ``kinds`` knows each codec class; ``codec`` wraps
a loaded model. ``transformers`` is the optional extra ``pip install -e '.[hf]'``: nothing here
imports it until an ``hf:`` spec is checked or loaded.
"""

from bench.models.huggingface.loading import PREFIX, check_hf_spec, claims, load_hf_codec, parse_hf_spec
from bench.models.specs import SPEC_SOURCES, Loaded, SpecSource


def _load(text: str) -> Loaded:
    codec, _ = load_hf_codec(text)  # the source is in the codec's own describe() ("hf")
    return Loaded(codec, type(codec.model).__name__.removesuffix("Model"))


SPEC_SOURCES.add("hf", SpecSource("hf", claims, _load, check=check_hf_spec))

__all__ = ["PREFIX", "check_hf_spec", "claims", "load_hf_codec", "parse_hf_spec"]
