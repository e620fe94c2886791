"""Benchmark suites, one module each, registered in ``SUITES``.

A suite names the tasks it runs, the models it runs them on when none are given (the embedded
default checkpoints), and the table layouts it prints. Suites that are not clip evaluations
(throughput, bitrate) bring their own ``runner``.
"""

from bench.suites.base import SUITES, Suite, discover

__all__ = ["SUITES", "Suite", "discover"]
