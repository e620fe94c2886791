"""Which cells of a table are significantly better than a reference row.

Every model of the table other than the reference is compared with it, column by column, on the
clips both scored (``bench.stats.comparisons``); the p-values of all these comparisons of one
table form one family for Holm's adjustment. A cell is marked when its adjusted p-value is below
``alpha`` and the signed-rank test's direction is the metric's better one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import pandas as pd

from sdcodec.core.errors import ConfigError
from bench.stats.bootstrap import BootstrapSettings
from bench.stats.comparisons import Contender, compare


class ColumnLike(Protocol):
    """A table column (``bench.reporting.tables.Column``): which summary rows it shows."""

    task: str
    input: str
    output: str
    metric: str


def mark_note(reference: str, alpha: float, n_comparisons: int, settings: BootstrapSettings) -> str:
    """The sentence under a table that explains the dagger."""
    unit = "per-track" if settings.unit == "track" else "per-clip"
    return (f"significantly better than {reference}: two-sided Wilcoxon signed-rank test of the "
            f"{unit} mean paired differences, Holm-adjusted p below {alpha:g} over the "
            f"{n_comparisons} comparisons of this table.")


def better_than(columns: Sequence[ColumnLike], rows: pd.DataFrame, reference: str,
                settings: BootstrapSettings = BootstrapSettings(), alpha: float = 0.05
                ) -> tuple[dict[str, dict[ColumnLike, tuple[float, bool]]], int]:
    """``({model: {column: (Holm-adjusted p, significantly better)}}, comparisons made)`` of
    every model in ``rows`` but ``reference`` against it, for the table's ``columns``.

    Raises ``ConfigError`` when ``reference`` is not a model of ``rows``.
    """
    models = list(dict.fromkeys(rows["model"]))
    if reference not in models:
        raise ConfigError(f"--mark-better-than {reference!r}: no such model in the runs "
                          f"(models: {', '.join(models)})")
    by_key = {(c.task, c.input, c.output, c.metric): c for c in columns}
    base = Contender(reference, rows[rows["model"] == reference])
    pairs = [(base, Contender(m, rows[rows["model"] == m])) for m in models if m != reference]
    result = compare(pairs, settings, alpha, keys=set(by_key))
    marks: dict[str, dict[ColumnLike, tuple[float, bool]]] = {}
    tested = result[result["p_holm"].notna()]
    for row in tested.itertuples(index=False):
        column = by_key[(row.task, row.input, row.output, row.metric)]
        marks.setdefault(row.b, {})[column] = (float(row.p_holm), row.verdict == "better")
    return marks, len(tested)
