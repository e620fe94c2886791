"""Models as the suites see them: any ``bench.api`` codec or separator behind one wrapper.

``evalmodel.EvalModel`` wraps a model (label, spec, provenance, resampling to its rate, output
checks, probe); ``capabilities`` derives its tasks from what it implements; ``specs`` resolves
``--model`` texts through a registry of sources (``checkpoints``: files, shipped, official and
preset models of the families; ``plugins``: ``py:`` factories and ``sdbench.models`` entry
points; ``cascade``: separator + codec; ``objects``: objects handed to ``bench.evaluate``).
``codecs`` and ``separators`` implement the contract for SD-Codec, DAC and TDANet;
``reference_dac`` wraps DAC's reference implementation, the throughput suite's oracle.
"""

from bench.models.evalmodel import EvalModel
from bench.models.specs import ModelSpec, check_model_spec, load_eval_model, parse_model_spec

__all__ = ["EvalModel", "ModelSpec", "check_model_spec", "load_eval_model", "parse_model_spec"]
