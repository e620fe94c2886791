"""The small things every layer needs, defined once at the lowest one.

- ``errors``: ``BenchError`` and its kinds (``DataError``, ``CheckpointError``, ``MetricError``,
  ``ConfigError``): user errors, printed on one line by the ``bench`` command (exit status 2);
- ``constants``: track names (``TRACKS``, ``MIX``, ``STEMS``) and sample rates (Hz);
- ``registry``: ``Registry``, the name -> object map behind families, metrics, suites, commands;
- ``dataclass_json``: frozen-dataclass configurations to and from JSON (``to_dict``,
  ``from_dict``, ``replace``, ``config_hash``).

Nothing here imports torch, numpy or any other package of the project.
"""
