"""Loaded models as the suites see them: one adapter class per model family.

An adapter wraps a model (any family in ``sdcodec.families``) behind the calls the suites make —
``resynthesize``, ``separate``, ``code_through`` — and says which tasks it can do. Adding a family
to the benchmark is adding an adapter module here that registers itself in ``ADAPTERS``.
``reference_dac`` wraps DAC's reference implementation, the throughput suite's oracle.
"""

from bench.models.base import ADAPTERS, EvalModel, ModelSpec, load_eval_model, parse_model_spec

__all__ = ["ADAPTERS", "EvalModel", "ModelSpec", "load_eval_model", "parse_model_spec"]
